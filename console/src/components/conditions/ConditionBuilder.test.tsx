// @vitest-environment jsdom
import '../../test-utils/dom';
import type { ConditionCatalogue, ConditionProblem, ConditionTree } from '@huiliu/core/conditions';
import { render, screen, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { ConfigProvider } from 'antd';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { ConditionBuilder } from './ConditionBuilder';

/** The builder's catalogue; `masked` names the contact properties the server flags as masked for the caller (ADR 0069). */
function catalogue(masked: readonly string[] = []): ConditionCatalogue {
  const properties: ConditionCatalogue['contactProperties'] = [
    { key: 'name', name: '姓名', type: 'string', source: 'system' },
    { key: 'province', name: '省份', type: 'string', source: 'system' },
    { key: 'age', name: '年龄', type: 'number', source: 'system' },
    { key: 'birthday', name: '生日', type: 'time', timeType: 'date', source: 'system' },
    { key: 'attr3', name: '是否会员', type: 'bool', source: 'custom' },
    { key: 'dynamic:birthday', name: '生日', type: 'time', timeType: 'date', source: 'dynamicDate' },
  ];
  return {
    timeZone: 'Asia/Shanghai',
    contactProperties: properties.map((property) => (masked.includes(property.key) ? { ...property, masked: true } : property)),
    events: [
      {
        code: 'purchase',
        name: '购买',
        properties: [
          { key: 'amount', name: '金额', type: 'number', source: 'custom' },
          { key: 'sku', name: '商品', type: 'string', source: 'custom' },
        ],
      },
      { code: 'submit_form', name: '提交表单', properties: [] },
    ],
    groups: [{ id: '12', name: '问卷' }],
    tags: [{ id: '7', name: '偏好', type: 'strings' }],
  };
}

/** Renders the builder as a page would (state owned outside), recording every tree it emits. */
function renderBuilder(initial: ConditionTree, problems?: ConditionProblem[], masked: readonly string[] = []) {
  const trees: ConditionTree[] = [];
  function Page() {
    const [tree, setTree] = useState(initial);
    // No motion: a closed dropdown is hidden at once (jsdom never ends a CSS transition).
    return (
      <ConfigProvider theme={{ token: { motion: false } }}>
        <ConditionBuilder
          value={tree}
          onChange={(next) => {
            trees.push(next);
            setTree(next);
          }}
          catalogue={catalogue(masked)}
          problems={problems}
        />
      </ConfigProvider>
    );
  }
  render(<Page />);
  return {
    // No pointer-events walk per click (another getComputedStyle chain): disabled controls are
    // asserted on their own.
    user: userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never }),
    lastTree: () => {
      expect(trees.length, 'the builder emitted no tree').toBeGreaterThan(0);
      return trees[trees.length - 1];
    },
  };
}

// Role queries pass `hidden: true`: the accessible name is still checked, but Testing Library skips
// its visibility check, a getComputedStyle walk over antd's ~200 kB of CSS that costs ~0.2 s per
// query in jsdom. Open dropdowns are told apart by antd's `-hidden` class instead.

const empty = (): ConditionTree => ({ type: 'and', conditions: [] });

type User = ReturnType<typeof userEvent.setup>;

/** Opens a select and clicks the option showing `label` in its (only open) dropdown. */
async function choose(user: User, combobox: HTMLElement, label: string) {
  await user.click(combobox);
  const dropdowns = document.querySelectorAll<HTMLElement>('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');
  const options = [...dropdowns].flatMap((dropdown) => [...dropdown.querySelectorAll<HTMLElement>('.ant-select-item-option')]);
  // An option shows its label (its `title`), and a property option its key after it.
  const option = options.find((candidate) => (candidate.getAttribute('title') ?? candidate.textContent) === label);
  expect(option, `option ${label} among ${options.map((candidate) => candidate.textContent).join(', ')}`).toBeDefined();
  await user.click(option!);
}

/** Opens a group's 添加条件 menu and picks a kind. */
async function addCondition(user: User, groupKey: string, kind: string) {
  await user.click(screen.getByTestId(`condition-group-${groupKey}-add`));
  const menu = document.querySelector<HTMLElement>('.ant-dropdown:not(.ant-dropdown-hidden)');
  expect(menu, 'the 添加条件 menu is open').not.toBeNull();
  await user.click(within(menu!).getByRole('menuitem', { name: kind, hidden: true }));
}

