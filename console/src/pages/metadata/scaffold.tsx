import { ListEmpty } from '../../components/ListEmpty';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { PageContainer, type ProColumns, ProTable, type ProTableProps } from '@ant-design/pro-components';
import { App, Button, type ButtonProps, Popconfirm, Typography } from 'antd';
import type { TFunction } from 'i18next';
import type { HTMLAttributes, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { useErrorText } from '../../utils/errors';
import { testId } from '../../utils/test-id';
import { ViewOnlyNotice } from './shared';

/** What the list scaffold needs of a react-query result. */
export interface MetadataListQuery {
  error: unknown;
  isPending: boolean;
  isFetching: boolean;
  refetch: () => unknown;
}

/** A 元数据管理 page: title and description, the view-only notice and the list's load error. */
export function MetadataPage({
  testId: id,
  title,
  description,
  canManage,
  list,
  loadErrorTestId,
  children,
}: {
  testId: string;
  title: string;
  description: string;
  canManage: boolean;
  list: MetadataListQuery;
  loadErrorTestId: string;
  children: ReactNode;
}) {
  return (
    <div data-testid={id}>
      <PageContainer title={title} content={description}>
        <ViewOnlyNotice canManage={canManage} />
        <LoadErrorAlert error={list.error} onRetry={() => void list.refetch()} testId={loadErrorTestId} />
        {children}
      </PageContainer>
    </div>
  );
}

const paginations = {
  long: { defaultPageSize: 50, showSizeChanger: true, pageSizeOptions: [20, 50, 100] },
  short: { defaultPageSize: 20, showSizeChanger: true, pageSizeOptions: [10, 20, 50, 100] },
};

/**
 * The list of a 元数据管理 page: reload, row test ids, and 加载失败 or the page's own empty state.
 * Other ProTable props (pagination, loading, options…) override the defaults.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ProTable's own row constraint
export function MetadataTable<T extends Record<string, any>>({
  list,
  pageSize = 'long',
  rowTestId,
  loadFailedTestId,
  empty,
  ...props
}: Omit<ProTableProps<T, Record<string, unknown>>, 'locale'> & {
  list: MetadataListQuery;
  pageSize?: keyof typeof paginations;
  rowTestId?: (row: T) => string;
  loadFailedTestId: string;
  empty: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <ProTable<T>
      rowKey="id"
      loading={list.isPending || list.isFetching}
      search={false}
      cardBordered
      scroll={{ x: 'max-content' }}
      pagination={paginations[pageSize]}
      options={{ reload: () => void list.refetch() }}
      onRow={rowTestId && ((row) => testId(rowTestId(row)) as HTMLAttributes<HTMLElement>)}
      locale={{
        emptyText: list.error ? <ListEmpty title={t('common.loadFailed')} testId={loadFailedTestId} /> : empty,
      }}
      {...props}
    />
  );
}

/** A list's tabs (自定义 / 系统预置…) in the ProTable toolbar, each label with a test id. */
export function tabMenu<K extends string>({
  activeKey,
  keys,
  label,
  tabTestId,
  onChange,
}: {
  activeKey: K;
  keys: readonly K[];
  label: (key: K) => string;
  tabTestId: (key: K) => string;
  onChange: (key: string) => void;
}): ProTableProps<Record<string, unknown>, Record<string, unknown>>['toolbar'] {
  return {
    menu: {
      type: 'tab',
      activeKey,
      items: keys.map((key) => ({ key, label: <span data-testid={tabTestId(key)}>{label(key)}</span> })),
      onChange: (key) => onChange(String(key)),
    },
  };
}

/** An ID column shown as code, optionally with a test id on each cell. */
export function codeColumn<T>(
  title: string,
  dataIndex: keyof T & string,
  cellTestId?: string,
  extra: Omit<ProColumns<T>, 'title' | 'dataIndex' | 'render'> = {},
): ProColumns<T> {
  return {
    title,
    dataIndex,
    ...extra,
    render: (_, row) => (
      <Typography.Text code data-testid={cellTestId}>
        {String(row[dataIndex])}
      </Typography.Text>
    ),
  };
}

/** 新建… above a list. */
export function CreateButton({ onClick, testId: id, children }: { onClick: () => void; testId: string; children: ReactNode }) {
  return (
    <Button type="primary" icon={<PlusOutlined />} onClick={onClick} data-testid={id}>
      {children}
    </Button>
  );
}

/** The 操作 column: fixed right, one line; hidden for staff who may not use it. */
export function actionsColumn<T>(t: TFunction, render: ProColumns<T>['render'], hideInTable = false): ProColumns<T> {
  return {
    title: t('common.actions'),
    valueType: 'option',
    key: 'actions',
    fixed: 'right',
    hideInTable,
    onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
    render,
  };
}

/** A row action asked again first (删除, 清空): a danger OK button; the link is danger unless `danger={false}`. */
export function ConfirmLink({
  title,
  description,
  okText,
  confirmTestId,
  onConfirm,
  testId: id,
  danger = true,
  children,
}: {
  title: string;
  description: string;
  okText?: string;
  confirmTestId: string;
  onConfirm: () => unknown;
  testId: string;
  danger?: boolean;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Popconfirm
      title={title}
      description={description}
      okText={okText ?? t('metadata.delete')}
      okButtonProps={{ danger: true, ...testId(confirmTestId) }}
      cancelText={t('common.cancel')}
      onConfirm={onConfirm}
    >
      <Typography.Link type={danger ? 'danger' : undefined} data-testid={id}>
        {children ?? t('metadata.delete')}
      </Typography.Link>
    </Popconfirm>
  );
}

/**
 * Runs a row action (delete, clear…): toasts `success` when given, the error when it fails, and
 * refreshes the list either way.
 */
export function useRowAction(refresh: () => void): (run: () => Promise<unknown>, success?: string) => Promise<void> {
  const { message } = App.useApp();
  const errorText = useErrorText();
  return async (run, success) => {
    try {
      await run();
      if (success !== undefined) message.success(success);
    } catch (error) {
      message.error(errorText(error));
    }
    refresh();
  };
}

interface EditorFormOptions {
  /** Editing a saved item (保存) rather than creating one (创建). */
  editing: boolean;
  onClose: () => void;
  submitTestId: string;
}

function useEditorFormProps({ editing, onClose, submitTestId }: EditorFormOptions) {
  const { t } = useTranslation();
  return {
    open: true,
    onOpenChange: (open: boolean) => {
      if (!open) onClose();
    },
    submitter: {
      searchConfig: { submitText: editing ? t('common.save') : t('common.create'), resetText: t('common.cancel') },
      submitButtonProps: testId(submitTestId),
    },
  };
}

/** The open / close / submit props of a 新建 / 编辑 ModalForm (mounted while open). */
export function useModalFormProps(options: EditorFormOptions) {
  return { ...useEditorFormProps(options), modalProps: { destroyOnHidden: true } };
}

/** The open / close / submit props of a 新建 / 编辑 DrawerForm (mounted while open). */
export function useDrawerFormProps({ drawerTestId, ...options }: EditorFormOptions & { drawerTestId: string }) {
  return { ...useEditorFormProps(options), drawerProps: { destroyOnHidden: true, ...testId(drawerTestId) } };
}

/** A list editor's 删除 of an unsaved row. */
export function RemoveRowButton({ testId: id, ...props }: Omit<ButtonProps, 'type' | 'icon'> & { testId: string }) {
  const { t } = useTranslation();
  return (
    <Button
      type="text"
      icon={<DeleteOutlined />}
      aria-label={t('metadata.remove')}
      title={t('metadata.remove')}
      data-testid={id}
      {...props}
    />
  );
}

/** A list editor's 添加 button (add-only rows). */
export function AddRowButton({ testId: id, ...props }: Omit<ButtonProps, 'type' | 'icon'> & { testId: string }) {
  return <Button type="dashed" size="small" icon={<PlusOutlined />} data-testid={id} {...props} />;
}
