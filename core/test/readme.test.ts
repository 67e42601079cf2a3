import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { configSchema } from '../src/config/config.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

it('the README names the key environment variables, each a real setting', () => {
  const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
  for (const name of ['HUILIU_PORT', 'HUILIU_DATA_DIR', 'HUILIU_OLTP_URL', 'HUILIU_OLAP_URL', 'HUILIU_SECRET_KEY']) {
    expect(readme, name).toContain(`\`${name}\``);
  }
  const keys = Object.keys((configSchema.describe() as { keys: Record<string, unknown> }).keys);
  for (const [, name] of readme.matchAll(/`HUILIU_([A-Z0-9_]+)`/g)) {
    const key = name!
      .split('__')[0]!
      .toLowerCase()
      .replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    expect(keys, `HUILIU_${name}`).toContain(key);
  }
});
