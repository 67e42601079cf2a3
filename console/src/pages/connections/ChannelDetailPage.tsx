import { DeleteOutlined, EditOutlined } from '@ant-design/icons';
import { ModalForm, PageContainer, ProCard, type ProFormInstance, ProFormText } from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Descriptions, Empty, Skeleton, Space, Tag, Tooltip, Typography } from 'antd';
import { Suspense, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import {
  CHANNEL_NAME_MAX,
  channelQueryKey,
  channelsQueryKey,
  deleteChannel,
  renameChannel,
  useChannel,
  useChannelTypes,
} from '../../api/channels';
import { isApiError } from '../../api/client';
import { homeQueryKey } from '../../api/home';
// The page's component is called ChannelDetail; the API's type of one channel goes by Channel here.
import type { ChannelDetail as Channel, ChannelType } from '../../api/types';
import { ErrorBoundary } from '../../components/ErrorBoundary';
import { ErrorResult } from '../../components/ErrorResult';
import { channelSectionOf } from '../../plugins/registry';
import { hasPermission, useSession } from '../../session/session';
import { isNotFoundError, useApplyFieldErrors, useErrorText } from '../../utils/errors';
import { formatDateTime } from '../../utils/format';
import { useLocalized } from '../../utils/localized';
import { testId } from '../../utils/test-id';
import { ChannelSettingsCard } from './ChannelSettings';
import { ChannelStatusTag } from './ChannelStatusTag';
import { StatusResult } from '../../components/StatusResult';
import { ContactErasureSection } from '../contacts/erase/ContactErasureSection';

/** 重命名: mounted only while open. */
function RenameChannelModal({ channel, onClose }: { channel: Channel; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const applyFieldErrors = useApplyFieldErrors();
  const formRef = useRef<ProFormInstance<{ name: string }>>(undefined);
  return (
    <ModalForm<{ name: string }>
      open
      title={t('connections.rename.title')}
      width={480}
      formRef={formRef}
      initialValues={{ name: channel.name }}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
      submitter={{
        searchConfig: { submitText: t('common.save'), resetText: t('common.cancel') },
        submitButtonProps: testId('channel-rename-submit'),
      }}
      onFinish={async ({ name }) => {
        try {
          const renamed = await renameChannel(channel.id, name.trim());
          queryClient.setQueryData(channelQueryKey(channel.id), renamed);
          void queryClient.invalidateQueries({ queryKey: channelsQueryKey });
          message.success(t('connections.rename.success'));
          return true;
        } catch (error) {
          if (!applyFieldErrors(formRef.current, error)) message.error(errorText(error));
          return false;
        }
      }}
    >
      <ProFormText
        name="name"
        label={t('connections.create.name.label')}
        fieldProps={{ maxLength: CHANNEL_NAME_MAX, showCount: true, ...testId('channel-rename-input') }}
        rules={[
          { required: true, whitespace: true, message: t('connections.create.name.required') },
          { max: CHANNEL_NAME_MAX, message: t('connections.create.name.max', { max: CHANNEL_NAME_MAX }) },
        ]}
      />
    </ModalForm>
  );
}

/** The section the channel type's plugin console entry contributes, if any. */
function ChannelSection({ channel, hasSettings }: { channel: Channel; hasSettings: boolean }) {
  const { t } = useTranslation();
  // Without its plugin on the server, the section's API is gone: the page explains that instead.
  if (!channel.typeAvailable) return null;
  const Section = channelSectionOf(channel.type);
  // A third-party type's page is its 连接设置 card: nothing more to say.
  if (!Section && hasSettings) return null;
  if (!Section) {
    return (
      <ProCard data-testid="channel-section-none">
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('connections.detail.noSection')} />
      </ProCard>
    );
  }
  return (
    <div data-testid={`channel-section-${channel.type}`}>
      <ErrorBoundary>
        <Suspense
          fallback={
            <ProCard>
              <Skeleton active paragraph={{ rows: 4 }} />
            </ProCard>
          }
        >
          <Section channel={channel} />
        </Suspense>
      </ErrorBoundary>
    </div>
  );
}

function ChannelDetail({ channel, type }: { channel: Channel; type: ChannelType | undefined }) {
  const { t } = useTranslation();
  const text = useLocalized();
  const session = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { message, modal } = App.useApp();
  const errorText = useErrorText();
  const [renaming, setRenaming] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const canDelete = hasPermission(session, 'connections.delete');
  // The channel's state may forbid deleting it (e.g. a custom channel with enabled apps): the
  // button is disabled and says why, instead of confirming and then being refused.
  const deleteBlocked = channel.deletable === false;
  // Unavailable with its plugin still known: the platform operator disabled it for this tenant (ADR 0041).
  const pluginDisabled = !channel.typeAvailable && Boolean(type?.pluginId);
  const timeZone = session.tenant.timeZone;
  const keyLabel = type?.manual ? text(type.manual.keyLabel) : t('connections.detail.key');

  const confirmDelete = () => {
    modal.confirm({
      title: t('connections.remove.title', { name: channel.name }),
      content: t('connections.remove.content'),
      okText: t('connections.remove.ok'),
      okButtonProps: { danger: true, ...testId('channel-delete-confirm') },
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          await deleteChannel(channel.id);
          queryClient.removeQueries({ queryKey: channelQueryKey(channel.id) });
          void queryClient.invalidateQueries({ queryKey: channelsQueryKey });
          void queryClient.invalidateQueries({ queryKey: homeQueryKey });
          message.success(t('connections.remove.success'));
          navigate('/connections', { replace: true });
        } catch (error) {
          // A refusal (409: the channel changed since it was loaded) says why in the server's
          // words, e.g. how many apps are still enabled; the reloaded channel disables the button.
          setRefusal(isApiError(error) && error.statusCode === 409 ? error.message : errorText(error));
          void queryClient.invalidateQueries({ queryKey: channelQueryKey(channel.id) });
        }
      },
    });
  };

  return (
    <PageContainer
      title={
        <Space size={4}>
          <span data-testid="channel-name">{channel.name}</span>
          <Button
            type="text"
            size="small"
            icon={<EditOutlined />}
            title={t('connections.rename.action')}
            aria-label={t('connections.rename.action')}
            onClick={() => setRenaming(true)}
            data-testid="channel-rename"
          />
        </Space>
      }
      tags={
        <>
          <ChannelStatusTag status={channel.status} />
          {!channel.typeAvailable && (
            <Tag color="warning" data-testid="channel-plugin-removed-tag">
              {t(pluginDisabled ? 'connections.pluginDisabled.tag' : 'connections.pluginRemoved.tag')}
            </Tag>
          )}
        </>
      }
      subTitle={type ? text(type.name) : channel.type}
      onBack={() => navigate('/connections')}
      breadcrumb={{
        items: [{ title: <Link to="/connections">{t('menu.connections')}</Link> }, { title: channel.name }],
      }}
      extra={
        canDelete && (
          <Tooltip
            title={
              deleteBlocked ? (
                <span data-testid="channel-delete-blocked-reason">{channel.deleteBlockedReason?.message}</span>
              ) : undefined
            }
          >
            {/* A disabled button receives no mouse events: the wrapper shows the tooltip. */}
            <span
              style={{ display: 'inline-block', cursor: deleteBlocked ? 'not-allowed' : undefined }}
              data-testid="channel-delete-wrapper"
            >
              <Button
                danger
                icon={<DeleteOutlined />}
                onClick={confirmDelete}
                disabled={deleteBlocked}
                style={deleteBlocked ? { pointerEvents: 'none' } : undefined}
                data-testid="channel-delete"
              >
                {t('connections.remove.action')}
              </Button>
            </span>
          </Tooltip>
        )
      }
    >
      {!channel.typeAvailable && (
        <Alert
          type="warning"
          showIcon
          message={t(pluginDisabled ? 'connections.pluginDisabled.title' : 'connections.pluginRemoved.title')}
          description={t(pluginDisabled ? 'connections.pluginDisabled.description' : 'connections.pluginRemoved.description', {
            type: channel.type,
            plugin: type?.pluginId ?? '',
          })}
          style={{ marginBottom: 16 }}
          data-testid="channel-plugin-removed"
        />
      )}
      {refusal !== null && (
        <Alert
          type="error"
          showIcon
          closable
          onClose={() => setRefusal(null)}
          message={t('connections.remove.refused')}
          description={<span data-testid="channel-delete-error-message">{refusal}</span>}
          style={{ marginBottom: 16 }}
          data-testid="channel-delete-error"
        />
      )}
      <ProCard title={t('connections.detail.basics')} style={{ marginBottom: 16 }} data-testid="channel-basics">
        <Descriptions
          column={{ xs: 1, sm: 1, md: 2, lg: 3, xl: 3, xxl: 3 }}
          items={[
            {
              key: 'channelType',
              label: t('connections.detail.channelType'),
              children: (
                <Typography.Text code copyable data-testid="channel-type-code">
                  {channel.type}
                </Typography.Text>
              ),
            },
            {
              key: 'channelKey',
              label: keyLabel,
              children: (
                <Typography.Text code copyable data-testid="channel-key">
                  {channel.channelKey}
                </Typography.Text>
              ),
            },
            { key: 'typeName', label: t('connections.detail.typeName'), children: type ? text(type.name) : channel.type },
            { key: 'status', label: t('connections.detail.status'), children: <ChannelStatusTag status={channel.status} /> },
            { key: 'createdAt', label: t('connections.detail.createdAt'), children: formatDateTime(channel.createdAt, timeZone) },
            { key: 'updatedAt', label: t('connections.detail.updatedAt'), children: formatDateTime(channel.updatedAt, timeZone) },
          ]}
        />
        {type?.customEvents && (
          <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
            {t('connections.detail.keyHint', { label: keyLabel })}
          </Typography.Paragraph>
        )}
      </ProCard>
      {channel.typeAvailable && type?.settingsSchema && <ChannelSettingsCard channel={channel} type={type} />}
      <ChannelSection channel={channel} hasSettings={!!type?.settingsSchema} />
      {/* 删除用户数据 / 删除微信GDPR数据: core's, for the channel types whose users can be erased. */}
      <ContactErasureSection channel={channel} />
      {renaming && <RenameChannelModal channel={channel} onClose={() => setRenaming(false)} />}
    </PageContainer>
  );
}

