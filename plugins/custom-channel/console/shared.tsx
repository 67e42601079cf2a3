import { useQueryClient } from '@tanstack/react-query';
import { channelQueryKey, isApiError, testId, useErrorText } from '@huiliu/console/sdk';
import { App, Tag, Typography } from 'antd';
import { appQueryKey, appsQueryKey, type CustomApp, regenerateWriteKey, updateApp } from './api';
import { useT } from './i18n';

/** 启用 (green) / 停用 (default). */
export function AppStatusTag({ status }: { status: CustomApp['status'] }) {
  const { t } = useT();
  return (
    <Tag color={status === 'enabled' ? 'green' : 'default'} data-testid="custom-app-status">
      {t(`status.${status}`)}
    </Tag>
  );
}

/** `abc123••••••wxyz`: enough to tell keys apart in a list; the copy button copies the whole key. */
export function maskWriteKey(writeKey: string): string {
  return writeKey.length <= 12 ? writeKey : `${writeKey.slice(0, 6)}••••••${writeKey.slice(-4)}`;
}

export function MaskedWriteKey({ writeKey }: { writeKey: string }) {
  const { t } = useT();
  return (
    <Typography.Text
      code
      copyable={{ text: writeKey, tooltips: [t('app.copyWriteKey'), t('app.copied')] }}
      data-testid="custom-app-write-key-masked"
      style={{ whiteSpace: 'nowrap' }}
    >
      {maskWriteKey(writeKey)}
    </Typography.Text>
  );
}

/**
 * Put an app the server answered into the caches (its page and its channel's list), and reload its
 * channel: whether the channel may be deleted depends on its enabled apps.
 */
export function useStoreApp(): (app: CustomApp) => void {
  const queryClient = useQueryClient();
  return (app) => {
    queryClient.setQueryData(appQueryKey(app.id), app);
    queryClient.setQueryData<{ items: CustomApp[] }>(appsQueryKey(app.channelId), (old) =>
      old ? { items: old.items.map((item) => (item.id === app.id ? app : item)) } : old,
    );
    void queryClient.invalidateQueries({ queryKey: channelQueryKey(app.channelId) });
  };
}

/** 停用 / 启用 (with a confirm that says what disabling drops) and 重新生成 writeKey. */
export function useAppActions() {
  const { t } = useT();
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const storeApp = useStoreApp();

  const report = (app: CustomApp, error: unknown) => {
    message.error(errorText(error));
    if (isApiError(error, 'custom_app_not_found')) {
      void queryClient.invalidateQueries({ queryKey: appsQueryKey(app.channelId) });
      void queryClient.invalidateQueries({ queryKey: appQueryKey(app.id) });
    }
  };

  const setStatus = async (app: CustomApp, status: CustomApp['status']) => {
    try {
      storeApp(await updateApp(app.id, { status }));
      message.success(status === 'enabled' ? t('enable.success') : t('disable.success'));
    } catch (error) {
      report(app, error);
    }
  };

  /** Enabling is immediate; disabling asks first. */
  const toggle = (app: CustomApp) => {
    if (app.status === 'disabled') return void setStatus(app, 'enabled');
    modal.confirm({
      title: t('disable.title', { name: app.name }),
      content: t('disable.content'),
      okText: t('disable.ok'),
      okButtonProps: { danger: true, ...testId('custom-app-disable-confirm') },
      cancelText: t('common.cancel'),
      onOk: () => setStatus(app, 'disabled'),
    });
  };

  const regenerate = (app: CustomApp) => {
    modal.confirm({
      title: t('regenerate.title', { name: app.name }),
      content: t('regenerate.content'),
      okText: t('regenerate.ok'),
      okButtonProps: { danger: true, ...testId('custom-app-regenerate-confirm') },
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          storeApp(await regenerateWriteKey(app.id));
          message.success(t('regenerate.success'));
        } catch (error) {
          report(app, error);
        }
      },
    });
  };

  return { toggle, regenerate };
}
