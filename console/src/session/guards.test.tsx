// @vitest-environment jsdom
import '../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { sessionQueryKey } from '../api/auth';
import type { Session } from '../api/types';
import { RequirePermission } from './guards';

function renderGuarded(disabledPlugins: string[], pluginId: string | undefined) {
  const client = new QueryClient();
  client.setQueryData(sessionQueryKey, {
    staff: { id: '1', tenantId: '1', isSuper: true },
    tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
    csrfToken: 'csrf',
    permissions: ['connections.edit'],
    disabledPlugins,
  } as unknown as Session);
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <RequirePermission permission="connections.edit" pluginId={pluginId}>
          <div data-testid="plugin-page">page</div>
        </RequirePermission>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('the page guard and plugins disabled for the tenant (ADR 0041)', () => {
  it('refuses the page of a plugin the platform operator disabled for the tenant', () => {
    renderGuarded(['custom-channel'], 'custom-channel');
    expect(screen.queryByTestId('plugin-page')).toBeNull();
    expect(screen.getByTestId('forbidden-page')).toBeTruthy();
  });

  it('shows it while the plugin is enabled, and core pages always', () => {
    renderGuarded(['premium'], 'custom-channel');
    expect(screen.getByTestId('plugin-page')).toBeTruthy();
  });

  it('shows a core page whatever is disabled', () => {
    renderGuarded(['custom-channel'], undefined);
    expect(screen.getByTestId('plugin-page')).toBeTruthy();
  });
});
