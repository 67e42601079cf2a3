import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { loadSecretBox, SecretBox } from '../src/config/secret-box.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'huiliu-config-'));

describe('configuration', () => {
  it('names the environment variable of a bad value', () => {
    expect(() => loadConfig({ env: { HUILIU_PORT: 'abc' }, cwd: tmp() })).toThrowError(/HUILIU_PORT: must be a number/);
  });

  it('names the file key of a bad value in huiliu.json', () => {
    const cwd = tmp();
    writeFileSync(path.join(cwd, 'huiliu.json'), JSON.stringify({ logLevel: 'loud' }));
    expect(() => loadConfig({ env: { HUILIU_DATA_DIR: cwd }, cwd })).toThrowError(/"logLevel" in .*huiliu\.json: must be one of/);
  });

  it('refuses an unknown HUILIU_ setting (a typo) but ignores the test harness variables', () => {
    let error: unknown;
    try {
      loadConfig({ env: { HUILIU_PROT: '3000', HUILIU_TEST_ENGINES: 'sqlite' }, cwd: tmp() });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(['HUILIU_PROT: is not allowed']);
  });

  it('takes env over the file over defaults, with nested keys through __', () => {
    const cwd = tmp();
    const dataDir = path.join(cwd, 'd');
    loadConfig({ env: { HUILIU_DATA_DIR: dataDir }, cwd }); // defaults work with no file
    writeFileSync(path.join(cwd, 'huiliu.json'), JSON.stringify({ port: 4000, logLevel: 'warn', session: { ttlHours: 2 } }));
    const fromFile = loadConfig({ env: { HUILIU_DATA_DIR: cwd }, cwd });
    expect(fromFile).toMatchObject({ port: 4000, logLevel: 'warn', session: { ttlHours: 2 }, host: '0.0.0.0', dataDir: cwd });
    const fromEnv = loadConfig({ env: { HUILIU_DATA_DIR: cwd, HUILIU_PORT: '5000', HUILIU_SESSION__TTL_HOURS: '3' }, cwd });
    expect(fromEnv).toMatchObject({ port: 5000, logLevel: 'warn', session: { ttlHours: 3 } });
  });

  it('defaults the data dir to ./data of the working directory and the port to 3000', () => {
    const cwd = tmp();
    const config = loadConfig({ env: {}, cwd });
    expect(config.dataDir).toBe(path.join(cwd, 'data'));
    expect(config.port).toBe(3000);
    expect(config.oltpUrl).toBeUndefined();
  });

  it('reads the proxy, request log, OLTP timeout, readiness and auth limits keys, with safe defaults', () => {
    const defaults = loadConfig({ env: {}, cwd: tmp() });
    expect(defaults).toMatchObject({
      trustProxy: 0,
      trustedProxies: [],
      logRequests: 'compact',
      oltp: { acquireTimeoutMs: 10_000, statementTimeoutMs: 60_000, busyTimeoutMs: 5_000 },
      readyTimeoutMs: 3_000,
      auth: { tokenRequestsPerMinute: 60, passwordConcurrency: 2, passwordQueue: 32 },
    });
    const set = loadConfig({
      env: {
        HUILIU_TRUST_PROXY: '1',
        HUILIU_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8',
        HUILIU_LOG_REQUESTS: 'full',
        HUILIU_OLTP__STATEMENT_TIMEOUT_MS: '0',
        HUILIU_OLTP__POOL_MAX: '4',
        HUILIU_READY_TIMEOUT_MS: '1500',
        HUILIU_AUTH__TOKEN_REQUESTS_PER_MINUTE: '10',
      },
      cwd: tmp(),
    });
    expect(set).toMatchObject({
      trustProxy: 1,
      trustedProxies: ['loopback', '10.0.0.0/8'],
      logRequests: 'full',
      oltp: { statementTimeoutMs: 0, poolMax: 4, acquireTimeoutMs: 10_000 },
      readyTimeoutMs: 1500,
      auth: { tokenRequestsPerMinute: 10 },
    });
    expect(() => loadConfig({ env: { HUILIU_LOG_REQUESTS: 'verbose' }, cwd: tmp() })).toThrowError(/HUILIU_LOG_REQUESTS/);
    expect(() => loadConfig({ env: { HUILIU_TRUSTED_PROXIES: '10.0.0.0/33' }, cwd: tmp() })).toThrowError(
      /HUILIU_TRUSTED_PROXIES: must list IP addresses or CIDRs/,
    );
  });

  it('accepts only mysql or sqlite OLTP URLs', () => {
    expect(() => loadConfig({ env: { HUILIU_OLTP_URL: 'postgres://x' }, cwd: tmp() })).toThrowError(/HUILIU_OLTP_URL/);
    expect(loadConfig({ env: { HUILIU_OLTP_URL: 'mysql://root@127.0.0.1:3306/huiliu' }, cwd: tmp() }).oltpUrl).toBe(
      'mysql://root@127.0.0.1:3306/huiliu',
    );
  });
});

describe('SecretBox', () => {
  it('seals and opens, and fails on tampering or the wrong associated data', () => {
    const box = new SecretBox(Buffer.alloc(32, 7));
    const sealed = box.seal('wx-app-secret', 'tenant:1');
    expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(sealed).not.toContain('wx-app-secret');
    expect(box.open(sealed, 'tenant:1')).toBe('wx-app-secret');
    expect(() => box.open(sealed, 'tenant:2')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'), 'tenant:1')).toThrow();
  });

  it('opens secrets sealed with a previous key after rotation', () => {
    const oldKey = Buffer.alloc(32, 1);
    const sealed = new SecretBox(oldKey).seal('s');
    const rotated = new SecretBox(Buffer.alloc(32, 2), [oldKey]);
    expect(rotated.open(sealed)).toBe('s');
    expect(rotated.seal('t').split('.')[1]).toBe(rotated.keyId);
    expect(() => new SecretBox(Buffer.alloc(32, 2)).open(sealed)).toThrow(/No key/);
  });

  it('generates ./data/secret.key with mode 0600 once and reuses it', () => {
    const dataDir = tmp();
    const first = loadSecretBox({ dataDir });
    const file = path.join(dataDir, 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    const second = loadSecretBox({ dataDir });
    expect(second.open(first.seal('x'))).toBe('x');
    expect(first.derive('cookie').equals(second.derive('cookie'))).toBe(true);
    expect(first.derive('cookie').equals(first.derive('other'))).toBe(false);
  });

  it('refuses a HUILIU_SECRET_KEY that is not 32 bytes', () => {
    expect(() => loadSecretBox({ dataDir: tmp(), secretKey: Buffer.alloc(16).toString('base64') })).toThrowError(
      /HUILIU_SECRET_KEY: must be 32/,
    );
  });
});

describe('plugin settings', () => {
  it('lets env variables (camelCase id) win over huiliu.json’s kebab-case key', async () => {
    const { pluginSettings } = await import('../src/config/config.js');
    const cwd = tmp();
    writeFileSync(
      path.join(cwd, 'huiliu.json'),
      JSON.stringify({ plugins: { 'acme-crm': { enabled: true, options: { a: 1, b: 2 } } } }),
    );
    const config = loadConfig({ env: { HUILIU_DATA_DIR: cwd, HUILIU_PLUGINS__ACME_CRM__ENABLED: 'false' }, cwd });
    expect(pluginSettings(config, 'acme-crm')).toEqual({ enabled: false, required: false, options: { a: 1, b: 2 } });
    expect(pluginSettings(config, 'wechat')).toEqual({ enabled: true, required: false, options: {} });
  });
});
