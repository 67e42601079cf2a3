import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { snippetsOf } from '../../../e2e/sdk-site.js';
import { asyncSnippet, scriptTagSnippet } from '../console/snippets.js';

/** The app page's snippets are the guide's (docs/integrators/web-sdk.md), which the Chromium test runs. */
const guide = snippetsOf(
  readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/integrators/web-sdk.md'), 'utf8'),
);

describe('web SDK snippets of the app page', () => {
  it('the script tag, with and without a WeChat appId, is the guide’s', () => {
    expect(scriptTagSnippet('https://cdp.example.com', 'WRITE_KEY')).toBe(guide.get('script-tag'));
    expect(scriptTagSnippet('https://cdp.example.com', 'WRITE_KEY', 'wx1f7fbd28ac009cd0')).toBe(guide.get('wechat-script-tag'));
  });

  it('the async loader is the guide’s, without its example call', () => {
    const lines = guide.get('async')!.split('\n');
    expect(asyncSnippet('https://cdp.example.com', 'WRITE_KEY')).toBe(
      lines.filter((line) => !line.trim().startsWith('huiliu.track(')).join('\n'),
    );
  });
});
