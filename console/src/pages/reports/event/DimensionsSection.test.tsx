// @vitest-environment jsdom
import '../../../test-utils/dom';
import type { ConditionCatalogue } from '@huiliu/core/conditions';
import type { ReportDimension } from '@huiliu/core/reports';
import { render, screen, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { ConfigProvider } from 'antd';
import { describe, expect, it, vi } from 'vitest';
import { DimensionsSection } from './DimensionsSection';

/** 城市 is masked for the staff member (the catalogue's `masked`, ADR 0069); 省份 is not. */
const catalogue: ConditionCatalogue = {
  timeZone: 'Asia/Shanghai',
  contactProperties: [
    { key: 'city', name: '城市', type: 'string', source: 'system', masked: true },
    { key: 'province', name: '省份', type: 'string', source: 'system' },
  ],
  events: [{ code: 'purchase', name: '购买', properties: [] }],
  groups: [],
  tags: [],
};

function renderSection(dimensions: ReportDimension[]) {
  const onChange = vi.fn<(dimensions: ReportDimension[]) => void>();
  render(
    // No motion: a closed dropdown is hidden at once (jsdom never ends a CSS transition).
    <ConfigProvider theme={{ token: { motion: false } }}>
      <DimensionsSection
        dimensions={dimensions}
        metrics={[{ id: 'A', kind: 'event', event: 'purchase', aggregate: 'count' }]}
        catalogue={catalogue}
        onChange={onChange}
        problems={[]}
      />
    </ConfigProvider>,
  );
  return { onChange, user: userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never }) };
}

describe('按…查看 (DimensionsSection)', () => {
  it('offers a user property masked for the staff member disabled, with 「该字段已脱敏」 on hover', async () => {
    const { user, onChange } = renderSection([{ kind: 'contactProperty', property: 'province' }]);
    await user.click(within(screen.getByTestId('report-dimension-0-property')).getByRole('combobox', { hidden: true }));
    const dropdown = document.querySelector<HTMLElement>('.ant-select-dropdown:not(.ant-select-dropdown-hidden)')!;
    const city = [...dropdown.querySelectorAll<HTMLElement>('.ant-select-item-option')].find(
      (option) => option.textContent === '城市',
    )!;
    expect(city.className).toContain('ant-select-item-option-disabled');
    await user.hover(city.querySelector<HTMLElement>('[data-masked="true"]')!);
    expect((await screen.findByRole('tooltip', { hidden: true })).textContent).toBe('该字段已脱敏');
    await user.click(city);
    expect(onChange).not.toHaveBeenCalled();
  });

  it('adds the first dimension the staff member may use, never a masked one', async () => {
    const { user, onChange } = renderSection([]);
    await user.click(screen.getByTestId('report-add-dimension'));
    expect(onChange).toHaveBeenCalledWith([{ kind: 'contactProperty', property: 'province' }]);
  });
});
