import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { PermissionRegistry } from '../src/kernel/permissions.js';
import { kernelServices } from '../src/kernel/services.js';
import { createServer } from '../src/server/server.js';
import { defineRoute } from '../src/server/route.js';

function server(routes: Parameters<typeof createServer>[0]['routes']) {
  return createServer({
    host: '127.0.0.1',
    port: 0,
    version: '0.0.0',
    logger: pino({ level: 'silent' }),
    consoleDir: '/nonexistent',
    strictResponses: true,
    routes,
    auth: {
      cookiePassword: 'x'.repeat(43),
      secureCookies: false,
      sessionTtlMs: 1000,
      permissions: new PermissionRegistry(),
      principalForSession: async () => null,
      principalForToken: async () => null,
    },
  });
}

describe('route permissions', () => {
  it('refuses to start with an API route that declares no permission', async () => {
    const s = await server([{ method: 'GET', path: '/api/v1/naked', handler: () => 'x' }]);
    await expect(s.initialize()).rejects.toThrow('Route GET /api/v1/naked declares no permission');
  });

  it('refuses to start with an unknown permission', async () => {
    const s = await server([
      defineRoute({ method: 'GET', path: '/api/v1/x', access: { permission: 'made.up' }, handler: () => 'x' }),
    ]);
    await expect(s.initialize()).rejects.toThrow('unknown permission "made.up"');
  });

  it('refuses a malformed or duplicate permission id', () => {
    const registry = new PermissionRegistry([]);
    expect(() => registry.add({ id: 'NoDot' })).toThrow(/<menu>.<action>/);
    registry.add({ id: 'contacts.export' });
    expect(() => registry.add({ id: 'contacts.export' })).toThrow(/twice/);
  });

  it('gives super staff every permission and normal staff only the fixed ones (rows the core modules contribute)', async () => {
    const { createTestApp } = await import('./support/test-app.js');
    const app = await createTestApp('sqlite');
    const registry = app.kernel.get(kernelServices.permissions);
    await app.close();
    expect(registry.forStaff({ isSuper: true }).has('apps.edit')).toBe(true);
    const normal = registry.forStaff({ isSuper: false });
    expect([...normal]).toEqual(
      expect.arrayContaining(['contacts.view', 'connections.view', 'metadata.view', 'settings.shortLinks']),
    );
    expect(normal.has('apps.edit')).toBe(false);
    expect([...registry.forApp()].sort()).toEqual([
      'connections.edit',
      'connections.view',
      'contacts.identify',
      'contacts.read',
      'contacts.update',
      'events.read',
      'events.track',
      'metadata.manage',
      'metadata.view',
      'tasks.view',
      'tenant.view',
    ]);
  });
});
