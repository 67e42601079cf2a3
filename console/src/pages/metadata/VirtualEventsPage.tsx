import { PlusOutlined } from '@ant-design/icons';
import { PageContainer, type ProColumns, ProTable } from '@ant-design/pro-components';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Popconfirm, Space, Tag, Tooltip, Typography } from 'antd';
import { type HTMLAttributes, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { metadataApi, metadataKeys, useEventTypes, type VirtualEvent } from '../../api/metadata';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { useSession } from '../../session/session';
import { useErrorText } from '../../utils/errors';
import { formatDateTime } from '../../utils/format';
import { useLocalized } from '../../utils/localized';
import { testId } from '../../utils/test-id';
import { MetadataEmpty, useCanManageMetadata, ViewOnlyNotice } from './shared';
import { VirtualEventDrawer } from './VirtualEventDrawer';

/** 虚拟事件 (§1.10.10): unions of events, each with optional property filters; edit and delete any time. */
export default function VirtualEventsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const text = useLocalized();
  const canManage = useCanManageMetadata();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const list = useQuery({ queryKey: metadataKeys.virtualEvents, queryFn: metadataApi.virtualEvents });
  const events = useEventTypes();
  const [editing, setEditing] = useState<VirtualEvent | 'new' | null>(null);

  const eventName = new Map(
    (events.data ?? []).map((event) => [event.code, event.source === 'custom' ? event.name : text(event.names)]),
  );
  const refresh = () => void queryClient.invalidateQueries({ queryKey: metadataKeys.virtualEvents });

  const remove = async (virtualEvent: VirtualEvent) => {
    try {
      await metadataApi.deleteVirtualEvent(virtualEvent.id);
      message.success(t('metadata.deleted'));
    } catch (error) {
      message.error(errorText(error));
    }
    refresh();
  };

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
    {
      title: t('common.actions'),
      valueType: 'option',
      key: 'actions',
      fixed: 'right',
      hideInTable: !canManage,
      onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
      render: (_, virtualEvent) => [
        <Typography.Link key="edit" onClick={() => setEditing(virtualEvent)} data-testid="virtual-event-edit">
          {t('common.edit')}
        </Typography.Link>,
        <Popconfirm
          key="delete"
          title={t('metadata.virtualEvents.remove.title', { name: virtualEvent.name })}
          description={t('metadata.virtualEvents.remove.description')}
          okText={t('metadata.delete')}
          okButtonProps={{ danger: true, ...testId(`virtual-event-delete-confirm-${virtualEvent.id}`) }}
          cancelText={t('common.cancel')}
          onConfirm={() => remove(virtualEvent)}
        >
          <Typography.Link type="danger" data-testid="virtual-event-delete">
            {t('metadata.delete')}
          </Typography.Link>
        </Popconfirm>,
      ],
    },
  ];

  return (
    <div data-testid="virtual-events-page">
      <PageContainer title={t('metadata.virtualEvents.title')} content={t('metadata.virtualEvents.description')}>
        <ViewOnlyNotice canManage={canManage} />
        <LoadErrorAlert error={list.error} onRetry={() => void list.refetch()} testId="virtual-events-load-error" />
        <ProTable<VirtualEvent>
          rowKey="id"
          columns={columns}
          dataSource={list.data ?? []}
          loading={list.isPending || list.isFetching}
          search={false}
          cardBordered
          scroll={{ x: 'max-content' }}
          pagination={{ defaultPageSize: 20, showSizeChanger: true, pageSizeOptions: [10, 20, 50, 100] }}
          options={{ reload: () => void list.refetch() }}
          onRow={(virtualEvent) => testId(`virtual-event-row-${virtualEvent.id}`) as HTMLAttributes<HTMLElement>}
          toolBarRender={() => [
            canManage && (
              <Button
                key="create"
                type="primary"
                icon={<PlusOutlined />}
                onClick={() => setEditing('new')}
                data-testid="virtual-events-create"
              >
                {t('metadata.virtualEvents.create.button')}
              </Button>
            ),
          ]}
          locale={{
            emptyText: list.error ? (
              <MetadataEmpty title={t('common.loadFailed')} testId="virtual-events-load-failed" />
            ) : (
              <MetadataEmpty
                title={t('metadata.virtualEvents.empty.title')}
                description={t('metadata.virtualEvents.empty.description')}
                testId="virtual-events-empty"
              />
            ),
          }}
        />
        {editing !== null && (
          <VirtualEventDrawer
            virtualEvent={editing === 'new' ? null : editing}
            onClose={() => setEditing(null)}
            onSaved={refresh}
          />
        )}
      </PageContainer>
    </div>
  );
}
