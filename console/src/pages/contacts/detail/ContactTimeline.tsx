import { SettingOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  Card,
  Checkbox,
  DatePicker,
  Descriptions,
  Drawer,
  Empty,
  Modal,
  Radio,
  Select,
  Space,
  Tag,
  Timeline,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  contactDetailApi,
  contactDetailKeys,
  type DetailConnection,
  type TimelineEvent,
  type TimelineFilter,
  type TimelineProperty,
} from '../../../api/contact-detail';
import { LoadErrorAlert } from '../../../components/LoadErrorAlert';
import { MaskedValue } from '../../../components/MaskedValue';
import { useSession } from '../../../session/session';
import { useCursorList } from '../../../utils/cursor-list';
import { formatDateTimeSeconds, startOfDayIn } from '../../../utils/format';
import { useErrorText } from '../../../utils/errors';
import { testId } from '../../../utils/test-id';

type Lang = 'zh-CN' | 'en-US';
const DAY = 24 * 3600_000;

export function useLang(): Lang {
  const { i18n } = useTranslation();
  return i18n.language === 'en-US' ? 'en-US' : 'zh-CN';
}

function propertyText(property: TimelineProperty, timeZone: string): string {
  const { value } = property;
  if (value === null || value === undefined) return '';
  if (property.type === 'datetime' && typeof value === 'number') return formatDateTimeSeconds(value, timeZone);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function PropertyRows({ properties, testIdPrefix }: { properties: TimelineProperty[]; testIdPrefix: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const timeZone = useSession().tenant.timeZone;
  if (properties.length === 0)
    return <Typography.Text type="secondary">{t('contacts.detail.event.noProperties')}</Typography.Text>;
  return (
    <Descriptions size="small" column={1} bordered>
      {properties.map((property) => (
        <Descriptions.Item
          key={property.code}
          label={
            <span>
              {property.names[lang]} <Typography.Text type="secondary">{property.code}</Typography.Text>
            </span>
          }
        >
          <span {...testId(`${testIdPrefix}-${property.code}`)}>
            {property.masked ? <MaskedValue value="***" /> : propertyText(property, timeZone)}
            {property.label !== null && (
              <Tag style={{ marginInlineStart: 8 }} data-testid={`${testIdPrefix}-${property.code}-label`}>
                {property.label}
              </Tag>
            )}
          </span>
        </Descriptions.Item>
      ))}
    </Descriptions>
  );
}

/** 事件详情: the event's own data, then its system and custom properties with their names and dictionary labels. */
function EventDrawer({ event, onClose }: { event: TimelineEvent; onClose: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const timeZone = useSession().tenant.timeZone;
  const system = event.properties.filter((p) => p.source === 'system' || p.source === 'sdk');
  const custom = event.properties.filter((p) => p.source === 'custom' || p.source === 'undeclared');
  return (
    <Drawer
      open
      width={520}
      title={`${t('contacts.detail.event.title')} · ${event.names[lang]}`}
      onClose={onClose}
      {...testId('timeline-event-drawer')}
    >
      <Descriptions size="small" column={1} bordered title={t('contacts.detail.event.envelope')}>
        <Descriptions.Item label={t('contacts.detail.event.eventTime')}>
          {formatDateTimeSeconds(event.eventTime, timeZone)}
        </Descriptions.Item>
        <Descriptions.Item label={t('contacts.detail.event.receivedAt')}>
          {event.receivedAt === null ? t('contacts.detail.event.none') : formatDateTimeSeconds(event.receivedAt, timeZone)}
        </Descriptions.Item>
        <Descriptions.Item label={t('contacts.detail.event.channel')}>
          {event.channelName ?? event.channelId ?? t('contacts.detail.event.none')}
        </Descriptions.Item>
        <Descriptions.Item label={t('contacts.detail.event.direction')}>
          {event.direction === 'outbound' ? t('contacts.detail.event.outboundDirection') : t('contacts.detail.event.inbound')}
        </Descriptions.Item>
        {event.journeyId !== null && (
          <Descriptions.Item label={t('contacts.detail.event.journeyId')}>
            <span data-testid="timeline-event-journey">{t('contacts.detail.timeline.journey', { id: event.journeyId })}</span>
          </Descriptions.Item>
        )}
        <Descriptions.Item label={t('contacts.detail.event.messageId')}>
          <Typography.Text copyable>{event.messageId}</Typography.Text>
        </Descriptions.Item>
      </Descriptions>
      <Typography.Title level={5} style={{ marginTop: 24 }}>
        {t('contacts.detail.event.system')}
      </Typography.Title>
      <PropertyRows properties={system} testIdPrefix="event-system" />
      <Typography.Title level={5} style={{ marginTop: 24 }}>
        {t('contacts.detail.event.custom')}
      </Typography.Title>
      <PropertyRows properties={custom} testIdPrefix="event-custom" />
    </Drawer>
  );
}

/** 显示设置: which outbound (主动) events the timeline shows — all, chosen ones, or none. Per staff member. */
function OutboundSettingsModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: contactDetailKeys.viewSettings, queryFn: contactDetailApi.viewSettings });
  const current = settings.data?.timelineOutbound;
  const [mode, setMode] = useState<'all' | 'chosen' | undefined>(undefined);
  const [chosen, setChosen] = useState<string[] | undefined>(undefined);
  const shownMode = mode ?? (current === undefined || current === null ? 'all' : 'chosen');
  const shownChosen = chosen ?? current ?? [];
  const [saving, setSaving] = useState(false);
  const save = async () => {
    if (!settings.data) return;
    setSaving(true);
    try {
      await contactDetailApi.saveViewSettings({
        profileTags: settings.data.profileTags,
        timelineOutbound: shownMode === 'all' ? null : shownChosen,
      });
      message.success(t('contacts.detail.timeline.saved'));
      await queryClient.invalidateQueries({ queryKey: ['contacts'] });
      onClose();
    } catch (error) {
      message.error(errorText(error));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      open
      title={t('contacts.detail.timeline.settingsTitle')}
      onCancel={onClose}
      onOk={() => void save()}
      okButtonProps={{ loading: saving, disabled: !settings.data, ...testId('timeline-settings-save') }}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      destroyOnHidden
    >
      <LoadErrorAlert error={settings.error} onRetry={() => void settings.refetch()} testId="timeline-settings-error" />
      <Radio.Group
        value={shownMode}
        onChange={(e) => setMode(e.target.value as 'all' | 'chosen')}
        {...testId('timeline-settings-mode')}
      >
        <Space direction="vertical">
          <Radio value="all" data-testid="timeline-settings-all">
            {t('contacts.detail.timeline.settingsAll')}
          </Radio>
          <Radio value="chosen" data-testid="timeline-settings-chosen">
            {t('contacts.detail.timeline.settingsChosen')}
          </Radio>
        </Space>
      </Radio.Group>
      {shownMode === 'chosen' && (
        <div style={{ marginTop: 12, marginInlineStart: 24 }}>
          {settings.data?.outboundEventTypes.length === 0 ? (
            <Typography.Text type="secondary">{t('contacts.detail.timeline.noOutboundTypes')}</Typography.Text>
          ) : (
            <Checkbox.Group
              value={shownChosen}
              onChange={(values) => setChosen(values as string[])}
              options={(settings.data?.outboundEventTypes ?? []).map((type) => ({
                value: type.code,
                label: <span data-testid={`timeline-settings-event-${type.code}`}>{type.names[lang]}</span>,
              }))}
            />
          )}
          {shownChosen.length === 0 && (
            <Typography.Text type="secondary" style={{ display: 'block', marginTop: 8 }}>
              {t('contacts.detail.timeline.settingsNone')}
            </Typography.Text>
          )}
        </div>
      )}
    </Modal>
  );
}

/**
 * 时间轴 (seed §1.4.10.4): the contact's events newest first, 所有时间 / a date range and 所有渠道 / one
 * channel; outbound (主动) events as 显示设置 chooses, with the journey that sent them. Clicking an
 * event opens its detail.
 */
export function ContactTimeline({ contactId, connections }: { contactId: string; connections: DetailConnection[] }) {
  const { t } = useTranslation();
  const lang = useLang();
  const timeZone = useSession().tenant.timeZone;
  const [range, setRange] = useState<[Dayjs, Dayjs] | null>(null);
  const [channelId, setChannelId] = useState<string | undefined>(undefined);
  const [open, setOpen] = useState<TimelineEvent>();
  const [settingsOpen, setSettingsOpen] = useState(false);
  const filter: TimelineFilter = {
    channelId,
    ...(range
      ? {
          from: startOfDayIn(range[0].format('YYYY-MM-DD'), timeZone),
          to: startOfDayIn(range[1].format('YYYY-MM-DD'), timeZone) + DAY,
        }
      : {}),
  };
  const timeline = useCursorList({
    queryKey: contactDetailKeys.timeline(contactId, filter),
    queryFn: (cursor) => contactDetailApi.timeline(contactId, filter, cursor),
  });

  return (
    <Card
      title={t('contacts.detail.timeline.title')}
      data-testid="contact-timeline"
      extra={
        <Space wrap>
          <DatePicker.RangePicker
            allowClear
            value={range}
            onChange={(value) => setRange(value && value[0] && value[1] ? [value[0], value[1]] : null)}
            placeholder={[t('contacts.detail.timeline.allTime'), t('contacts.detail.timeline.allTime')]}
            {...testId('timeline-range')}
          />
          <Select
            allowClear
            style={{ minWidth: 160 }}
            placeholder={t('contacts.detail.timeline.allChannels')}
            value={channelId}
            onChange={(value: string | undefined) => setChannelId(value)}
            options={connections.map((connection) => ({
              value: connection.channelId,
              label: connection.channelName ?? t('contacts.detail.connections.deleted'),
            }))}
            {...testId('timeline-channel')}
          />
          <Button icon={<SettingOutlined />} onClick={() => setSettingsOpen(true)} data-testid="timeline-settings">
            {t('contacts.detail.timeline.settings')}
          </Button>
        </Space>
      }
    >
      <LoadErrorAlert error={timeline.list.error} onRetry={() => void timeline.list.refetch()} testId="timeline-error" />
      {timeline.list.isPending ? null : timeline.items.length === 0 ? (
        <Empty description={t('contacts.detail.timeline.empty')} data-testid="timeline-empty" />
      ) : (
        <Timeline
          items={timeline.items.map((event) => ({
            key: `${event.messageId}-${event.event}`,
            color: event.direction === 'outbound' ? 'green' : 'blue',
            children: (
              <div
                role="button"
                tabIndex={0}
                style={{ cursor: 'pointer' }}
                onClick={() => setOpen(event)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') setOpen(event);
                }}
                data-testid="timeline-event"
                data-event={event.event}
              >
                <Typography.Text type="secondary">{formatDateTimeSeconds(event.eventTime, timeZone)}</Typography.Text>
                <div>
                  <Typography.Text strong>{event.names[lang]}</Typography.Text>
                  {event.channelName && (
                    <Tag style={{ marginInlineStart: 8 }} bordered={false}>
                      {event.channelName}
                    </Tag>
                  )}
                  {event.direction === 'outbound' && <Tag color="green">{t('contacts.detail.timeline.outbound')}</Tag>}
                  {event.journeyId !== null && (
                    <Tag color="purple">{t('contacts.detail.timeline.journey', { id: event.journeyId })}</Tag>
                  )}
                </div>
              </div>
            ),
          }))}
        />
      )}
      {timeline.hasMore && (
        <Button block loading={timeline.loadingMore} onClick={timeline.loadMore} data-testid="timeline-load-more">
          {t('contacts.detail.timeline.loadMore')}
        </Button>
      )}
      {open && <EventDrawer event={open} onClose={() => setOpen(undefined)} />}
      {settingsOpen && <OutboundSettingsModal onClose={() => setSettingsOpen(false)} />}
    </Card>
  );
}
