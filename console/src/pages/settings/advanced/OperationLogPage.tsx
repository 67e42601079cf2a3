import { DownloadOutlined } from '@ant-design/icons';
import { PageContainer, type ProColumns, ProTable } from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { Button, DatePicker, Form, Select, Space, Tooltip, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { type HTMLAttributes, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  OPERATION_LOG_EXPORT_MAX,
  operationLogApi,
  operationLogKeys,
  type OperationDetail,
  type OperationLogFilter,
  type OperationLogItem,
} from '../../../api/operation-logs';
import { ListEmpty } from '../../../components/ListEmpty';
import { LoadErrorAlert } from '../../../components/LoadErrorAlert';
import { useSession } from '../../../session/session';
import { useCursorList } from '../../../utils/cursor-list';
import { formatDateTimeSeconds, formatNumber, startOfDayIn } from '../../../utils/format';
import { useLocalized } from '../../../utils/localized';
import { testId } from '../../../utils/test-id';
import { LoadMore } from '../../contacts/merge-parts';

interface FilterForm {
  staffId?: string;
  /** `<objectType>.<operation>` of the operation select. */
  operation?: string;
  range?: [Dayjs, Dayjs] | null;
}

/** A detail as `key: value` pairs (ids, counts, flags and codes only). */
function detailText(detail: OperationDetail | null): string {
  if (!detail) return '';
  return Object.entries(detail)
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)
    .join('; ');
}

/**
 * 设置 → 高级设置 → 操作日志 (seed §1.11.4.8): what staff did in the console, newest first, filtered by
 * staff, operation and time (days in the tenant's time zone), and exported as CSV. Staff names are
 * joined here from the staff list: the log itself stores ids only.
 */
