import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { kernelServices } from '../core/src/kernel/services.js';
import { channelsServiceRef } from '../core/src/modules/channels/channels.service.js';
import { contactsServiceRef } from '../core/src/modules/contacts/contacts.service.js';
import { ingestWorkerRef } from '../core/src/modules/ingestion/ingestion.module.js';
import { ingestionServiceRef } from '../core/src/modules/ingestion/ingestion.service.js';
import { uuidv7 } from '../core/src/modules/ingestion/message.js';
import { PluginIngestService } from '../core/src/modules/ingestion/plugin-ingest.js';
import { tenantServiceRef } from '../core/src/modules/tenancy/tenant.service.js';
import { pluginEnablementRef } from '../core/src/modules/tenant-plugins/plugin-enablement.js';
import { testEngines } from '../core/test/support/engines.js';
import { apiFromPage, clickMenu, login, screenshot } from './browser.js';
import { tenantWithWebApp, useConsoleApp } from './console-app.js';

/** Round trips on MariaDB and a computation (the app's own worker claims it) take a moment. */
const POLL = { timeout: 40_000, interval: 250 };

/** Opens an antd select and clicks the visible option whose text contains `text`. */
async function choose(page: Page, select: Locator, text: string, search = false): Promise<void> {
  await select.click();
  // Long lists are virtual: a searchable select is narrowed by typing first.
  if (search) await page.keyboard.type(text);
  const option = page
    .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option')
    .filter({ hasText: text })
    .first();
  await option.waitFor({ state: 'visible' });
  await option.click();
}

