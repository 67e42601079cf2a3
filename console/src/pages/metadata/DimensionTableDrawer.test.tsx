// @vitest-environment jsdom
import '../../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DimensionTable } from '../../api/metadata';
import { stubFetch, type FakeRequest, type FakeReply } from '../../test-utils/fetch';
import { DimensionTableDrawer } from './DimensionTableDrawer';

function table(overrides: Partial<DimensionTable> = {}): DimensionTable {
  return {
    id: '9',
    code: 'sku',
    name: '商品SKU',
    linkTarget: 'event',
    linkProperty: 'sku_id',
    linkPropertyName: 'SKU',
    fields: [
      { id: '1', code: 'sku_id', name: 'SKU', type: 'string' },
      { id: '2', code: 'color', name: '颜色', type: 'string' },
    ],
    primaryField: 'sku_id',
    status: 'ready',
    rowCount: 120,
    loadedAt: 1_700_000_000_000,
    taskId: null,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

/** The API the drawer reads (property lists) and writes (PATCH answers the table). */
function api(request: FakeRequest): FakeReply {
  if (request.url.startsWith('/api/v1/metadata/event-properties')) {
    return {
      status: 200,
      body: {
        items: [
          {
            id: '1',
            code: 'sku_id',
            name: 'SKU',
            names: { 'zh-CN': 'SKU', 'en-US': 'SKU' },
            type: 'string',
            source: 'custom',
            createdAt: 1,
            updatedAt: 1,
          },
        ],
      },
    };
  }
  if (request.url === '/api/v1/conditions/catalogue') {
    return {
      status: 200,
      body: {
        timeZone: 'Asia/Shanghai',
        contactProperties: [{ key: 'city', name: '城市', type: 'string', source: 'system' }],
        events: [],
        groups: [],
        tags: [],
      },
    };
  }
  if (request.method === 'PATCH') return { status: 200, body: table() };
  return { status: 404, body: { statusCode: 404, code: 'route_not_found', message: 'not found', requestId: 'r' } };
}

function renderDrawer(current: DimensionTable) {
  const onSaved = vi.fn();
  const onClose = vi.fn();
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ConfigProvider theme={{ token: { motion: false } }}>
        <App>
          <DimensionTableDrawer table={current} onClose={onClose} onSaved={onSaved} />
        </App>
      </ConfigProvider>
    </QueryClientProvider>,
  );
  const user = userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never });
  const radios = () =>
    within(screen.getByTestId('dimension-fields')).getAllByRole('radio', { hidden: true }) as HTMLInputElement[];
  return { user, onSaved, onClose, radios };
}

afterEach(() => vi.unstubAllGlobals());

describe('DimensionTableDrawer (§1.10.13.3.1)', () => {
  it('disables the primary key when the table has data, and keeps saved fields', async () => {
    stubFetch(api);
    const { user, radios } = renderDrawer(table());
    expect(screen.getByTestId('dimension-primary-locked').textContent).toContain('维度表已有数据或正在清空，主键不可修改');
    expect(radios()).toHaveLength(2);
    expect(radios().map((radio) => radio.disabled)).toEqual([true, true]);
    expect(radios().map((radio) => radio.checked)).toEqual([true, false]);
    // The ID is fixed, saved fields cannot be removed; a new field can be, before saving.
    expect((screen.getByTestId('dimension-table-code') as HTMLInputElement).disabled).toBe(true);
    expect(screen.queryByTestId('dimension-field-0-remove')).toBeNull();
    expect(screen.queryByTestId('dimension-field-1-remove')).toBeNull();
    expect((screen.getByTestId('dimension-field-0-code') as HTMLInputElement).disabled).toBe(true);
    await user.click(screen.getByTestId('dimension-field-add'));
    expect(radios()[2]!.disabled).toBe(true);
    await user.click(screen.getByTestId('dimension-field-2-remove'));
    expect(screen.queryByTestId('dimension-field-2')).toBeNull();
  });

  it('is also locked while clearing, even when no rows remain', () => {
    stubFetch(api);
    const { radios } = renderDrawer(table({ status: 'clearing', rowCount: 0 }));
    expect(radios().every((radio) => radio.disabled)).toBe(true);
    expect(screen.getByTestId('dimension-primary-locked')).toBeTruthy();
  });

  it('lets an empty table change its primary key and sends only the change', async () => {
    const requests = stubFetch(api);
    const { user, radios, onSaved } = renderDrawer(table({ status: 'empty', rowCount: 0, loadedAt: null }));
    expect(screen.queryByTestId('dimension-primary-locked')).toBeNull();
    expect(radios().map((radio) => radio.disabled)).toEqual([false, false]);
    await user.click(radios()[1]!);
    expect(radios().map((radio) => radio.checked)).toEqual([false, true]);
    await user.click(screen.getByTestId('dimension-table-submit'));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const patch = requests.find((request) => request.method === 'PATCH');
    expect(patch?.url).toBe('/api/v1/metadata/dimension-tables/9');
    expect(JSON.parse(String(patch?.body))).toEqual({ primaryField: 'color' });
  });
});