export default function OperationLogPage() {
  const { t, i18n } = useTranslation();
  const localized = useLocalized();
  const timeZone = useSession().tenant.timeZone;
  const [form] = Form.useForm<FilterForm>();
  const [filter, setFilter] = useState<OperationLogFilter>({});

  const catalogue = useQuery({ queryKey: operationLogKeys.catalogue, queryFn: operationLogApi.catalogue });
  const staff = useQuery({ queryKey: operationLogKeys.staff, queryFn: operationLogApi.staff });
  const logs = useCursorList({
    queryKey: operationLogKeys.list(filter),
    queryFn: (cursor) => operationLogApi.list(filter, cursor),
  });

  const staffNames = useMemo(() => new Map((staff.data ?? []).map((member) => [member.id, member.name])), [staff.data]);
  const objectLabels = useMemo(
    () => new Map((catalogue.data?.objectTypes ?? []).map((o) => [o.objectType, localized(o.label)])),
    [catalogue.data, localized],
  );
  const operationLabels = useMemo(
    () => new Map((catalogue.data?.operations ?? []).map((o) => [`${o.objectType}.${o.operation}`, localized(o.label)])),
    [catalogue.data, localized],
  );
  const operationOptions = (catalogue.data?.objectTypes ?? []).map((objectType) => ({
    label: localized(objectType.label),
    title: localized(objectType.label),
    options: (catalogue.data?.operations ?? [])
      .filter((operation) => operation.objectType === objectType.objectType)
      .map((operation) => ({
        value: `${operation.objectType}.${operation.operation}`,
        label: `${localized(objectType.label)} · ${localized(operation.label)}`,
      })),
  }));

  const apply = (values: FilterForm) => {
    const [objectType, operation] = values.operation ? values.operation.split('.') : [];
    const [from, to] = values.range ?? [];
    setFilter({
      staffId: values.staffId,
      objectType,
      operation,
      // Whole days in the tenant's time zone: [start of the first day, start of the day after the last).
      from: from ? startOfDayIn(from.format('YYYY-MM-DD'), timeZone) : undefined,
      to: to ? startOfDayIn(to.add(1, 'day').format('YYYY-MM-DD'), timeZone) : undefined,
    });
  };

  const filtered = Object.values(filter).some((value) => value !== undefined);

  const columns: ProColumns<OperationLogItem>[] = [
    {
      title: t('operationLog.columns.at'),
      dataIndex: 'at',
      width: 180,
      onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
      render: (_, item) => <span data-testid="operation-log-at">{formatDateTimeSeconds(item.at, timeZone)}</span>,
    },
    {
      title: t('operationLog.columns.staff'),
      dataIndex: 'staffId',
      render: (_, item) => {
        const name = staffNames.get(item.staffId);
        return (
          <span data-testid="operation-log-staff" data-staff-id={item.staffId}>
            {name ??
              (staff.isSuccess ? (
                <Typography.Text type="secondary">{t('operationLog.deletedStaff', { id: item.staffId })}</Typography.Text>
              ) : (
                item.staffId
              ))}
          </span>
        );
      },
    },
    {
      title: t('operationLog.columns.objectType'),
      dataIndex: 'objectType',
      render: (_, item) => (
        <span data-testid="operation-log-object-type">{objectLabels.get(item.objectType) ?? item.objectType}</span>
      ),
    },
    {
      title: t('operationLog.columns.operation'),
      dataIndex: 'operation',
      render: (_, item) => (
        <span data-testid="operation-log-operation" data-operation={`${item.objectType}.${item.operation}`}>
          {operationLabels.get(`${item.objectType}.${item.operation}`) ?? item.operation}
        </span>
      ),
    },
    {
      title: t('operationLog.columns.objectId'),
      dataIndex: 'objectId',
      render: (_, item) =>
        item.objectId === null ? (
          ''
        ) : (
          <Typography.Text code data-testid="operation-log-object-id">
            {item.objectId}
          </Typography.Text>
        ),
    },
    {
      title: t('operationLog.columns.detail'),
      dataIndex: 'detail',
      render: (_, item) => (
        <Typography.Text type="secondary" data-testid="operation-log-detail">
          {detailText(item.detail)}
        </Typography.Text>
      ),
    },
    {
      title: t('operationLog.columns.ip'),
      dataIndex: 'ip',
      render: (_, item) => <span data-testid="operation-log-ip">{item.ip ?? ''}</span>,
    },
  ];

  return (
    <PageContainer title={t('operationLog.title')} content={t('operationLog.description')}>
      <div data-testid="operation-log-page">
        <LoadErrorAlert
          error={logs.list.error ?? catalogue.error ?? staff.error}
          onRetry={() => {
            void logs.list.refetch();
            void catalogue.refetch();
            void staff.refetch();
          }}
          testId="operation-log-load-error"
        />
        <Form<FilterForm>
          form={form}
          layout="inline"
          onFinish={apply}
          style={{ marginBottom: 16, rowGap: 8 }}
          data-testid="operation-log-filters"
        >
          <Form.Item name="staffId" label={t('operationLog.filters.staff')}>
            <Select
              allowClear
              showSearch
              optionFilterProp="label"
              style={{ width: 200 }}
              placeholder={t('operationLog.filters.allStaff')}
              loading={staff.isPending}
              options={(staff.data ?? []).map((member) => ({ value: member.id, label: member.name }))}
              data-testid="operation-log-filter-staff"
            />
          </Form.Item>
          <Form.Item name="operation" label={t('operationLog.filters.operation')}>
            <Select
              allowClear
              showSearch
              optionFilterProp="label"
              style={{ width: 240 }}
              placeholder={t('operationLog.filters.allOperations')}
              loading={catalogue.isPending}
              options={operationOptions}
              data-testid="operation-log-filter-operation"
            />
          </Form.Item>
          <Form.Item
            name="range"
            label={t('operationLog.filters.range')}
            tooltip={t('operationLog.filters.rangeHint', { timeZone })}
          >
            <DatePicker.RangePicker
              placeholder={[t('operationLog.filters.start'), t('operationLog.filters.end')]}
              data-testid="operation-log-filter-range"
            />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit" data-testid="operation-log-search">
                {t('operationLog.filters.search')}
              </Button>
              <Button
                onClick={() => {
                  form.resetFields();
                  setFilter({});
                }}
                data-testid="operation-log-reset"
              >
                {t('operationLog.filters.reset')}
              </Button>
            </Space>
          </Form.Item>
        </Form>
        <ProTable<OperationLogItem>
          rowKey="id"
          columns={columns}
          dataSource={logs.items}
          loading={logs.list.isPending || (logs.list.isFetching && !logs.loadingMore)}
          search={false}
          cardBordered
          pagination={false}
          scroll={{ x: 'max-content' }}
          options={{ reload: () => void logs.list.refetch(), density: false, setting: false }}
          onRow={(item) => testId(`operation-log-row-${item.id}`) as HTMLAttributes<HTMLElement>}
          toolBarRender={() => [
            <Tooltip
              key="export"
              title={t('operationLog.export.hint', { max: formatNumber(OPERATION_LOG_EXPORT_MAX, i18n.language) })}
            >
              <Button
                icon={<DownloadOutlined />}
                href={operationLogApi.exportUrl(filter, i18n.language)}
                download
                data-testid="operation-log-export"
              >
                {t('operationLog.export.action')}
              </Button>
            </Tooltip>,
          ]}
          locale={{
            emptyText: logs.list.error ? (
              <ListEmpty title={t('common.loadFailed')} testId="operation-log-load-failed" />
            ) : filtered ? (
              <ListEmpty
                title={t('operationLog.emptyFiltered.title')}
                description={t('operationLog.emptyFiltered.description')}
                testId="operation-log-empty-filtered"
              />
            ) : (
              <ListEmpty
                title={t('operationLog.empty.title')}
                description={t('operationLog.empty.description')}
                testId="operation-log-empty"
              />
            ),
          }}
        />
        <LoadMore hasMore={logs.hasMore} loading={logs.loadingMore} onClick={logs.loadMore} testId="operation-log-load-more" />
      </div>
    </PageContainer>
  );
}
