import { ListEmpty } from '../../components/ListEmpty';
import type { ProColumns } from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { Popover, Select, Space, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { useChannelTypes } from '../../api/channels';
import {
  metadataApi,
  metadataKeys,
  useAllChannels,
  useEventTypes,
  type EventType,
  type EventTypePropertyRef,
} from '../../api/metadata';
import { useSession } from '../../session/session';
import { formatDateTime } from '../../utils/format';
import { useLocalized } from '../../utils/localized';
import { CustomEventDrawer } from './CustomEventDrawer';
import {
  actionsColumn,
  codeColumn,
  ConfirmLink,
  CreateButton,
  MetadataPage,
  MetadataTable,
  tabMenu,
  useRowAction,
} from './scaffold';
import { propertyTypeText, useCanManageMetadata } from './shared';

type Tab = 'custom' | 'system';

/** A count that lists its items on hover (sub-events, extended properties). */
function CountPopover({
  items,
  testId: id,
}: {
  items: { key: string; code: string; name: string; extra?: string }[];
  testId: string;
}) {
  const { t } = useTranslation();
  if (items.length === 0) return <Typography.Text type="secondary">{t('metadata.none')}</Typography.Text>;
  return (
    <Popover
      content={
        <Space direction="vertical" size={2} data-testid={`${id}-list`}>
          {items.map((item) => (
            <span key={item.key}>
              <Typography.Text code>{item.code}</Typography.Text> {item.name}
              {item.extra && <Typography.Text type="secondary"> · {item.extra}</Typography.Text>}
            </span>
          ))}
        </Space>
      }
    >
      <Typography.Link data-testid={id}>{items.length}</Typography.Link>
    </Popover>
  );
}

/** 事件元数据 (§1.10.9): 自定义事件 (create, edit add-only, delete) and the read-only 系统预置事件. */
export default function EventsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const text = useLocalized();
  const canManage = useCanManageMetadata();
  const queryClient = useQueryClient();
  const [searchParams, setSearchParams] = useSearchParams();
  const tab: Tab = searchParams.get('tab') === 'system' ? 'system' : 'custom';
  const channelTypeFilter = searchParams.get('channelType') ?? undefined;
  const events = useEventTypes();
  const channels = useAllChannels();
  const types = useChannelTypes();
  const [editing, setEditing] = useState<EventType | 'new' | null>(null);

  const channelName = new Map((channels.data ?? []).map((channel) => [channel.id, channel.name]));
  const typeName = (type: string) => {
    if (!type) return t('metadata.events.noChannelType');
    const known = types.data?.items.find((candidate) => candidate.type === type);
    return known ? text(known.name) : type;
  };
  const custom = (events.data ?? []).filter((event) => event.source === 'custom' && event.parentCode === null);
  const system = (events.data ?? []).filter((event) => event.source === 'system');
  const systemTypes = [...new Set(system.map((event) => event.channelType))];
  const shownSystem = channelTypeFilter === undefined ? system : system.filter((e) => e.channelType === channelTypeFilter);

  const refresh = () => void queryClient.invalidateQueries({ queryKey: metadataKeys.all });

  const runRowAction = useRowAction(refresh);
  const remove = async (event: EventType) => {
    const id = event.id;
    if (!id) return;
    await runRowAction(() => metadataApi.deleteCustomEvent(id), t('metadata.deleted'));
  };

  const propertyItems = (properties: EventTypePropertyRef[]) =>
    properties.map((property) => ({
      key: property.code,
      code: property.code,
      name: property.name,
      extra: propertyTypeText(t, property.type),
    }));

  const customColumns: ProColumns<EventType>[] = [
    codeColumn<EventType>(t('metadata.events.columns.code'), 'code', 'custom-event-code-cell'),
    {
      title: t('metadata.events.columns.name'),
      dataIndex: 'name',
      ellipsis: true,
      render: (_, event) => <span data-testid="custom-event-name-cell">{event.name}</span>,
    },
    {
      title: t('metadata.events.columns.channel'),
      dataIndex: 'channelId',
      render: (_, event) => (
        <span data-testid="custom-event-channel-cell">
          {(event.channelId && channelName.get(event.channelId)) ?? event.channelId}
        </span>
      ),
    },
    {
      title: t('metadata.events.columns.subEvents'),
      key: 'subEvents',
      render: (_, event) => (
        <CountPopover
          items={event.subEvents.map((sub) => ({ key: sub.code, code: sub.code, name: sub.name }))}
          testId="custom-event-sub-events"
        />
      ),
    },
    {
      title: t('metadata.events.columns.properties'),
      key: 'properties',
      render: (_, event) => <CountPopover items={propertyItems(event.properties)} testId="custom-event-properties" />,
    },
    {
      title: t('metadata.events.columns.createdAt'),
      dataIndex: 'createdAt',
      width: 170,
      render: (_, event) => (event.createdAt === null ? '' : formatDateTime(event.createdAt, session.tenant.timeZone)),
    },
    actionsColumn<EventType>(
      t,
      (_, event) => [
        <Typography.Link key="edit" onClick={() => setEditing(event)} data-testid="custom-event-edit">
          {t('common.edit')}
        </Typography.Link>,
        <ConfirmLink
          key="delete"
          title={t('metadata.events.remove.title', { code: event.code })}
          description={t('metadata.events.remove.description')}
          confirmTestId={`custom-event-delete-confirm-${event.code}`}
          onConfirm={() => remove(event)}
          testId="custom-event-delete"
        />,
      ],
      !canManage,
    ),
  ];

  const systemColumns: ProColumns<EventType>[] = [
    codeColumn<EventType>(t('metadata.events.columns.code'), 'code', 'system-event-code-cell'),
    { title: t('metadata.events.columns.name'), dataIndex: 'name', render: (_, event) => text(event.names) },
    {
      title: t('metadata.events.columns.channelType'),
      dataIndex: 'channelType',
      render: (_, event) => typeName(event.channelType),
    },
    {
      title: t('metadata.events.columns.direction'),
      dataIndex: 'direction',
      render: (_, event) => t(`metadata.events.direction.${event.direction}`),
    },
    {
      title: t('metadata.events.columns.systemProperties'),
      key: 'properties',
      render: (_, event) => (
        <Space size={[4, 4]} wrap data-testid="system-event-properties">
          {event.properties.map((property) => (
            <Tooltip key={property.code} title={`${property.name} · ${propertyTypeText(t, property.type)}`}>
              <Tag>{property.code}</Tag>
            </Tooltip>
          ))}
          {event.sdk && <Tag color="blue">{t('metadata.events.sdkPresets')}</Tag>}
          {event.properties.length === 0 && !event.sdk && (
            <Typography.Text type="secondary">{t('metadata.none')}</Typography.Text>
          )}
        </Space>
      ),
    },
  ];

  const setTab = (next: Tab) => setSearchParams(next === 'custom' ? {} : { tab: next }, { replace: true });

  return (
    <MetadataPage
      testId="events-page"
      title={t('metadata.events.title')}
      description={t('metadata.events.description')}
      canManage={canManage}
      list={events}
      loadErrorTestId="events-load-error"
    >
      <MetadataTable<EventType>
        list={events}
        rowKey={(event) => `${event.source}:${event.code}`}
        columns={tab === 'custom' ? customColumns : systemColumns}
        dataSource={tab === 'custom' ? custom : shownSystem}
        rowTestId={(event) => `${event.source}-event-row-${event.code}`}
        toolbar={tabMenu({
          activeKey: tab,
          keys: ['custom', 'system'] as const,
          label: (key) => t(`metadata.events.tabs.${key}`),
          tabTestId: (key) => `events-tab-${key}`,
          onChange: (key) => setTab(key === 'system' ? 'system' : 'custom'),
        })}
        toolBarRender={() => [
          tab === 'system' && (
            <Select
              key="channelType"
              allowClear
              style={{ minWidth: 200 }}
              placeholder={t('metadata.events.channelTypeFilter')}
              value={channelTypeFilter}
              onChange={(value: string | undefined) =>
                setSearchParams(value === undefined ? { tab } : { tab, channelType: value }, { replace: true })
              }
              options={systemTypes.map((type) => ({ value: type, label: typeName(type) }))}
              data-testid="system-events-channel-type"
            />
          ),
          canManage && tab === 'custom' && (
            <CreateButton key="create" onClick={() => setEditing('new')} testId="custom-events-create">
              {t('metadata.events.create.button')}
            </CreateButton>
          ),
        ]}
        loadFailedTestId="events-load-failed"
        empty={
          tab === 'custom' ? (
            <ListEmpty
              title={t('metadata.events.empty.title')}
              description={t('metadata.events.empty.description')}
              testId="custom-events-empty"
            />
          ) : (
            <ListEmpty title={t('metadata.events.empty.system')} testId="system-events-empty" />
          )
        }
      />
      {editing !== null && (
        <CustomEventDrawer event={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onSaved={refresh} />
      )}
    </MetadataPage>
  );
}
