import { ListEmpty } from '../../components/ListEmpty';
import { type ProColumns, ProTable } from '@ant-design/pro-components';
import { Input, Table, Tag, Typography } from 'antd';
import type { HTMLAttributes } from 'react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { contactsApi, contactsKeys, type ContactMerge } from '../../api/contacts';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { MaskedValue } from '../../components/MaskedValue';
import { useSession } from '../../session/session';
import { useCursorList } from '../../utils/cursor-list';
import { formatDateTime } from '../../utils/format';
import { testId } from '../../utils/test-id';
import { EvidenceText, LoadMore, ruleText } from './merge-parts';

const CONTACT_ID = /^[1-9][0-9]{0,18}$/;

/** Columns of `before` that say nothing about the person. */
const hiddenColumns = new Set(['id', 'tenant_id']);

/**
 * A stored value as text: epoch times (`*_at`) in the tenant's time zone, the rest as they are. A
 * masked value arrives as `***` (custom fields masked inside the `attributes` JSON).
 */
function valueText(column: string, value: unknown, timeZone: string): string {
  if (value === null || value === undefined || value === '') return '';
  if (column.endsWith('_at') && Number.isFinite(Number(value))) return formatDateTime(Number(value), timeZone);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Both contacts' values before a merge, side by side (only the fields either had), and the moved accounts. */
function BeforeValues({ merge }: { merge: ContactMerge }) {
  const { t } = useTranslation();
  const timeZone = useSession().tenant.timeZone;
  const { survivor, merged, movedAccountIds } = merge.before;
  const columns = [...new Set([...Object.keys(survivor ?? {}), ...Object.keys(merged ?? {})])].filter(
    (column) => !hiddenColumns.has(column),
  );
  const rows = columns
    .map((column) => ({
      column,
      survivor: valueText(column, survivor?.[column], timeZone),
      merged: valueText(column, merged?.[column], timeZone),
    }))
    .filter((row) => row.survivor !== '' || row.merged !== '');
  return (
    <div data-testid={`merge-before-${merge.id}`} style={{ maxWidth: 900 }}>
      <Typography.Text strong>{t('contacts.merges.history.before.title')}</Typography.Text>
      <Table
        size="small"
        rowKey="column"
        pagination={false}
        style={{ marginTop: 8 }}
        dataSource={rows}
        locale={{ emptyText: t('contacts.merges.history.before.empty') }}
        onRow={(row) => testId(`merge-before-row-${row.column}`) as HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t('contacts.merges.history.before.field'),
            dataIndex: 'column',
            width: 180,
            render: (column: string) => <Typography.Text code>{column}</Typography.Text>,
          },
          {
            title: t('contacts.merges.history.before.survivor', { id: merge.survivorId }),
            dataIndex: 'survivor',
            render: (value: string) => <MaskedValue value={value} testId="merge-before-survivor" />,
          },
          {
            title: t('contacts.merges.history.before.merged', { id: merge.mergedId }),
            dataIndex: 'merged',
            render: (value: string) => <MaskedValue value={value} testId="merge-before-merged" />,
          },
        ]}
      />
      <Typography.Text type="secondary" style={{ display: 'block', marginTop: 8 }}>
        {t('contacts.merges.history.before.moved', { count: movedAccountIds?.length ?? 0 })}
      </Typography.Text>
    </div>
  );
}

