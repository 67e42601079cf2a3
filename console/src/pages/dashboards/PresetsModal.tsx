import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Empty, List, Modal, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { dashboardKeys, dashboardsApi, type DashboardFolder } from '../../api/dashboards';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { currentLanguage } from '../../i18n';
import { useErrorText } from '../../utils/errors';
import { folderPaths } from './dashboard-tree';

/**
 * 预置仪表盘 (seed §1.3.4): the preset dashboards of the plugins enabled for the tenant, installed
 * into a folder (their reports count against the report quota: all or nothing).
 */
export function PresetsModal({
  folders,
  onClose,
  onInstalled,
}: {
  folders: DashboardFolder[];
  onClose: () => void;
  onInstalled: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [folderId, setFolderId] = useState<string>();
  const presets = useQuery({ queryKey: dashboardKeys.presets, queryFn: dashboardsApi.presets });
  const paths = folderPaths(folders);
  const install = useMutation({
    mutationFn: (presetId: string) => dashboardsApi.installPreset(presetId, folderId!),
    onSuccess: (installed) => {
      void message.success(
        t('dashboards.presets.installed', { dashboards: installed.dashboards.length, reports: installed.reports }),
      );
      onInstalled();
      onClose();
    },
  });
  const items = presets.data?.items ?? [];
  const language = currentLanguage();
  return (
    <Modal open title={t('dashboards.presets.title')} onCancel={onClose} footer={null} data-testid="presets-modal">
      <Typography.Paragraph type="secondary">{t('dashboards.presets.description')}</Typography.Paragraph>
      <LoadErrorAlert error={presets.error} onRetry={() => void presets.refetch()} testId="presets-error" />
      {install.error && <Alert type="error" showIcon message={errorText(install.error)} style={{ marginBottom: 16 }} />}
      <Space direction="vertical" style={{ width: '100%' }}>
        <Select
          style={{ width: '100%' }}
          value={folderId}
          onChange={setFolderId}
          placeholder={t('dashboards.presets.folder')}
          options={folders.map((folder) => ({ value: folder.id, label: paths.get(folder.id) ?? folder.name }))}
          notFoundContent={t('dashboards.presets.noFolder')}
          data-testid="presets-folder"
        />
        {presets.isSuccess && items.length === 0 ? (
          <Empty description={t('dashboards.presets.empty')} data-testid="presets-empty" />
        ) : (
          <List
            loading={presets.isLoading}
            dataSource={items}
            renderItem={(preset) => (
              <List.Item
                actions={[
                  <Button
                    key="install"
                    type="link"
                    disabled={!folderId}
                    loading={install.isPending && install.variables === preset.id}
                    onClick={() => install.mutate(preset.id)}
                  >
                    {t('dashboards.presets.install')}
                  </Button>,
                ]}
              >
                <List.Item.Meta
                  title={preset.name[language] || preset.name['zh-CN']}
                  description={t('dashboards.presets.counts', { reports: preset.reports, dashboards: preset.dashboards })}
                />
              </List.Item>
            )}
          />
        )}
      </Space>
    </Modal>
  );
}
