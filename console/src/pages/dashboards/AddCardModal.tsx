import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Empty, Form, Modal, Radio, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { cardSizes, dashboardsApi, type CardSize, type Dashboard } from '../../api/dashboards';
import { reportKeys, reportsApi } from '../../api/reports';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { useErrorText } from '../../utils/errors';
import { testId } from '../../utils/test-id';

/** 添加报表: a saved report that may go on dashboards and is not on this one yet, as a card of a size. */
export function AddCardModal({
  dashboard,
  onClose,
  onAdded,
}: {
  dashboard: Dashboard;
  onClose: () => void;
  onAdded: () => void;
}) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const [form] = Form.useForm<{ reportId: string; size: CardSize }>();
  const reports = useQuery({ queryKey: reportKeys.list(undefined, ''), queryFn: () => reportsApi.list({}) });
  const onBoard = new Set(dashboard.cards.map((card) => card.reportId));
  const choices = (reports.data?.items ?? []).filter((report) => report.dashboard && !onBoard.has(report.id));
  const add = useMutation({
    mutationFn: (values: { reportId: string; size: CardSize }) => dashboardsApi.addCard(dashboard.id, values),
    onSuccess: () => {
      onAdded();
      onClose();
    },
  });
  return (
    <Modal
      open
      title={t('dashboards.actions.addCard')}
      onCancel={onClose}
      onOk={() => void form.validateFields().then((values) => add.mutate(values))}
      confirmLoading={add.isPending}
      okButtonProps={{ disabled: choices.length === 0, ...testId('add-card-ok') }}
      data-testid="add-card-modal"
    >
      <LoadErrorAlert error={reports.error} onRetry={() => void reports.refetch()} testId="add-card-error" />
      {add.error && <Alert type="error" showIcon message={errorText(add.error)} style={{ marginBottom: 16 }} />}
      {reports.isSuccess && choices.length === 0 ? (
        <Empty description={t('dashboards.cards.noReports')}>
          <Link to="/analytics/event">{t('dashboards.cards.createReport')}</Link>
        </Empty>
      ) : (
        <Form form={form} layout="vertical" initialValues={{ size: 'M' }}>
          <Form.Item
            name="reportId"
            label={t('dashboards.fields.report')}
            rules={[{ required: true, message: t('dashboards.fields.reportRequired') }]}
          >
            <Select
              showSearch
              optionFilterProp="label"
              loading={reports.isLoading}
              options={choices.map((report) => ({
                value: report.id,
                label: report.modelName
                  ? t('dashboards.fields.reportOption', { name: report.name, model: report.modelName })
                  : report.name,
              }))}
              placeholder={t('dashboards.fields.reportPlaceholder')}
              data-testid="add-card-report"
            />
          </Form.Item>
          <Form.Item name="size" label={t('dashboards.fields.size')}>
            <Radio.Group
              optionType="button"
              options={cardSizes.map((size) => ({ value: size, label: t(`dashboards.sizes.${size}`) }))}
            />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}