/** 合并历史: every merge, newest first — of the tenant, or of one contact (an old, merged-away id works too). */
export function MergeHistoryTab() {
  const { t } = useTranslation();
  const timeZone = useSession().tenant.timeZone;
  const [contactId, setContactId] = useState<string | undefined>(undefined);
  const [input, setInput] = useState('');
  const [invalid, setInvalid] = useState(false);
  const merges = useCursorList({
    queryKey: contactsKeys.merges(contactId),
    queryFn: (cursor) => contactsApi.merges({ contactId, cursor }),
  });

  const search = (value: string) => {
    const trimmed = value.trim();
    if (trimmed !== '' && !CONTACT_ID.test(trimmed)) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    setContactId(trimmed === '' ? undefined : trimmed);
  };

  const columns: ProColumns<ContactMerge>[] = [
    {
      title: t('contacts.merges.history.columns.mergedAt'),
      dataIndex: 'mergedAt',
      width: 150,
      onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
      render: (_, merge) => formatDateTime(merge.mergedAt, timeZone),
    },
    {
      title: t('contacts.merges.history.columns.survivor'),
      dataIndex: 'survivorId',
      render: (_, merge) => (
        <Typography.Text code data-testid="merge-survivor">
          {merge.survivorId}
        </Typography.Text>
      ),
    },
    {
      title: t('contacts.merges.history.columns.merged'),
      dataIndex: 'mergedId',
      render: (_, merge) => (
        <Typography.Text code data-testid="merge-merged">
          {merge.mergedId}
        </Typography.Text>
      ),
    },
    {
      title: t('contacts.merges.history.columns.rule'),
      dataIndex: 'rule',
      render: (_, merge) => (
        <Tag color={merge.rule === 'candidate_accepted' ? 'blue' : 'default'} data-testid="merge-rule" data-rule={merge.rule}>
          {ruleText(t, merge.rule)}
        </Tag>
      ),
    },
    {
      title: t('contacts.merges.history.columns.actor'),
      dataIndex: 'actorStaffId',
      render: (_, merge) => (
        <span data-testid="merge-actor">
          {merge.actorStaffId === null
            ? t('contacts.merges.history.automatic')
            : t('contacts.merges.history.staff', { id: merge.actorStaffId })}
        </span>
      ),
    },
    {
      title: t('contacts.merges.history.columns.evidence'),
      dataIndex: 'evidence',
      render: (_, merge) => <EvidenceText evidence={merge.evidence} testId="merge-evidence" />,
    },
  ];

  return (
    <>
      <LoadErrorAlert error={merges.list.error} onRetry={() => void merges.list.refetch()} testId="merges-load-error" />
      <ProTable<ContactMerge>
        rowKey="id"
        columns={columns}
        dataSource={merges.items}
        loading={merges.list.isPending || (merges.list.isFetching && !merges.loadingMore)}
        search={false}
        cardBordered
        pagination={false}
        scroll={{ x: 'max-content' }}
        options={{ reload: () => void merges.list.refetch(), density: false, setting: false }}
        onRow={(merge) => testId(`merge-row-${merge.id}`) as HTMLAttributes<HTMLElement>}
        expandable={{ expandedRowRender: (merge) => <BeforeValues merge={merge} /> }}
        toolBarRender={() => [
          <Input.Search
            key="contact"
            allowClear
            style={{ width: 220 }}
            status={invalid ? 'error' : undefined}
            placeholder={t('contacts.merges.history.filter')}
            value={input}
            onChange={(e) => {
              setInput(e.target.value);
              if (e.target.value === '') search('');
            }}
            onSearch={search}
            data-testid="merges-filter-contact"
          />,
          invalid && (
            <Typography.Text key="invalid" type="danger" data-testid="merges-filter-invalid">
              {t('contacts.merges.history.filterInvalid')}
            </Typography.Text>
          ),
        ]}
        locale={{
          emptyText: merges.list.error ? (
            <ListEmpty title={t('common.loadFailed')} testId="merges-load-failed" />
          ) : contactId !== undefined ? (
            <ListEmpty
              title={t('contacts.merges.history.emptyFiltered.title')}
              description={t('contacts.merges.history.emptyFiltered.description')}
              testId="merges-empty-filtered"
            />
          ) : (
            <ListEmpty
              title={t('contacts.merges.history.empty.title')}
              description={t('contacts.merges.history.empty.description')}
              testId="merges-empty"
            />
          ),
        }}
      />
      <LoadMore hasMore={merges.hasMore} loading={merges.loadingMore} onClick={merges.loadMore} testId="merges-load-more" />
    </>
  );
}
