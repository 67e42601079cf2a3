import { DownOutlined, FilterOutlined } from '@ant-design/icons';
import { PageContainer, ProTable, type ProColumns } from '@ant-design/pro-components';
import type { ConditionProblem, ConditionTree } from '@huiliu/core/conditions';
import { useQuery } from '@tanstack/react-query';
import { Badge, Button, Card, Dropdown, Input, Space, Tag, Typography } from 'antd';
import { useMemo, useState, type HTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { isApiError } from '../../api/client';
import {
  CONTACT_LIST_KEYWORD_MAX,
  contactListApi,
  contactListKeys,
  contactListKinds,
  type ContactListColumn,
  type ContactListKind,
  type ContactListRow,
} from '../../api/contact-list';
import { metadataApi, metadataKeys } from '../../api/metadata';
import { ConditionBuilder, countLeaves } from '../../components/conditions';
import { ListEmpty } from '../../components/ListEmpty';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { MaskedValue } from '../../components/MaskedValue';
import { hasPermission, useSession } from '../../session/session';
import { useCursorList } from '../../utils/cursor-list';
import { formatDateTime } from '../../utils/format';
import { useLocalized } from '../../utils/localized';
import { testId } from '../../utils/test-id';
import { contactActions, type ContactAction } from './contact-actions';
import { CreateContactButton } from './CreateContactButton';
import { LoadMore } from './merge-parts';
import { ContactsTotal } from './ContactsTotal';

const emptyFilter = (): ConditionTree => ({ type: 'and', conditions: [] });

/** The filter errors the builder places on its leaves (the engine's and the list's own). */
const FILTER_ERRORS = ['condition_invalid', 'contact_filter_invalid'];

/** One cell: times in the tenant's zone, 是/否, masked values as `***` with the lock. */
function CellValue({ column, value, timeZone }: { column: ContactListColumn; value: unknown; timeZone: string }) {
  const { t } = useTranslation();
  if (value === null || value === undefined || value === '') return null;
  if (value === '***') return <MaskedValue value="***" testId={`contact-cell-${column.key}`} />;
  let text: string;
  if (column.type === 'datetime' && typeof value === 'number') text = formatDateTime(value, timeZone);
  else if (column.type === 'bool') text = value ? t('contacts.list.yes') : t('contacts.list.no');
  else if (column.key === 'gender' && (value === 'male' || value === 'female' || value === 'unknown'))
    text = t(`contacts.list.gender.${value}`);
  else text = String(value);
  return <span data-testid={`contact-cell-${column.key}`}>{text}</span>;
}

/**
 * 用户 → 所有用户 (seed §1.4, §1.4.2, §1.4.8, §1.4.12): all / identified / anonymous contacts, newest
 * updated first, a keyset page at a time (加载更多); 普通搜索 (name, mobile, email, contact id) and
 * 高级搜索 (the condition builder, contact properties only, ANDed); the staff member's display columns
 * (定制显示列), values masked by the server; rows open the contact. The 更多操作 menu's entries come
 * from `contact-actions.tsx` and get the applied filter.
 */
export default function ContactsPage() {
  const { t } = useTranslation();
  const localized = useLocalized();
  const session = useSession();
  const navigate = useNavigate();
  const timeZone = session.tenant.timeZone;
  const [open, setOpen] = useState<ContactAction>();
  const actions = contactActions.filter((action) => hasPermission(session, action.permission));

  const [kind, setKind] = useState<ContactListKind>('all');
  const [keywordInput, setKeywordInput] = useState('');
  const [keyword, setKeyword] = useState('');
  const [advanced, setAdvanced] = useState(false);
  const [draft, setDraft] = useState<ConditionTree>(emptyFilter);
  const [filter, setFilter] = useState<ConditionTree | undefined>(undefined);

  const search = useMemo(() => ({ kind, keyword: keyword || undefined, filter }), [kind, keyword, filter]);
  const list = useCursorList({
    queryKey: contactListKeys.list(search),
    queryFn: (cursor) => contactListApi.search(search, cursor),
  });
  const catalogue = useQuery({
    queryKey: metadataKeys.catalogue,
    queryFn: metadataApi.catalogue,
    enabled: advanced,
  });
  // The list's filter takes contact properties only (§1.4.12): the builder offers nothing else.
  const propertyCatalogue = useMemo(
    () => catalogue.data && { ...catalogue.data, events: [], groups: [], tags: [] },
    [catalogue.data],
  );

  const error = list.list.error;
  const filterProblems =
    isApiError(error) && FILTER_ERRORS.includes(error.code) ? (error.details as unknown as ConditionProblem[]) : undefined;
  const page = list.first;
  const columns: ProColumns<ContactListRow>[] = [
    {
      title: t('contacts.list.columns.id'),
      dataIndex: 'id',
      fixed: 'left',
      width: 110,
      render: (_, row) => (
        <Link to={`/contacts/${row.id}`} data-testid="contact-link">
          {row.id}
        </Link>
      ),
    },
    {
      title: t('contacts.list.columns.kind'),
      dataIndex: 'identified',
      width: 80,
      render: (_, row) =>
        row.identified ? <Tag color="blue">{t('contacts.list.identified')}</Tag> : <Tag>{t('contacts.list.anonymous')}</Tag>,
    },
    ...(page?.columns ?? []).map((column): ProColumns<ContactListRow> => ({
      title: localized(column.name),
      key: column.key,
      ellipsis: true,
      render: (_, row) => <CellValue column={column} value={row.values[column.key]} timeZone={timeZone} />,
    })),
  ];

  const applyFilter = () => setFilter(countLeaves(draft) > 0 ? draft : undefined);
  const clearFilter = () => {
    setDraft(emptyFilter());
    setFilter(undefined);
  };
  const filtered = filter !== undefined || keyword !== '';

  return (
    <div data-testid="contacts-page">
      <PageContainer
        title={t('contacts.list.title')}
        tabActiveKey={kind}
        onTabChange={(key) => setKind(key as ContactListKind)}
        tabList={contactListKinds.map((k) => ({
          key: k,
          tab: <span data-testid={`contacts-kind-${k}`}>{t(`contacts.list.kinds.${k}`)}</span>,
        }))}
        extra={[
          <CreateContactButton key="create" />,
          <Dropdown
            key="more"
            menu={{
              items: actions.map((action) => ({
                key: action.key,
                label: <span data-testid={`contacts-action-${action.key}`}>{t(action.label)}</span>,
              })),
              onClick: ({ key }) => {
                const action = actions.find((candidate) => candidate.key === key);
                if (action?.to) navigate(action.to);
                else setOpen(action);
              },
            }}
          >
            <Button data-testid="contacts-more-actions">
              {t('contacts.actions.more')} <DownOutlined />
            </Button>
          </Dropdown>,
        ]}
      >
        {advanced && (
          <Card
            size="small"
            title={t('contacts.list.advanced.title')}
            style={{ marginBottom: 16 }}
            data-testid="contacts-advanced"
            extra={<Typography.Text type="secondary">{t('contacts.list.advanced.hint')}</Typography.Text>}
          >
            {propertyCatalogue ? (
              <ConditionBuilder value={draft} onChange={setDraft} catalogue={propertyCatalogue} problems={filterProblems} />
            ) : (
              <LoadErrorAlert
                error={catalogue.error}
                onRetry={() => void catalogue.refetch()}
                testId="contacts-catalogue-error"
              />
            )}
            <Space style={{ marginTop: 12 }}>
              <Button type="primary" onClick={applyFilter} data-testid="contacts-filter-apply">
                {t('contacts.list.advanced.apply')}
              </Button>
              <Button onClick={clearFilter} data-testid="contacts-filter-clear">
                {t('contacts.list.advanced.clear')}
              </Button>
            </Space>
          </Card>
        )}
        {!filterProblems && (
          <LoadErrorAlert error={error} onRetry={() => void list.list.refetch()} testId="contacts-load-error" />
        )}
        <ProTable<ContactListRow>
          rowKey="id"
          columns={columns}
          dataSource={list.items}
          loading={list.list.isPending || (list.list.isFetching && !list.loadingMore)}
          search={false}
          cardBordered
          pagination={false}
          scroll={{ x: 'max-content' }}
          options={{ reload: () => void list.list.refetch(), density: false, setting: false }}
          onRow={(row) => testId(`contact-row-${row.id}`) as HTMLAttributes<HTMLElement>}
          headerTitle={<ContactsTotal total={page?.total} testId="contacts-total" />}
          toolBarRender={() => [
            <Input.Search
              key="keyword"
              allowClear
              style={{ width: 300 }}
              maxLength={CONTACT_LIST_KEYWORD_MAX}
              placeholder={t('contacts.list.keyword')}
              value={keywordInput}
              onChange={(e) => {
                setKeywordInput(e.target.value);
                if (e.target.value === '') setKeyword('');
              }}
              onSearch={(value) => setKeyword(value.trim())}
              data-testid="contacts-keyword"
            />,
            <Badge key="advanced" count={filter ? countLeaves(filter) : 0} size="small">
              <Button
                icon={<FilterOutlined />}
                type={advanced ? 'primary' : 'default'}
                onClick={() => setAdvanced((value) => !value)}
                data-testid="contacts-advanced-toggle"
              >
                {t('contacts.list.advanced.toggle')}
              </Button>
            </Badge>,
          ]}
          locale={{
            emptyText: error ? (
              <ListEmpty title={t('common.loadFailed')} testId="contacts-load-failed" />
            ) : filtered ? (
              <ListEmpty
                title={t('contacts.list.emptyFiltered.title')}
                description={t('contacts.list.emptyFiltered.description')}
                testId="contacts-empty-filtered"
              />
            ) : (
              <ListEmpty
                title={t('contacts.list.empty.title')}
                description={t('contacts.list.empty.description')}
                testId="contacts-empty"
              />
            ),
          }}
        />
        <LoadMore hasMore={list.hasMore} loading={list.loadingMore} onClick={list.loadMore} testId="contacts-load-more" />
        {open?.render?.({ close: () => setOpen(undefined), reload: () => void list.list.refetch(), filter })}
      </PageContainer>
    </div>
  );
}
