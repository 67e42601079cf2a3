import { SettingOutlined } from '@ant-design/icons';
import { PageContainer, ProCard } from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Col, Descriptions, Empty, Row, Skeleton, Space, Statistic, Tag, Timeline, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { getHome, homeApi, homeKeys, type HomeTimelineEvent, type HomeTimelinePage } from '../../api/home';
import type { HomeOverview } from '../../api/types';
import { ErrorResult } from '../../components/ErrorResult';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { MaskedValue } from '../../components/MaskedValue';
import { hasMessage } from '../../i18n';
import { hasPermission, useSession } from '../../session/session';
import { useCursorList } from '../../utils/cursor-list';
import { formatDateTime, formatDateTimeSeconds, formatNumber } from '../../utils/format';
import { useLocalized } from '../../utils/localized';
import { DisplaySettingsModal } from './DisplaySettingsModal';

/** Where a counter's card leads (when the staff member may open that page). */
const counterLinks: Record<string, { to: string; permission: string }> = {
  connections: { to: '/connections', permission: 'connections.view' },
  apps: { to: '/settings/apps', permission: 'settings.privateApps' },
  staff: { to: '/settings/advanced/staff', permission: 'staff.manage' },
};

function StatCard({ testId, title, value, to }: { testId: string; title: string; value: number; to?: string }) {
  const { i18n } = useTranslation();
  const statistic = (
    <Statistic
      title={title}
      value={value}
      formatter={(v) => <span data-testid={`${testId}-value`}>{formatNumber(Number(v), i18n.language)}</span>}
    />
  );
  return (
    <Card data-testid={testId} hoverable={to !== undefined}>
      {to ? <Link to={to}>{statistic}</Link> : statistic}
    </Card>
  );
}

function Overview({ home }: { home: HomeOverview }) {
  const { t } = useTranslation();
  const session = useSession();
  const countLabel = (key: string) => {
    const messageKey = `home.counts.${key}`;
    return hasMessage(messageKey) ? t(messageKey) : key;
  };
  const contactsLink = hasPermission(session, 'contacts.view') ? '/contacts/all' : undefined;
  return (
    <>
      <ProCard title={t('home.overview')} style={{ marginBottom: 16 }}>
        <Descriptions
          column={{ xs: 1, sm: 2, lg: 3 }}
          items={[
            {
              key: 'tenantName',
              label: t('home.tenantName'),
              children: <span data-testid="home-tenant-name">{home.tenant.name}</span>,
            },
            {
              key: 'version',
              label: t('home.version'),
              children: <span data-testid="home-version">{home.version}</span>,
            },
            {
              key: 'expiresOn',
              label: t('home.expiresOn'),
              children: <span data-testid="home-expires-on">{home.tenant.expiresOn ?? t('home.noExpiry')}</span>,
            },
            {
              key: 'timeZone',
              label: t('home.timeZone'),
              children: <span data-testid="home-time-zone">{home.tenant.timeZone}</span>,
            },
            {
              key: 'createdAt',
              label: t('home.createdAt'),
              children: <span data-testid="home-created-at">{formatDateTime(home.tenant.createdAt, home.tenant.timeZone)}</span>,
            },
          ]}
        />
      </ProCard>
      <ProCard title={t('home.usage')} style={{ marginBottom: 16 }}>
        <Row gutter={[16, 16]}>
          <Col xs={24} sm={12} md={8} xl={6}>
            <StatCard testId="home-contacts-all" title={t('home.contactsAll')} value={home.contacts.all} to={contactsLink} />
          </Col>
          <Col xs={24} sm={12} md={8} xl={6}>
            <StatCard
              testId="home-contacts-identified"
              title={t('home.contactsIdentified')}
              value={home.contacts.identified}
              to={contactsLink}
            />
          </Col>
          {home.counts.map((count) => {
            const link = counterLinks[count.key];
            return (
              <Col key={count.key} xs={24} sm={12} md={8} xl={6}>
                <StatCard
                  testId={`home-count-${count.key}`}
                  title={countLabel(count.key)}
                  value={count.value}
                  to={link && hasPermission(session, link.permission) ? link.to : undefined}
                />
              </Col>
            );
          })}
        </Row>
      </ProCard>
    </>
  );
}

