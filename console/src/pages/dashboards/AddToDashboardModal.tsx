import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Empty, Form, Modal, Radio, Select, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { cardSizes, dashboardKeys, dashboardsApi, type CardSize } from '../../api/dashboards';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { useErrorText } from '../../utils/errors';
import { testId } from '../../utils/test-id';
import { folderPaths } from './dashboard-tree';

/**
 * 添加到仪表盘 (seed §1.7.2.5): a saved report onto one of the dashboards the caller sees, as a
 * small, medium or large card (at most 10 a dashboard; a report once per dashboard).
 */
export function AddToDashboardModal({ reportId, onClose }: { reportId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [form] = Form.useForm<{ dashboardId: string; size: CardSize }>();
  const dashboards = useQuery({ queryKey: dashboardKeys.list, queryFn: dashboardsApi.list });
  const folders = useQuery({ queryKey: dashboardKeys.folders, queryFn: dashboardsApi.folders });
  const paths = folderPaths(folders.data?.items ?? []);
  const add = useMutation({
    mutationFn: (values: { dashboardId: string; size: CardSize }) =>
      dashboardsApi.addCard(values.dashboardId, { reportId, size: values.size }),
    onSuccess: (_card, values) => {
      void queryClient.invalidateQueries({ queryKey: dashboardKeys.all });
      // The message renders outside the router (antd's App holds it): a plain link that navigates.
      void message.success(
        <span>
          {t('dashboards.cards.added')}{' '}
          <Typography.Link
            onClick={() => navigate(`/dashboards/${values.dashboardId}`)}
            data-testid="report-added-dashboard-link"
          >
            {t('dashboards.cards.open')}
          </Typography.Link>
        </span>,
      );
      onClose();
    },
  });
  const items = dashboards.data?.items ?? [];
  return (
    <Modal
      open
      title={t('reports.toolbar.addToDashboard')}
      onCancel={onClose}
      onOk={() => void form.validateFields().then((values) => add.mutate(values))}
      confirmLoading={add.isPending}
      okButtonProps={{ disabled: items.length === 0, ...testId('add-to-dashboard-ok') }}
      data-testid="add-to-dashboard-modal"
    >
      <LoadErrorAlert error={dashboards.error} onRetry={() => void dashboards.refetch()} testId="add-to-dashboard-error" />
      {add.error && <Alert type="error" showIcon message={errorText(add.error)} style={{ marginBottom: 16 }} />}
      {dashboards.isSuccess && items.length === 0 ? (
        <Empty description={t('dashboards.emptyForCard')}>
          <Link to="/dashboards">{t('dashboards.goCreate')}</Link>
        </Empty>
      ) : (
        <Form form={form} layout="vertical" initialValues={{ size: 'M' }}>
          <Form.Item
            name="dashboardId"
            label={t('dashboards.fields.dashboard')}
            rules={[{ required: true, message: t('dashboards.fields.dashboardRequired') }]}
          >
            <Select
              showSearch
              optionFilterProp="label"
              loading={dashboards.isLoading}
              options={items.map((d) => ({
                value: d.id,
                label: d.folderId && paths.get(d.folderId) ? `${paths.get(d.folderId)} / ${d.name}` : d.name,
              }))}
              placeholder={t('dashboards.fields.dashboardPlaceholder')}
              data-testid="add-to-dashboard-select"
            />
          </Form.Item>
          <Form.Item name="size" label={t('dashboards.fields.size')}>
            <Radio.Group
              optionType="button"
              options={cardSizes.map((size) => ({ value: size, label: t(`dashboards.sizes.${size}`) }))}
              data-testid="add-to-dashboard-size"
            />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}
