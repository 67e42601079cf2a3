// @vitest-environment jsdom
import '../../../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PluginContributions, PluginInfo } from '../../../api/types';
import { changeLanguage } from '../../../i18n';
import { stubFetch } from '../../../test-utils/fetch';
import PluginsPage from './PluginsPage';

const none: PluginContributions = {
  channelTypes: [],
  userIdTypes: [],
  eventTypes: [],
  triggers: [],
  actions: [],
  reportModels: [],
  presetDashboards: [],
  routes: [],
  schedules: [],
  migrations: [],
  olapRelations: [],
  permissions: [],
};

const info = (id: string, state: PluginInfo['state'], extra: Partial<PluginInfo> = {}): PluginInfo => ({
  id,
  version: '1.0.0',
  requires: { core: '^0.1.0' },
  dependencies: {},
  source: id === 'core' ? 'builtin' : 'package',
  packageName: id === 'core' ? null : `@huiliu/plugin-${id}`,
  state,
  namespace: id === 'core' ? null : id,
  contributions: none,
  defaultEnabled: true,
  enabledForTenant: true,
  ...extra,
});

function renderPage(items: PluginInfo[]) {
  stubFetch((request) => (request.url === '/api/v1/plugins' ? { status: 200, body: { items } } : { status: 404 }));
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <PluginsPage />
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

afterEach(async () => {
  vi.unstubAllGlobals();
  await changeLanguage('zh-CN');
});

describe('PluginsPage', () => {
  it('shows a plugin isolated after a failed start: its state, why, and what that means', async () => {
    renderPage([
      info('core', 'started'),
      info('wechat', 'started'),
      info('custom-channel', 'started', { namespace: 'custom' }),
      info('acme-crm', 'failed', { error: 'cannot reach the Acme API' }),
    ]);
    const state = await screen.findByTestId('plugin-state-acme-crm');
    expect(state.textContent).toBe('启动失败');
    expect(screen.getByTestId('plugin-error-acme-crm').textContent).toBe('cannot reach the Acme API');
    expect(screen.getByTestId('plugin-state-wechat').textContent).toBe('运行中');
    expect(screen.queryByTestId('plugin-error-wechat')).toBeNull();

    const alert = screen.getByTestId('plugins-failed-alert');
    expect(alert.textContent).toContain('1 个插件启动失败，已被隔离');
    expect(alert.textContent).toContain('acme-crm — cannot reach the Acme API');
    expect(alert.textContent).toContain('plugins.<id>.required');
    // A namespace other than the id is shown under it.
    expect(within(screen.getByTestId('plugin-row-custom-channel')).getByText('命名空间 custom')).toBeTruthy();
  });

  it('shows no failure notice when every plugin runs, in English too', async () => {
    await changeLanguage('en-US');
    renderPage([info('core', 'started'), info('wechat', 'started')]);
    expect((await screen.findByTestId('plugin-state-wechat')).textContent).toBe('Running');
    expect(screen.queryByTestId('plugins-failed-alert')).toBeNull();
  });

  it('says "Failed to start" in English', async () => {
    await changeLanguage('en-US');
    renderPage([info('core', 'started'), info('jinshuju', 'failed', { error: 'boom' })]);
    expect((await screen.findByTestId('plugin-state-jinshuju')).textContent).toBe('Failed to start');
    expect(screen.getByTestId('plugins-failed-alert').textContent).toContain('1 plugin(s) failed to start and are isolated');
  });

  it('shows whether each plugin is enabled for this tenant, and which are licensed add-ons', async () => {
    renderPage([
      info('core', 'started', { source: 'builtin' }),
      info('ledger', 'started', { enabledForTenant: false }),
      info('premium', 'started', { defaultEnabled: false, enabledForTenant: false }),
      info('vip', 'started', { defaultEnabled: false, enabledForTenant: true }),
    ]);
    await screen.findByTestId('plugin-row-ledger');
    expect(screen.getByTestId('plugin-tenant-core').textContent).toBe('已启用');
    expect(screen.getByTestId('plugin-tenant-ledger').textContent).toBe('未启用');
    expect(screen.getByTestId('plugin-tenant-premium').textContent).toBe('未启用');
    expect(screen.getByTestId('plugin-tenant-vip').textContent).toBe('已启用');
    expect(screen.getByTestId('plugin-licensed-premium').textContent).toBe('需开通');
    expect(screen.queryByTestId('plugin-licensed-ledger')).toBeNull();
    expect(screen.getByText('本租户')).toBeTruthy();
  });
});
