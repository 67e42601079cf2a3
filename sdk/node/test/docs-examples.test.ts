import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { firstPartyPlugins } from '../../../core/test/support/plugins.js';
import { describeEngines, type TestApp } from '../../../core/test/support/test-app.js';
import { HuiliuClient } from '../src/index.js';
import { baseOf, sdkTenant } from './support.js';

/**
 * The Node SDK guide's examples, executed (docs/integrators/node-sdk.md). Each example is an HTML
 * comment `<!-- example: <id> -->`, then a ```js block — a whole ES module script — and optionally a
 * ```text block with what it prints. The test swaps the placeholders for a real tenant's, runs the
 * script with node against the app on a real port (the package resolved as an integrator's code
 * resolves it: `@huiliu/sdk-node`, its built dist), compares the output line by line, drains the
 * pipeline and checks the data landed where the guide says. Every js block of the guide is one.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const GUIDE = 'docs/integrators/node-sdk.md';
const run = promisify(execFile);

interface Example {
  id: string;
  line: number;
  script: string;
  output: string[];
}

function examplesOf(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const fences: { lang: string; text: string; line: number }[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && !/^```\s*$/.test(lines[i]!); i += 1) body.push(lines[i]!);
    fences.push({ lang: open[1]!, text: body.join('\n'), line: start + 1 });
  }
  const markers = lines.flatMap((text, index) => {
    const match = /^<!-- example: ([a-z0-9-]+) -->$/.exec(text.trim());
    return match ? [{ id: match[1]!, line: index + 1 }] : [];
  });
  const examples = markers.map((marker, index) => {
    const next = markers[index + 1]?.line ?? Infinity;
    const [script, output] = fences.filter((f) => f.line > marker.line && f.line < next);
    if (script?.lang !== 'js') throw new Error(`${GUIDE}:${marker.line}: example ${marker.id} needs a js block`);
    return {
      id: marker.id,
      line: script.line,
      script: script.text,
      output: output?.lang === 'text' ? output.text.split('\n') : [],
    };
  });
  const tested = new Set(examples.map((e) => e.line));
  for (const fence of fences)
    if (fence.lang === 'js' && !tested.has(fence.line))
      throw new Error(`${GUIDE}:${fence.line}: a js block without <!-- example: id --> (every script of the guide is run)`);
  expect(new Set(examples.map((e) => e.id)).size, 'example ids are unique').toBe(examples.length);
  return examples;
}

const examples = examplesOf(readFileSync(path.join(repo, GUIDE), 'utf8'));

type Setup = Awaited<ReturnType<typeof setUp>>;

async function setUp(app: TestApp) {
  const t = await sdkTenant(app);
  const base = baseOf(app);
  const olap = app.olap.forTenant(t.tenantId);
  const count = async (sql: string, params: string[] = []) =>
    Number(((await olap.query(sql, { params, rowMode: 'json' })).rows as { n: number | bigint }[])[0]!.n);
  const client = new HuiliuClient({ baseUrl: base, appKey: t.appKey, appSecret: t.appSecret });
  const swap = (script: string) =>
    script
      .replaceAll("'https://cdp.example.com'", JSON.stringify(base))
      .replaceAll("'APP_KEY'", JSON.stringify(t.appKey))
      .replaceAll("'APP_SECRET'", JSON.stringify(t.appSecret))
      .replaceAll("'WRITE_KEY'", JSON.stringify(t.writeKey))
      .replaceAll("'udc_150QSaXlsu'", JSON.stringify(t.channelKey));
  return { t, count, client, swap };
}

/** What the guide claims beyond the printed output, by example id. */
const claims: Record<string, (s: Setup) => Promise<void>> = {
  'client-identify-track': async (s) => {
    const id = await s.t.contactOfUser('u-1001');
    expect((await s.client.contacts.get(id!)).name).toBe('张三');
    for (const messageId of ['order-20260301-0002', 'order-20260301-0003'])
      expect(await s.t.eventsWithId(messageId), messageId).toHaveLength(1);
    expect(await s.count(`SELECT count(*) AS n FROM event_view WHERE p_sku = 'SKU-1'`)).toBe(1);
  },
  'client-contacts': async (s) => {
    const contact = await s.client.contacts.get((await s.t.contactOfUser('u-1001'))!);
    expect(contact).toMatchObject({ company: '汇流科技', city: null });
  },
  'client-setup': async (s) => {
    const channels = await s.client.channels.list({ type: 'custom' });
    const store = channels.items.find((c) => c.name === '线下门店');
    expect(store).toBeTruthy();
    expect((await s.client.channels.apps(store!.id)).map((a) => a.name)).toEqual(['门店收银']);
  },
  'client-errors': async (s) => {
    expect(await s.t.contactOfUser('u-1002')).toBeUndefined();
  },
  'analytics-track': async (s) => {
    const person = await s.t.contactOfUser('u-2001');
    expect(person).toBeTruthy();
    expect(await s.t.contactOfCookie('ck_77')).toBe(person);
    expect((await s.client.contacts.get(person!)).name).toBe('李四');
    expect(await s.count(`SELECT count(*) AS n FROM event_view WHERE p_sku = 'SKU-3003'`)).toBe(1);
  },
  'analytics-exit': async (s) => {
    expect(await s.count(`SELECT count(*) AS n FROM event_view WHERE p_sku = 'SKU-EXIT'`)).toBe(1);
  },
  'analytics-bulk': async (s) => {
    expect(await s.count(`SELECT count(*) AS n FROM events WHERE message_id LIKE 'import-20260301-%'`)).toBe(5000);
  },
  'analytics-errors': async () => undefined,
};

it('every example of the guide has its claims, and every claim its example', () => {
  expect(examples.map((e) => e.id).sort()).toEqual(Object.keys(claims).sort());
});

describeEngines(
  'sdk-node: the guide’s examples run',
  (ctx) => {
    let s: Setup;
    beforeAll(async () => {
      await ctx.app.start();
      s = await setUp(ctx.app);
    });

    for (const example of examples)
      it(`${example.id} (${GUIDE}:${example.line})`, async () => {
        const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', s.swap(example.script)], {
          cwd: repo,
          timeout: 60_000,
        });
        expect(stderr).toBe('');
        const printed = stdout.trimEnd() === '' ? [] : stdout.trimEnd().split('\n');
        expect(printed).toEqual(example.output);
        await s.t.drain();
        await claims[example.id]!(s);
      });
  },
  { plugins: firstPartyPlugins },
);
