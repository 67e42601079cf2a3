import { type ActionType, PageContainer, type ProColumns, ProTable } from '@ant-design/pro-components';
import { App, Empty, Popconfirm, Tag, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { deleteApp, listApps, PAGE_SIZE_MAX, resetAppSecret, updateApp } from '../../../api/apps';
import { isApiError } from '../../../api/client';
import type { PrivateApp } from '../../../api/types';
import { hasPermission, useSession } from '../../../session/session';
import { useErrorText } from '../../../utils/errors';
import { formatDateTime } from '../../../utils/format';
import { testId } from '../../../utils/test-id';
import { CreateAppButton, RenameAppModal } from './AppFormModals';
import { AppSecretModal, type RevealedSecret } from './AppSecretModal';
import { LoadErrorAlert } from '../../../components/LoadErrorAlert';

const DEFAULT_PAGE_SIZE = 20;

/** 私有App设置: Open API credentials (appKey / appSecret) of this tenant. */
export default function AppsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const timeZone = session.tenant.timeZone;
  // Managing apps needs 设置-私有App设置; viewers see the list only (the server enforces it too).
  const canEdit = hasPermission(session, 'settings.privateApps');
  const { message, modal } = App.useApp();
  const errorText = useErrorText();
  const actionRef = useRef<ActionType>(undefined);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [renaming, setRenaming] = useState<PrivateApp | null>(null);
  const [revealed, setRevealed] = useState<RevealedSecret | null>(null);

  const reload = () => void actionRef.current?.reload();

  /** Toast the error; reload when the app is gone so the row disappears. */
  const reportActionError = (error: unknown) => {
    message.error(errorText(error));
    if (isApiError(error, 'app_not_found')) reload();
  };

  const setStatus = async (app: PrivateApp, status: PrivateApp['status']) => {
    try {
      await updateApp(app.id, { status });
      message.success(status === 'enabled' ? t('apps.toggle.enabled') : t('apps.toggle.disabled'));
      reload();
    } catch (error) {
      reportActionError(error);
    }
  };

  const confirmResetSecret = (app: PrivateApp) => {
    modal.confirm({
      title: t('apps.resetSecret.title', { name: app.name }),
      content: t('apps.resetSecret.content'),
      okText: t('apps.resetSecret.ok'),
      okButtonProps: { danger: true, ...testId('app-reset-secret-confirm') },
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          setRevealed({ kind: 'reset', result: await resetAppSecret(app.id) });
          reload();
        } catch (error) {
          reportActionError(error);
        }
      },
    });
  };

  const remove = async (app: PrivateApp) => {
    try {
      await deleteApp(app.id);
      message.success(t('apps.remove.success'));
      reload();
    } catch (error) {
      reportActionError(error);
    }
  };

  const columns: ProColumns<PrivateApp>[] = [
    { title: t('apps.columns.name'), dataIndex: 'name', ellipsis: true },
    { title: t('apps.columns.appKey'), dataIndex: 'appKey', copyable: true },
    {
      title: t('apps.columns.status'),
      dataIndex: 'status',
      width: 100,
      render: (_, app) => <Tag color={app.status === 'enabled' ? 'green' : 'default'}>{t(`apps.status.${app.status}`)}</Tag>,
    },
    {
      title: t('apps.columns.createdAt'),
      dataIndex: 'createdAt',
      width: 170,
      render: (_, app) => formatDateTime(app.createdAt, timeZone),
    },
    {
      title: t('apps.columns.lastUsedAt'),
      dataIndex: 'lastUsedAt',
      width: 170,
      render: (_, app) =>
        app.lastUsedAt === null ? (
          <Typography.Text type="secondary">{t('apps.neverUsed')}</Typography.Text>
        ) : (
          formatDateTime(app.lastUsedAt, timeZone)
        ),
    },
    {
      title: t('common.actions'),
      valueType: 'option',
      key: 'actions',
      fixed: 'right',
      onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
      hideInTable: !canEdit,
      render: (_, app) => [
        <Typography.Link key="rename" onClick={() => setRenaming(app)} data-testid="app-action-rename">
          {t('apps.rename.action')}
        </Typography.Link>,
        app.status === 'enabled' ? (
          <Popconfirm
            key="toggle"
            title={t('apps.toggle.disableTitle')}
            description={t('apps.toggle.disableDescription')}
            okText={t('apps.toggle.disable')}
            cancelText={t('common.cancel')}
            onConfirm={() => setStatus(app, 'disabled')}
          >
            <Typography.Link data-testid="app-action-toggle">{t('apps.toggle.disable')}</Typography.Link>
          </Popconfirm>
        ) : (
          <Typography.Link key="toggle" onClick={() => void setStatus(app, 'enabled')} data-testid="app-action-toggle">
            {t('apps.toggle.enable')}
          </Typography.Link>
        ),
        <Typography.Link key="reset" onClick={() => confirmResetSecret(app)} data-testid="app-action-reset-secret">
          {t('apps.resetSecret.action')}
        </Typography.Link>,
        <Popconfirm
          key="delete"
          title={t('apps.remove.title')}
          description={t('apps.remove.description')}
          okText={t('apps.remove.ok')}
          okButtonProps={{ danger: true }}
          cancelText={t('common.cancel')}
          onConfirm={() => remove(app)}
        >
          <Typography.Link type="danger" data-testid="app-action-delete">
            {t('apps.remove.action')}
          </Typography.Link>
        </Popconfirm>,
      ],
    },
  ];

  return (
    <PageContainer title={t('apps.title')} content={t('apps.description')}>
      <LoadErrorAlert error={loadError} onRetry={reload} testId="apps-load-error" />
      <ProTable<PrivateApp>
        rowKey="id"
        actionRef={actionRef}
        columns={columns}
        search={false}
        cardBordered
        scroll={{ x: 'max-content' }}
        columnsState={{
          persistenceKey: `huiliu.apps.columns.${session.staff.id}`,
          persistenceType: 'localStorage',
        }}
        pagination={{
          defaultPageSize: DEFAULT_PAGE_SIZE,
          showSizeChanger: true,
          pageSizeOptions: [10, 20, 50, PAGE_SIZE_MAX],
        }}
        request={async ({ current = 1, pageSize = DEFAULT_PAGE_SIZE }) => {
          const page = await listApps(current, pageSize);
          setLoadError(null);
          // The last row of the last page was deleted: step back a page.
          if (page.items.length === 0 && current > 1 && page.total > 0) {
            actionRef.current?.setPageInfo?.({ current: Math.ceil(page.total / pageSize) });
          }
          return { data: page.items, total: page.total, success: true };
        }}
        onRequestError={(error) => setLoadError(error)}
        toolBarRender={() => [
          canEdit && (
            <CreateAppButton
              key="create"
              onCreated={(result) => {
                setRevealed({ kind: 'created', result });
                reload();
              }}
            />
          ),
        ]}
        locale={{
          emptyText: loadError ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('common.loadFailed')} />
          ) : (
            <Empty
              data-testid="apps-empty"
              description={
                <>
                  <Typography.Title level={5}>{t('apps.empty.title')}</Typography.Title>
                  <Typography.Paragraph type="secondary" style={{ maxWidth: 520, margin: '0 auto' }}>
                    {t('apps.empty.description')}
                  </Typography.Paragraph>
                </>
              }
            />
          ),
        }}
      />
      {renaming && <RenameAppModal key={renaming.id} app={renaming} onClose={() => setRenaming(null)} onRenamed={reload} />}
      <AppSecretModal revealed={revealed} onClose={() => setRevealed(null)} />
    </PageContainer>
  );
}
