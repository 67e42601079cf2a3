import { Checkbox, Space, Table, type TableColumnsType, Tag, Tooltip, Typography } from 'antd';
import { type HTMLAttributes, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { PermissionCatalog, PermissionRow } from '../../../api/staff';
import { useLocalized } from '../../../utils/localized';
import { testId } from '../../../utils/test-id';
import { tickRight, untickRight } from './permission-closure';

/**
 * How many rows a cell of `column` spans: the first row of a run of equal keys spans the run, the
 * others 0 (antd's `rowSpan`), so 一级菜单 and 二级菜单 show once per group as in the seed's tables.
 */
export function rowSpans(rows: readonly PermissionRow[], key: (row: PermissionRow) => string): number[] {
  const spans = rows.map(() => 0);
  let start = 0;
  rows.forEach((row, index) => {
    if (index > 0 && key(row) !== key(rows[start]!)) start = index;
    spans[start] = spans[start]! + 1;
  });
  return spans;
}

/** A fixed row's own "（默认）" in its name is said by the 默认 tag beside it. */
function withoutDefaultMark(text: string): string {
  return text.replace(/\s*(（默认）|\(default\))$/, '');
}

/**
 * The permission matrix as a form control: the seed's rows grouped by 一级菜单 / 二级菜单 with one
 * checkbox per right and its 说明, then the rights beyond the seed's tables (其他权限). Fixed rows
 * are ticked and disabled; linked rights follow `permission-closure`.
 */
export function PermissionMatrix({
  catalog,
  value = [],
  onChange,
}: {
  catalog: PermissionCatalog;
  value?: string[];
  onChange?: (ids: string[]) => void;
}) {
  const { t } = useTranslation();
  const localized = useLocalized();
  const rows = useMemo(() => [...catalog.matrix, ...catalog.extra], [catalog]);
  const selected = new Set(value);
  const toggle = (row: PermissionRow, checked: boolean) =>
    onChange?.([...(checked ? tickRight(selected, row.id, rows) : untickRight(selected, row.id, rows))]);

  const menuKey = (row: PermissionRow) => row.menu['zh-CN'];
  const submenuKey = (row: PermissionRow) => `${row.menu['zh-CN']}/${row.submenu['zh-CN']}`;
  const menuSpans = rowSpans(catalog.matrix, menuKey);
  const submenuSpans = rowSpans(catalog.matrix, submenuKey);
  const indexOf = new Map(catalog.matrix.map((row, index) => [row.id, index]));

  const rightCell = (row: PermissionRow) => (
    <Space size={6}>
      <Checkbox
        checked={row.fixed || selected.has(row.id)}
        disabled={row.fixed}
        onChange={(event) => toggle(row, event.target.checked)}
        {...testId(`permission-${row.id}`)}
      >
        {row.fixed ? withoutDefaultMark(localized(row.right)) : localized(row.right)}
      </Checkbox>
      {row.fixed && (
        <Tooltip title={t('roles.editor.fixedHint')}>
          <Tag color="blue" data-testid={`permission-fixed-${row.id}`}>
            {t('roles.editor.fixed')}
          </Tag>
        </Tooltip>
      )}
    </Space>
  );
  const descriptionCell = (row: PermissionRow) =>
    row.description ? (
      <Typography.Text type="secondary">{localized(row.description)}</Typography.Text>
    ) : (
      <Typography.Text type="secondary">—</Typography.Text>
    );

  const columns: TableColumnsType<PermissionRow> = [
    {
      title: t('roles.editor.columns.menu'),
      key: 'menu',
      width: 140,
      render: (_, row) => localized(row.menu),
      onCell: (row) => ({ rowSpan: menuSpans[indexOf.get(row.id)!] }),
    },
    {
      title: t('roles.editor.columns.submenu'),
      key: 'submenu',
      width: 160,
      render: (_, row) => localized(row.submenu),
      onCell: (row) => ({ rowSpan: submenuSpans[indexOf.get(row.id)!] }),
    },
    { title: t('roles.editor.columns.right'), key: 'right', width: 220, render: (_, row) => rightCell(row) },
    { title: t('roles.editor.columns.description'), key: 'description', render: (_, row) => descriptionCell(row) },
  ];
  const onRow = (row: PermissionRow) => testId(`permission-row-${row.id}`) as HTMLAttributes<HTMLElement>;

  if (rows.length === 0) return <Typography.Text type="secondary">{t('roles.editor.permissions.none')}</Typography.Text>;
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="permission-matrix">
      <Typography.Text type="secondary">{t('roles.editor.permissions.linked')}</Typography.Text>
      {catalog.matrix.length > 0 && (
        <Table<PermissionRow>
          rowKey="id"
          size="small"
          bordered
          pagination={false}
          columns={columns}
          dataSource={catalog.matrix}
          onRow={onRow}
        />
      )}
      {catalog.extra.length > 0 && (
        <div data-testid="permission-extra">
          <Typography.Title level={5}>{t('roles.editor.extra')}</Typography.Title>
          <Table<PermissionRow>
            rowKey="id"
            size="small"
            bordered
            pagination={false}
            columns={columns.slice(2)}
            dataSource={catalog.extra}
            onRow={onRow}
          />
        </div>
      )}
      <Typography.Text type="secondary" data-testid="permission-selected-count">
        {t('roles.editor.permissions.selected', { count: rows.filter((row) => row.fixed || selected.has(row.id)).length })}
      </Typography.Text>
    </Space>
  );
}
