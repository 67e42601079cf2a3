import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

/** The builds of sdk/web (esbuild): the script tag's IIFE keeps within its size budget. */
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUDGET = 8192;

describe('web SDK builds', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [path.join(dir, 'build.mjs')]);
  });

  it(`huiliu.min.js is at most ${BUDGET} bytes gzipped`, () => {
    const minified = readFileSync(path.join(dir, 'dist', 'huiliu.min.js'));
    const gzipped = gzipSync(minified, { level: 9 }).length;
    expect(gzipped).toBeGreaterThan(1000);
    expect(gzipped).toBeLessThanOrEqual(BUDGET);
  });

  it('the ESM build exports the API and makes RFC 9562 UUIDv7 ids in time order', async () => {
    const version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    const sdk = (await import(path.join(dir, 'dist', 'huiliu.esm.js'))) as {
      createHuiliu: unknown;
      uuidv7: () => string;
      version: string;
    };
    expect(typeof sdk.createHuiliu).toBe('function');
    expect(sdk.version).toBe(version);
    const before = Date.now();
    const ids = Array.from({ length: 200 }, () => sdk.uuidv7());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(Date.now());
    }
  });
});