/** 连接详情 (连接-编辑): the channel, its key, rename, delete, and its type's plugin section. */
export default function ChannelDetailPage() {
  const { t } = useTranslation();
  const { channelId = '' } = useParams();
  const channel = useChannel(channelId);
  const types = useChannelTypes();

  let content;
  if (channel.isPending) {
    content = (
      <PageContainer title={t('menu.connectionDetail')}>
        <ProCard>
          <Skeleton active paragraph={{ rows: 6 }} />
        </ProCard>
      </PageContainer>
    );
  } else if (channel.error && !channel.data) {
    // A malformed id (/connections/abc) is as missing as an unknown one (/connections/999999).
    content = isNotFoundError(channel.error, ['channelId']) ? (
      <StatusResult
        status="404"
        title={t('connections.detail.notFound.title')}
        subTitle={t('connections.detail.notFound.subTitle')}
        backTo="/connections"
        backLabel={t('connections.detail.notFound.back')}
        testId="channel-not-found"
      />
    ) : (
      <PageContainer title={t('menu.connectionDetail')}>
        <ProCard>
          <div data-testid="channel-load-error">
            <ErrorResult error={channel.error} onRetry={() => void channel.refetch()} />
          </div>
        </ProCard>
      </PageContainer>
    );
  } else {
    // The types only name things: the page works without them.
    const type = types.data?.items.find((candidate) => candidate.type === channel.data.type);
    content = <ChannelDetail channel={channel.data} type={type} />;
  }
  return <div data-testid="channel-detail-page">{content}</div>;
}
