// @vitest-environment jsdom
import '../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { ConfigProvider } from 'antd';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Department, DepartmentTree } from '../api/departments';
import { stubFetch } from '../test-utils/fetch';
import { DepartmentPicker } from './DepartmentPicker';

const department = (id: string, name: string, parentId: string | null): Department => ({
  id,
  name,
  parentId,
  sort: 0,
  staffCount: 0,
  createdAt: 0,
  updatedAt: 0,
});

const departments = [
  department('1', '总公司', null),
  department('2', '市场部', '1'),
  department('3', '市场一组', '2'),
  department('4', '销售部', '1'),
];

function renderPicker(tree: DepartmentTree, value?: string, onChange = vi.fn()) {
  stubFetch(() => ({ status: 200, body: tree }));
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ConfigProvider theme={{ token: { motion: false } }}>
        <DepartmentPicker value={value} onChange={onChange} />
      </ConfigProvider>
    </QueryClientProvider>,
  );
  return { user: userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never }), onChange };
}

const openTitles = () =>
  [...document.querySelectorAll<HTMLElement>('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-tree-treenode')]
    // (rc-tree also renders a hidden node it measures, without a title.)
    .filter((node) => node.querySelector('.ant-select-tree-title'))
    .map((node) => [node.querySelector('.ant-select-tree-title')?.textContent, node.className.includes('disabled')]);

afterEach(() => vi.unstubAllGlobals());

describe('DepartmentPicker — 更新所属部门', () => {
  it('offers only the staff member’s own department and those below it', async () => {
    const { user, onChange } = renderPicker({ orgEnabled: true, departments, myDepartmentId: '2', assignableIds: ['2', '3'] });
    const picker = screen.getByTestId('department-picker');
    await waitFor(() => expect(picker.className).not.toContain('disabled'));
    await user.click(within(picker).getByRole('combobox', { hidden: true }));
    await waitFor(() =>
      expect(openTitles()).toEqual([
        ['市场部', false],
        ['市场一组', false],
      ]),
    );
    const node = [...document.querySelectorAll<HTMLElement>('.ant-select-tree-node-content-wrapper')].find(
      (n) => n.textContent === '市场一组',
    )!;
    await user.click(node);
    expect(onChange).toHaveBeenCalledWith('3');
  });

  it('shows an object’s current department outside the choices by name, not pickable', async () => {
    const { user } = renderPicker({ orgEnabled: true, departments, myDepartmentId: '2', assignableIds: ['2', '3'] }, '4');
    const picker = screen.getByTestId('department-picker');
    await waitFor(() => expect(picker.textContent).toContain('销售部'));
    await user.click(within(picker).getByRole('combobox', { hidden: true }));
    await waitFor(() => expect(openTitles()[0]).toEqual(['销售部', true]));
  });

  it('is disabled, saying why, while 组织架构 is off', async () => {
    renderPicker({ orgEnabled: false, departments, myDepartmentId: '2', assignableIds: [] });
    await waitFor(() => expect(screen.getByTestId('department-picker').textContent).toContain('未开启组织架构'));
    expect(screen.getByTestId('department-picker').className).toContain('disabled');
  });

  it('is disabled for a staff member in no department', async () => {
    renderPicker({ orgEnabled: true, departments, myDepartmentId: null, assignableIds: [] });
    await waitFor(() => expect(screen.getByTestId('department-picker').textContent).toContain('你不在任何部门'));
  });
});