for (const engine of testEngines()) {
  describe(`console: 用户标签 — every kind created and computed, the report [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it('creates a tag of each of the seven kinds in the console, computes it to 完成 and shows its report', async () => {
      const { app, base } = ctx;
      const { tenant, admin, channel, collect } = await tenantWithWebApp(app, base, '标签租户');
      const purchase = await admin.request('POST', '/api/v1/metadata/event-types', {
        channelId: channel.id,
        code: 'purchase',
        name: '购买',
        properties: [
          { code: 'amount', name: '金额', type: 'number' },
          { code: 'sku', name: '商品', type: 'string' },
        ],
      });
      expect(purchase.statusCode).toBe(201);
      for (const userId of ['u1', 'u2'])
        expect((await collect('identify', { userId, traits: { name: userId } })).accepted).toBe(1);
      for (const [userId, sku, amount] of [
        ['u1', 'ball', 10],
        ['u1', 'ball', 20],
        ['u2', 'shoe', 100],
      ] as const)
        expect((await collect('track', { userId, event: 'purchase', properties: { sku, amount } })).accepted).toBe(1);
      // Comments of an official account's fans, recorded as the WeChat connector does.
      const wechat = await app
        .service(channelsServiceRef)
        .register(tenant.tenantId, { type: 'wechat', name: '服务号', channelKey: `wx${uuidv7().slice(-10)}` }, null);
      const ingest = new PluginIngestService('wechat', {
        ingestion: app.service(ingestionServiceRef),
        channels: app.service(channelsServiceRef),
        contacts: app.service(contactsServiceRef),
        tenants: app.service(tenantServiceRef),
        contributions: app.service(kernelServices.contributions),
        enablement: app.service(pluginEnablementRef),
      });
      await ingest.trackBatch(
        [
          ['fan-1', '文章写得太好了，非常有用，谢谢！'],
          ['fan-2', '发货太慢了，非常失望'],
        ].map(([openId, text]) => ({
          tenantId: tenant.tenantId,
          channelId: wechat.id,
          userIdType: 'wechat.openId',
          userId: openId!,
          messageId: uuidv7(),
          timestamp: Date.now() - 60_000,
          event: 'wechat_send_text',
          properties: { s_content: text },
        })),
      );
      await app.service(ingestWorkerRef).drain();
      const u1 = (
        (await app.oltp
          .forTenant(tenant.tenantId)
          .from('channel_account')
          .where({ id_type: 'externalId', user_id: 'u1' })
          .first()) as { contact_id: number | string }
      ).contact_id.toString();

      const page = await ctx.newPage();
      try {
        await login(page, base, tenant.email, tenant.password);
        await clickMenu(page, ['menu-tags']);
        await page.getByTestId('tags-page').waitFor();
        await page.getByTestId('tags-empty').waitFor();

        // 标签体系: a folder.
        await page.getByTestId('tag-folder-name').fill('会员');
        await page.getByTestId('tag-folder-create').click();
        await page.getByTestId('tag-folder-会员').waitFor();

        const editor = page.getByTestId('tag-editor');
        const open = async (kind: string, code: string, name: string) => {
          // The drawer's 保存 sits where the header's staff menu is: move off it, or its hover menu covers 新建标签.
          await page.mouse.move(600, 600);
          await page.getByTestId('tags-create').click();
          await editor.waitFor();
          await page.getByTestId('tag-name').fill(name);
          await page.getByTestId('tag-code').fill(code);
          await choose(page, page.getByTestId('tag-kind'), kind);
        };
        const save = async (code: string) => {
          await page.getByTestId('tag-save').click();
          await page.getByTestId(`tag-row-${code}`).waitFor();
          // Saving does not compute.
          expect(await page.getByTestId(`tag-status-${code}`).locator('[data-status]').getAttribute('data-status')).toBe('new');
        };
        const eventFields = async (property?: string) => {
          await choose(page, page.getByTestId('tag-rule-event'), '购买', true);
          if (property) await choose(page, page.getByTestId('tag-rule-property'), property, true);
        };

        // 自定义分层: one layer matching everyone.
        await open('自定义分层', 'tag_level', '会员等级');
        await page.getByTestId('tag-layer-0-value').fill('普通');
        await save('tag_level');
        // 事件偏好: top sku.
        await open('事件偏好', 'tag_fav', '偏好商品');
        await eventFields('商品');
        await save('tag_fav');
        // 事件指标: count of purchases.
        await open('事件指标', 'tag_orders', '购买次数');
        await eventFields();
        await save('tag_orders');
        // 事件首次/末次: the first amount.
        await open('事件首次/末次', 'tag_first', '首单金额');
        await eventFields('金额');
        await save('tag_first');
        // 自定义SQL.
        await open('自定义SQL', 'tag_sql', '累计消费');
        await page
          .getByTestId('tag-sql')
          .fill("SELECT contact_id, sum(p_amount) AS value FROM event_view WHERE event = 'purchase' GROUP BY contact_id");
        await save('tag_sql');
        // 外部文件: a CSV keyed by contact ID.
        await open('外部文件', 'tag_file', '积分等级');
        await editor.locator('input[type="file"]').setInputFiles({
          name: '积分.csv',
          mimeType: 'text/csv',
          buffer: Buffer.from(`用户ID,value\n${u1},金卡\n,空\n`, 'utf8'),
        });
        await page.getByTestId('tag-file').waitFor();
        expect(await page.getByTestId('tag-file-problems').textContent()).toContain('第 3 行');
        await save('tag_file');
        // 情感: both events chosen by default.
        await open('情感', 'tag_mood', '情感');
        await save('tag_mood');
        await screenshot(page, `tags-${engine}-01-list`, { hideToasts: true });

        // 立即计算 each: 完成.
        const codes = ['tag_level', 'tag_fav', 'tag_orders', 'tag_first', 'tag_sql', 'tag_file', 'tag_mood'];
        for (const code of codes) await page.getByTestId(`tag-compute-${code}`).click();
        for (const code of codes)
          await expect
            .poll(async () => {
              const status = await page.getByTestId(`tag-status-${code}`).locator('[data-status]').getAttribute('data-status');
              if (status !== 'compute_failed' && status !== 'failed') return status;
              // A failed computation says why (the tag's recorded error), not only that it failed.
              const listed = await apiFromPage<{ items: { code: string; error: unknown }[] }>(page, 'GET', '/api/v1/tags');
              return `${status}: ${JSON.stringify(listed.body.items.find((tag) => tag.code === code)?.error)}`;
            }, POLL)
            .toBe('done');
        await screenshot(page, `tags-${engine}-02-done`, { hideToasts: true });
        const tags = (await apiFromPage<{ items: { code: string; id: string }[] }>(page, 'GET', '/api/v1/tags')).body.items;
        for (const code of codes) {
          const tag = tags.find((candidate) => candidate.code === code)!;
          const calcs = (await apiFromPage(page, 'GET', `/api/v1/tags/${tag.id}/calcs`)).body.items as { contactCount: number }[];
          expect(calcs[0]!.contactCount, code).toBeGreaterThan(0);
        }

        // The report: the last 7 days are empty after a first computation; 今日 shows the values.
        await page.getByTestId('tag-report-tag_level').click();
        await page.getByTestId('tag-report').waitFor();
        await page.getByTestId('tag-report-empty').waitFor();
        await page.getByTestId('tag-report-today').click();
        await expect.poll(() => page.getByTestId('tag-report-value').allTextContents(), POLL).toEqual(['普通']);
        const cell = page.getByTestId('tag-report-cell').first();
        expect(await cell.textContent()).toBe('4');
        const href = decodeURIComponent((await cell.getAttribute('href')) ?? '');
        expect(href).toContain('/groups/new?condition=');
        expect(JSON.parse(href.split('condition=')[1]!)).toEqual({
          type: 'and',
          conditions: [
            { type: 'tag', tagId: tags.find((tag) => tag.code === 'tag_level')!.id, operator: 'eq', values: ['普通'] },
          ],
        });
        await page.getByTestId('tag-report-refresh').click();
        await expect
          .poll(async () => (await page.getByTestId('tag-report-refresh').getAttribute('class')) ?? '', POLL)
          .not.toContain('ant-btn-loading');
        await screenshot(page, `tags-${engine}-03-report`, { hideToasts: true });

        // A report cell → 新建动态组, prefilled with the tag leaf; saved, it computes to the cell's count.
        await cell.click();
        const drawer = page.getByTestId('group-dynamic-drawer');
        await drawer.getByTestId('condition-builder').waitFor();
        await drawer.getByTestId('group-name').fill('普通等级用户');
        await drawer.getByTestId('group-dynamic-save').click();
        await page.getByTestId('group-detail-page').waitFor();
        await expect.poll(async () => page.getByTestId('group-status').getAttribute('data-status'), POLL).toBe('done');
        expect(await page.getByTestId('group-member-count').getAttribute('data-count')).toBe('4');
      } catch (error) {
        await screenshot(page, `tags-${engine}-failure`);
        throw error;
      }
      // Seven tags created, computed and opened through the console: on MariaDB with parallel forks it took > 90 s.
    }, 240_000);
  });
}