function TimelineEntry({ event, timeZone }: { event: HomeTimelineEvent; timeZone: string }) {
  const { t } = useTranslation();
  const localized = useLocalized();
  const session = useSession();
  const name = event.contactName ?? t('home.timeline.anonymous', { id: event.contactId });
  return (
    <div data-testid="home-event" data-event={event.event} data-direction={event.direction}>
      <Space size={8} wrap>
        <Typography.Text type="secondary">{formatDateTimeSeconds(event.eventTime, timeZone)}</Typography.Text>
        {hasPermission(session, 'contacts.view') ? (
          <Link to={`/contacts/${event.contactId}`} data-testid="home-event-contact">
            {event.contactName === null ? name : <MaskedValue value={event.contactName} />}
          </Link>
        ) : (
          <span data-testid="home-event-contact">
            {event.contactName === null ? name : <MaskedValue value={event.contactName} />}
          </span>
        )}
        <Typography.Text strong data-testid="home-event-name">
          {localized(event.eventNames)}
        </Typography.Text>
        {event.direction === 'outbound' && <Tag color="purple">{t('home.timeline.outbound')}</Tag>}
      </Space>
    </div>
  );
}

/** 时间轴 + 具体事件: the tenant's recent events, newest first, with the staff member's 显示设置. */
function RecentEvents({ timeZone }: { timeZone: string }) {
  const { t } = useTranslation();
  const [settingsOpen, setSettingsOpen] = useState(false);
  const events = useCursorList<HomeTimelinePage>({
    queryKey: homeKeys.timeline,
    queryFn: (cursor) => homeApi.events({ cursor, limit: 20 }),
  });
  return (
    <ProCard
      title={t('home.timeline.title')}
      extra={
        <Space>
          <Button onClick={() => void events.list.refetch()} data-testid="home-timeline-refresh">
            {t('home.timeline.refresh')}
          </Button>
          <Button icon={<SettingOutlined />} onClick={() => setSettingsOpen(true)} data-testid="home-display-settings">
            {t('home.displaySettings.open')}
          </Button>
        </Space>
      }
    >
      <LoadErrorAlert error={events.list.error} onRetry={() => void events.list.refetch()} testId="home-timeline-error" />
      {events.list.isPending ? (
        <Skeleton active paragraph={{ rows: 6 }} />
      ) : events.items.length === 0 ? (
        <Empty description={t('home.timeline.empty')} data-testid="home-timeline-empty" />
      ) : (
        <div data-testid="home-timeline">
          <Timeline
            items={events.items.map((event) => ({
              key: `${event.messageId}:${event.event}`,
              color: event.direction === 'outbound' ? 'purple' : 'blue',
              children: <TimelineEntry event={event} timeZone={timeZone} />,
            }))}
          />
          {events.hasMore && (
            <Button block loading={events.loadingMore} onClick={events.loadMore} data-testid="home-timeline-more">
              {t('home.timeline.more')}
            </Button>
          )}
        </div>
      )}
      <DisplaySettingsModal
        open={settingsOpen}
        onClose={() => setSettingsOpen(false)}
        onSaved={() => void events.list.refetch()}
      />
    </ProCard>
  );
}

/** 首页 (seed §1.2.3): version, expiry, contacts, journeys and connections, and the recent events. */
export default function HomePage() {
  const { t } = useTranslation();
  const { data, isPending, error, refetch } = useQuery({
    queryKey: homeKeys.summary,
    queryFn: getHome,
  });
  return (
    <PageContainer title={t('home.title')}>
      {isPending ? (
        <ProCard>
          <Skeleton active paragraph={{ rows: 6 }} />
        </ProCard>
      ) : error ? (
        <ProCard>
          <ErrorResult error={error} onRetry={() => void refetch()} />
        </ProCard>
      ) : (
        <>
          <Overview home={data} />
          <RecentEvents timeZone={data.tenant.timeZone} />
        </>
      )}
    </PageContainer>
  );
}
