import { ReloadOutlined } from '@ant-design/icons';
import { ProCard } from '@ant-design/pro-components';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type ChannelSectionProps, ErrorResult, formatDateTime, testId, useErrorText, useSession } from '@huiliu/console/sdk';
import { App, Button, Descriptions, Skeleton, Typography } from 'antd';
import { regenerateWriteKey, getWriteKey, writeKeyQueryKey } from './api';
import { useT } from './i18n';

/**
 * 微信小程序 section of a channel's detail page: the channel's writeKey (copyable, regenerable)
 * and the server URL the SDK sends to (its domain goes into the request whitelist).
 */
export default function WriteKeySection({ channel }: ChannelSectionProps) {
  const { t } = useT();
  const session = useSession();
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const { data, isPending, error, refetch } = useQuery({
    queryKey: writeKeyQueryKey(channel.id),
    queryFn: () => getWriteKey(channel.id),
  });
  const serverUrl = window.location.origin;

  const regenerate = () => {
    modal.confirm({
      title: t('regenerate.title', { name: channel.name }),
      content: t('regenerate.content'),
      okText: t('regenerate.ok'),
      okButtonProps: { danger: true, ...testId('miniprogram-write-key-regenerate-confirm') },
      cancelText: t('regenerate.cancel'),
      onOk: async () => {
        try {
          queryClient.setQueryData(writeKeyQueryKey(channel.id), await regenerateWriteKey(channel.id));
          message.success(t('regenerate.success'));
        } catch (failure) {
          message.error(errorText(failure));
        }
      },
    });
  };

  return (
    <ProCard
      title={t('section.title')}
      subTitle={t('section.description')}
      data-testid="miniprogram-sdk"
      extra={
        <Button icon={<ReloadOutlined />} disabled={!data} onClick={regenerate} data-testid="miniprogram-write-key-regenerate">
          {t('section.regenerate')}
        </Button>
      }
    >
      {isPending ? (
        <Skeleton active paragraph={{ rows: 3 }} />
      ) : error && !data ? (
        <div data-testid="miniprogram-write-key-load-error">
          <ErrorResult error={error} onRetry={() => void refetch()} />
        </div>
      ) : data ? (
        <Descriptions column={1} size="small">
          <Descriptions.Item label={t('section.writeKey')}>
            <div>
              <Typography.Text
                code
                copyable={{ text: data.writeKey, tooltips: [t('section.copy'), t('section.copied')] }}
                data-testid="miniprogram-write-key"
              >
                {data.writeKey}
              </Typography.Text>
              <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
                {t('section.writeKeyHint')}
              </Typography.Paragraph>
            </div>
          </Descriptions.Item>
          <Descriptions.Item label={t('section.writeKeyIssuedAt')}>
            <span data-testid="miniprogram-write-key-issued-at">
              {formatDateTime(data.writeKeyIssuedAt, session.tenant.timeZone)}
            </span>
          </Descriptions.Item>
          <Descriptions.Item label={t('section.serverUrl')}>
            <div>
              <Typography.Text code copyable={{ text: serverUrl, tooltips: [t('section.copy'), t('section.copied')] }}>
                {serverUrl}
              </Typography.Text>
              <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
                {t('section.serverUrlHint')}
              </Typography.Paragraph>
              <Typography.Text type="secondary">{t('section.guide')}</Typography.Text>
            </div>
          </Descriptions.Item>
        </Descriptions>
      ) : null}
    </ProCard>
  );
}
