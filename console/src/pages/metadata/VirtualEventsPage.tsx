import { ListEmpty } from '../../components/ListEmpty';
import type { ProColumns } from '@ant-design/pro-components';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Space, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { metadataApi, metadataKeys, useEventTypes, type VirtualEvent } from '../../api/metadata';
import { useSession } from '../../session/session';
import { formatDateTime } from '../../utils/format';
import { useLocalized } from '../../utils/localized';
import { actionsColumn, ConfirmLink, CreateButton, MetadataPage, MetadataTable, useRowAction } from './scaffold';
import { useCanManageMetadata } from './shared';
import { VirtualEventDrawer } from './VirtualEventDrawer';

/** 虚拟事件 (§1.10.10): unions of events, each with optional property filters; edit and delete any time. */
export default function VirtualEventsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const text = useLocalized();
  const canManage = useCanManageMetadata();
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: metadataKeys.virtualEvents, queryFn: metadataApi.virtualEvents });
  const events = useEventTypes();
  const [editing, setEditing] = useState<VirtualEvent | 'new' | null>(null);

  const eventName = new Map(
    (events.data ?? []).map((event) => [event.code, event.source === 'custom' ? event.name : text(event.names)]),
  );
  const refresh = () => void queryClient.invalidateQueries({ queryKey: metadataKeys.virtualEvents });

  const runRowAction = useRowAction(refresh);
  const remove = (virtualEvent: VirtualEvent) =>
    runRowAction(() => metadataApi.deleteVirtualEvent(virtualEvent.id), t('metadata.deleted'));

  const columns: ProColumns<VirtualEvent>[] = [
    {
      title: t('metadata.virtualEvents.columns.name'),
      dataIndex: 'name',
      render: (_, virtualEvent) => (
        <Space direction="vertical" size={0}>
          <span data-testid="virtual-event-name-cell">{virtualEvent.name}</span>
          {virtualEvent.description && <Typography.Text type="secondary">{virtualEvent.description}</Typography.Text>}
        </Space>
      ),
    },
    {
      title: t('metadata.virtualEvents.columns.members'),
      key: 'members',
      render: (_, virtualEvent) => (
        <Space size={[4, 4]} wrap data-testid="virtual-event-members">
          {virtualEvent.members.map((member, index) => {
            const filters = member.filters?.length ?? 0;
            return (
              <Tooltip
                key={`${member.event}-${index}`}
                title={filters > 0 ? t('metadata.virtualEvents.filterCount', { count: filters }) : undefined}
              >
                <Tag data-testid="virtual-event-member">
                  {eventName.get(member.event) ?? member.event}
                  {filters > 0 && ` (${filters})`}
                </Tag>
              </Tooltip>
            );
          })}
        </Space>
      ),
    },
    {
      title: t('metadata.virtualEvents.columns.updatedAt'),
      dataIndex: 'updatedAt',
      width: 170,
      render: (_, virtualEvent) => formatDateTime(virtualEvent.updatedAt, session.tenant.timeZone),
    },
    actionsColumn<VirtualEvent>(
      t,
      (_, virtualEvent) => [
        <Typography.Link key="edit" onClick={() => setEditing(virtualEvent)} data-testid="virtual-event-edit">
          {t('common.edit')}
        </Typography.Link>,
        <ConfirmLink
          key="delete"
          title={t('metadata.virtualEvents.remove.title', { name: virtualEvent.name })}
          description={t('metadata.virtualEvents.remove.description')}
          confirmTestId={`virtual-event-delete-confirm-${virtualEvent.id}`}
          onConfirm={() => remove(virtualEvent)}
          testId="virtual-event-delete"
        />,
      ],
      !canManage,
    ),
  ];

  return (
    <MetadataPage
      testId="virtual-events-page"
      title={t('metadata.virtualEvents.title')}
      description={t('metadata.virtualEvents.description')}
      canManage={canManage}
      list={list}
      loadErrorTestId="virtual-events-load-error"
    >
      <MetadataTable<VirtualEvent>
        list={list}
        columns={columns}
        dataSource={list.data ?? []}
        pageSize="short"
        rowTestId={(virtualEvent) => `virtual-event-row-${virtualEvent.id}`}
        toolBarRender={() => [
          canManage && (
            <CreateButton key="create" onClick={() => setEditing('new')} testId="virtual-events-create">
              {t('metadata.virtualEvents.create.button')}
            </CreateButton>
          ),
        ]}
        loadFailedTestId="virtual-events-load-failed"
        empty={
          <ListEmpty
            title={t('metadata.virtualEvents.empty.title')}
            description={t('metadata.virtualEvents.empty.description')}
            testId="virtual-events-empty"
          />
        }
      />
      {editing !== null && (
        <VirtualEventDrawer
          virtualEvent={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={refresh}
        />
      )}
    </MetadataPage>
  );
}
