import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');

/**
 * Review of issue 17: a newcomer following docs/integrators/node-sdk.md literally starts with
 * `npm install @huiliu/sdk-node`, which answers 404: the package is `"private": true` (never
 * published), and its .d.ts files import `@huiliu/core/api-types` from an optional peer that an
 * integrator's project does not have (the SDK's types silently become `any`). The guide must say how
 * to get the SDK as it is shipped, or the package must be publishable with self-contained types.
 */
it('node-sdk.md installs the SDK in a way that works (a published package, or the way it is shipped)', () => {
  const guide = readFileSync(path.join(root, 'docs/integrators/node-sdk.md'), 'utf8');
  const pkg = JSON.parse(readFileSync(path.join(root, 'sdk/node/package.json'), 'utf8')) as {
    private?: boolean;
    dependencies?: Record<string, string>;
  };
  const saysNpmInstall = /npm install @huiliu\/sdk-node\b/.test(guide);
  if (saysNpmInstall) {
    expect(pkg.private, 'the guide says `npm install @huiliu/sdk-node` but the package is private (npm: 404)').not.toBe(true);
    const types = readFileSync(path.join(root, 'sdk/node/src/index.ts'), 'utf8');
    expect(
      /from '@huiliu\/core\/api-types'/.test(types) && !pkg.dependencies?.['@huiliu/core'],
      'the published types import @huiliu/core/api-types, which an integrator does not install',
    ).toBe(false);
  }
});