function optionLabels(): string[] {
  const dropdowns = document.querySelectorAll<HTMLElement>('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');
  return [...dropdowns].flatMap((dropdown) =>
    [...dropdown.querySelectorAll<HTMLElement>('.ant-select-item-option')].map(
      (option) => option.getAttribute('title') ?? option.textContent ?? '',
    ),
  );
}

describe('ConditionBuilder', () => {
  it('builds province eq [上海, 北京] from an empty tree as an operator would', async () => {
    const { user, lastTree } = renderBuilder(empty());
    expect(screen.getByTestId('condition-empty').textContent).toBe('还没有条件：匹配全部用户');

    await addCondition(user, 'root', '用户属性');
    const leaf = screen.getByTestId('condition-0-leaf');
    const property = within(leaf).getByRole('combobox', { name: '属性', hidden: true });
    await user.type(property, '省份{Enter}');
    expect(within(leaf).getByTestId('condition-0-operator').textContent).toContain('等于');
    await user.type(within(leaf).getByRole('combobox', { name: '值', hidden: true }), '上海{Enter}北京{Enter}');

    expect(lastTree()).toStrictEqual({
      type: 'and',
      conditions: [{ type: 'property', property: 'province', operator: 'eq', values: ['上海', '北京'] }],
    });
  });

  it('switches the root from AND to OR and keeps its conditions', async () => {
    const conditions: ConditionTree['conditions'] = [
      { type: 'property', property: 'province', operator: 'eq', values: ['上海'] },
      { type: 'group', groupId: '12', operator: 'in' },
    ];
    const { user, lastTree } = renderBuilder({ type: 'and', conditions });
    const relation = screen.getByTestId('condition-group-root-relation');
    expect(within(relation).getByRole('radio', { name: '且', hidden: true })).toHaveProperty('checked', true);

    await user.click(within(relation).getByText('或'));

    expect(lastTree()).toStrictEqual({ type: 'or', conditions });
    expect(within(relation).getByRole('radio', { name: '或', hidden: true })).toHaveProperty('checked', true);
  });

  it('adds a nested group with its own relation, which offers conditions but no further group', async () => {
    const { user, lastTree } = renderBuilder(empty());
    expect(screen.getAllByTestId('condition-add-group')).toHaveLength(1);

    await user.click(screen.getByTestId('condition-add-group'));
    const nested = screen.getByTestId('condition-group-0');
    expect(lastTree()).toStrictEqual({
      type: 'and',
      conditions: [{ type: 'or', conditions: [{ type: 'property', property: 'name', operator: 'eq', values: [] }] }],
    });
    expect(within(nested).queryByTestId('condition-add-group')).toBeNull();
    expect(within(nested).queryByText('添加条件组')).toBeNull();
    expect(screen.getAllByTestId('condition-add-group')).toHaveLength(1);

    await addCondition(user, '0', '用户群组');
    await user.click(within(screen.getByTestId('condition-group-0-relation')).getByText('且'));
    expect(lastTree()).toStrictEqual({
      type: 'and',
      conditions: [
        {
          type: 'and',
          conditions: [
            { type: 'property', property: 'name', operator: 'eq', values: [] },
            { type: 'group', groupId: '12', operator: 'in' },
          ],
        },
      ],
    });
    expect(within(nested).getByTestId('condition-0.1-leaf').getAttribute('data-leaf-type')).toBe('group');
  });

  it('builds an event leaf: did NOT purchase in the past 7 days excluding today, count ≥ 2', async () => {
    const { user, lastTree } = renderBuilder(empty());
    await addCondition(user, 'root', '用户行为');
    const leaf = screen.getByTestId('condition-0-leaf');

    await choose(user, within(leaf).getByRole('combobox', { name: '做过或未做过', hidden: true }), '未做过');
    const days = within(screen.getByTestId('condition-0-time')).getByRole('spinbutton', { name: '天数', hidden: true });
    expect(days).toHaveProperty('value', '30');
    await user.clear(days);
    await user.type(days, '7');
    await choose(user, within(leaf).getByRole('combobox', { name: '是否含今天', hidden: true }), '不含今天');

    await user.click(within(leaf).getByTestId('condition-0-add-measure'));
    const measure = screen.getByTestId('condition-0-measure');
    expect(within(measure).getByTestId('condition-0-measure-aggregate').textContent).toContain('次数');
    expect(within(measure).getByTestId('condition-0-measure-operator').textContent).toContain('大于等于');
    const count = within(measure).getByRole('spinbutton', { name: '值', hidden: true });
    await user.clear(count);
    await user.type(count, '2');

    expect(lastTree()).toStrictEqual({
      type: 'and',
      conditions: [
        {
          type: 'event',
          did: false,
          event: 'purchase',
          time: { kind: 'past', days: 7, includeToday: false },
          measure: { aggregate: 'count', operator: 'gte', values: [2] },
        },
      ],
    });
  });

  it('resets the operator and values when the property changes to another type', async () => {
    const { user, lastTree } = renderBuilder({
      type: 'and',
      conditions: [{ type: 'property', property: 'province', operator: 'contains', values: ['上'] }],
    });
    const leaf = screen.getByTestId('condition-0-leaf');
    expect(within(leaf).getByTestId('condition-0-operator').textContent).toContain('包含');

    await choose(user, within(leaf).getByRole('combobox', { name: '属性', hidden: true }), '年龄');
    expect(lastTree().conditions[0]).toStrictEqual({ type: 'property', property: 'age', operator: 'eq', values: [] });
    await user.click(within(leaf).getByRole('combobox', { name: '运算符', hidden: true }));
    expect(optionLabels()).toEqual(['等于', '不等于', '小于', '大于', '大于等于', '小于等于', '区间', '非空', '空值']);
    await user.keyboard('{Escape}');

    await choose(user, within(leaf).getByRole('combobox', { name: '属性', hidden: true }), '是否会员');
    expect(lastTree().conditions[0]).toStrictEqual({ type: 'property', property: 'attr3', operator: 'isTrue' });
    expect(within(leaf).queryByRole('combobox', { name: '值', hidden: true })).toBeNull();

    await choose(user, within(leaf).getByRole('combobox', { name: '属性', hidden: true }), '生日（动态日期）');
    expect(lastTree().conditions[0]).toStrictEqual({
      type: 'property',
      property: 'dynamic:birthday',
      operator: 'in',
      range: { kind: 'today' },
    });
  });

  it('edits a time property’s range: a preset, then a relative range from 7 days ago to 3 days later', async () => {
    const { user, lastTree } = renderBuilder({
      type: 'and',
      conditions: [
        { type: 'property', property: 'birthday', operator: 'in', range: { kind: 'past', days: 30, includeToday: true } },
      ],
    });
    const range = screen.getByTestId('condition-0-range');

    await user.click(within(range).getByTestId('condition-0-range-presets'));
    const menu = document.querySelector<HTMLElement>('.ant-dropdown:not(.ant-dropdown-hidden)');
    await user.click(within(menu!).getByRole('menuitem', { name: '本月', hidden: true }));
    expect(lastTree().conditions[0]).toStrictEqual({
      type: 'property',
      property: 'birthday',
      operator: 'in',
      range: { kind: 'thisMonth' },
    });

    await choose(user, within(range).getByRole('combobox', { name: '时间类型', hidden: true }), '相对时间区间');
    expect(lastTree().conditions[0]).toMatchObject({ range: { kind: 'relativeRange', from: -7, to: 0 } });
    await choose(user, within(range).getByRole('combobox', { name: '结束：天前或天后', hidden: true }), '天后');
    const toDays = within(range).getByRole('spinbutton', { name: '结束天数', hidden: true });
    await user.clear(toDays);
    await user.type(toDays, '3');
    expect(lastTree().conditions[0]).toStrictEqual({
      type: 'property',
      property: 'birthday',
      operator: 'in',
      range: { kind: 'relativeRange', from: -7, to: 3 },
    });
  });

  it('shows a field masked for the staff member disabled, with 「该字段已脱敏」 on hover, and never picks it', async () => {
    const { user, lastTree } = renderBuilder(empty(), undefined, ['name', 'province']);
    // A new leaf starts on the first property the staff member may use, not on a masked one.
    await addCondition(user, 'root', '用户属性');
    expect(lastTree()).toStrictEqual({
      type: 'and',
      conditions: [{ type: 'property', property: 'age', operator: 'eq', values: [] }],
    });
    const leaf = screen.getByTestId('condition-0-leaf');
    await user.click(within(leaf).getByRole('combobox', { name: '属性', hidden: true }));
    const dropdown = document.querySelector<HTMLElement>('.ant-select-dropdown:not(.ant-select-dropdown-hidden)')!;
    const optionOf = (label: string) =>
      [...dropdown.querySelectorAll<HTMLElement>('.ant-select-item-option')].find((option) =>
        option.textContent?.startsWith(label),
      )!;
    const province = optionOf('省份');
    expect(province.className).toContain('ant-select-item-option-disabled');
    expect(optionOf('年龄').className).not.toContain('ant-select-item-option-disabled');
    // The lock's tooltip says why.
    const label = province.querySelector<HTMLElement>('[data-masked="true"]')!;
    expect(label).not.toBeNull();
    await user.hover(label);
    expect((await screen.findByRole('tooltip', { hidden: true })).textContent).toBe('该字段已脱敏');
    // Clicking it picks nothing.
    const emitted = lastTree();
    await user.click(province);
    expect(lastTree()).toBe(emitted);
  });

  it('removes a leaf', async () => {
    const { user, lastTree } = renderBuilder({
      type: 'and',
      conditions: [
        { type: 'property', property: 'province', operator: 'eq', values: ['上海'] },
        { type: 'tag', tagId: '7', operator: 'containsAny', values: ['运动'] },
      ],
    });
    await user.click(screen.getByTestId('condition-0-remove'));
    expect(lastTree()).toStrictEqual({
      type: 'and',
      conditions: [{ type: 'tag', tagId: '7', operator: 'containsAny', values: ['运动'] }],
    });
    expect(screen.queryByTestId('condition-1-leaf')).toBeNull();
    expect(screen.getByTestId('condition-0-leaf').getAttribute('data-leaf-type')).toBe('tag');
  });

  it('lets nothing be edited, added or removed when disabled', () => {
    render(
      <ConditionBuilder
        value={{
          type: 'and',
          conditions: [
            { type: 'group', groupId: '12', operator: 'in' },
            { type: 'event', did: true, event: 'purchase', time: { kind: 'today' } },
          ],
        }}
        onChange={() => expect.fail('a disabled builder changed the tree')}
        catalogue={catalogue()}
        disabled
      />,
    );
    for (const testId of ['condition-group-root-add', 'condition-add-group', 'condition-0-remove', 'condition-1-add-filter']) {
      expect(screen.getByTestId(testId)).toHaveProperty('disabled', true);
    }
    expect(
      within(screen.getByTestId('condition-0-leaf')).getByRole('combobox', { name: '用户群组', hidden: true }),
    ).toHaveProperty('disabled', true);
    for (const radio of within(screen.getByTestId('condition-group-root-relation')).getAllByRole('radio', { hidden: true })) {
      expect(radio).toHaveProperty('disabled', true);
    }
  });

  it('shows the server’s problems on the leaf, filter row and group they name', () => {
    renderBuilder(
      {
        type: 'and',
        conditions: [
          { type: 'property', property: 'province', operator: 'eq', values: [] },
          {
            type: 'event',
            did: true,
            event: 'purchase',
            time: { kind: 'today' },
            filters: [{ property: 'amount', operator: 'gt', values: [] }],
          },
          { type: 'or', conditions: [{ type: 'group', groupId: '99', operator: 'in' }] },
        ],
      },
      [
        { path: 'conditions.0.values', code: 'condition_values_empty', message: '请至少输入一个值' },
        { path: 'conditions.1.filters.0.values', code: 'condition_values_count', message: '请输入一个数字' },
        { path: 'conditions.2', code: 'condition_malformed', message: '条件组有误' },
        { path: 'conditions.2.conditions.0.groupId', code: 'condition_group_unknown' },
      ],
    );

    const first = screen.getByTestId('condition-0-leaf');
    expect(within(first).getByRole('alert', { hidden: true }).textContent).toBe('请至少输入一个值');
    expect(first.getAttribute('aria-invalid')).toBe('true');
    expect(within(first).getByTestId('condition-0-values').className).toContain('ant-select-status-error');
    expect(within(first).getByTestId('condition-0-property').className).not.toContain('ant-select-status-error');

    const filterRow = screen.getByTestId('condition-1-filter-0');
    expect(within(filterRow).getByRole('alert', { hidden: true }).textContent).toBe('请输入一个数字');
    expect(screen.queryByTestId('condition-1-problems')).toBeNull();

    expect(screen.getByTestId('condition-group-2-problems').textContent).toBe('条件组有误');
    // No message from the server: the console's own text for the code (from core's message catalogue).
    expect(screen.getByTestId('condition-2.0-problems').textContent).toBe('用户群组不存在');
    expect(screen.queryByTestId('condition-group-root-problems')).toBeNull();
  });
});
