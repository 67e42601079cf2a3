import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification, Task } from '@huiliu/core/api-types';
import { allPlugins } from '../core/test/support/plugins.js';
import { createTenant, createTestApp, type TestApp } from '../core/test/support/test-app.js';
import { testEngines } from '../core/test/support/engines.js';
import { apiFromPage, launchBrowser, login, screenshot } from './browser.js';

/** The text of an element, or null while it is not there (for polling). */
async function textOrNull(locator: Locator): Promise<string | null> {
  return (await locator.count()) > 0 ? locator.first().textContent() : null;
}

/** The computed CSS colour of an element, e.g. `rgb(255, 77, 79)`. */
function colorOf(locator: Locator): Promise<string> {
  return locator.evaluate((element) => getComputedStyle(element).color);
}

// antd's default colorSuccess #52c41a and colorError #ff4d4f.
const GREEN = 'rgb(82, 196, 26)';
const RED = 'rgb(255, 77, 79)';

for (const engine of testEngines()) {
  describe(`console: notification center — bell, result files, task list [${engine}]`, () => {
    let app: TestApp;
    let browser: Browser;
    let base: string;

    beforeAll(async () => {
      // allPlugins includes the acme-crm fixture: its export task is a notifying task kind.
      app = await createTestApp(engine, {}, { plugins: allPlugins });
      await app.start(); // the worker runs queued tasks by itself within about a second
      base = `http://127.0.0.1:${app.server.info.port}`;
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await app?.close();
    });

    it('rings for a succeeded and a failed export, downloads the file, marks all read, lists and cancels tasks', async () => {
      const tenant = await createTenant(app, { name: '通知租户' });
      const context: BrowserContext = await browser.newContext({
        viewport: { width: 1366, height: 900 },
        locale: 'zh-CN',
        acceptDownloads: true,
      });
      const page: Page = await context.newPage();
      page.setDefaultTimeout(20_000);
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await login(page, base, tenant.email, tenant.password);

      // Nothing yet: the bell is there without a count.
      await page.getByTestId('notification-bell').waitFor();
      expect(await page.getByTestId('notification-badge').count()).toBe(0);

      // A note, then two exports of the notes started from the page (cookie + CSRF token).
      const noteText = `回访「华东大客户」${engine}-${Date.now()}`;
      expect((await apiFromPage(page, 'POST', '/api/v1/p/acme-crm/notes', { body: noteText })).status).toBe(201);
      const succeeded = await apiFromPage<{ taskId: string }>(page, 'POST', '/api/v1/p/acme-crm/exports', {});
      const failed = await apiFromPage<{ taskId: string }>(page, 'POST', '/api/v1/p/acme-crm/exports', { fail: true });
      expect([succeeded.status, failed.status]).toEqual([202, 202]);
      const okTaskId = succeeded.body.taskId;
      const failedTaskId = failed.body.taskId;
      const taskStatus = async (taskId: string) => (await apiFromPage<Task>(page, 'GET', `/api/v1/tasks/${taskId}`)).body.status;
      await expect.poll(() => taskStatus(okTaskId), { timeout: 15_000 }).toBe('succeeded');
      await expect.poll(() => taskStatus(failedTaskId), { timeout: 15_000 }).toBe('failed');

      // The bell polls every 15 s: it shows 2 unread without a reload.
      await expect.poll(() => textOrNull(page.getByTestId('notification-badge')), { timeout: 25_000 }).toBe('2');

      const notifications = (await apiFromPage<{ items: Notification[] }>(page, 'GET', '/api/v1/notifications')).body.items;
      const okNotification = notifications.find((n) => n.taskId === okTaskId)!;
      const failedNotification = notifications.find((n) => n.taskId === failedTaskId)!;
      expect(okNotification.files).toHaveLength(1);
      const fileId = okNotification.files[0]!.id;

      // Open the bell: the failure red with its error, the success green with its count and file.
      await page.getByTestId('notification-bell').click();
      const failedItem = page.getByTestId(`notification-item-${failedNotification.id}`);
      const okItem = page.getByTestId(`notification-item-${okNotification.id}`);
      await failedItem.waitFor();
      await okItem.waitFor();
      expect(await failedItem.getAttribute('data-level')).toBe('error');
      expect(await colorOf(page.getByTestId(`notification-level-icon-${failedNotification.id}`))).toBe(RED);
      expect(await page.getByTestId(`notification-error-${failedNotification.id}`).textContent()).toContain(
        'Acme API refused the export',
      );
      expect(await page.getByTestId(`notification-download-${fileId}`).count()).toBe(1);
      expect(await okItem.getAttribute('data-level')).toBe('success');
      expect(await colorOf(page.getByTestId(`notification-level-icon-${okNotification.id}`))).toBe(GREEN);
      expect(await page.getByTestId(`notification-counts-${okNotification.id}`).textContent()).toBe('notes：1');
      // No text for the fixture's kind: its id is the title.
      expect(await page.getByTestId(`notification-title-${okNotification.id}`).textContent()).toBe('acme-crm.exportNotes');
      expect(await okItem.getAttribute('data-read')).toBe('false');
      expect(await failedItem.getAttribute('data-read')).toBe('false');
      expect(await page.getByTestId('notifications-popover').textContent()).toContain('2 条未读');
      await screenshot(page, `notifications-${engine}-01-bell`);

      // The file downloads through a plain link with the note in it; clicking the item read it.
      const link = page.getByTestId(`notification-download-${fileId}`);
      expect(await link.getAttribute('href')).toBe(`/api/v1/files/${fileId}`);
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      expect(download.suggestedFilename()).toBe('acme-notes.csv');
      const csv = await readFile((await download.path())!, 'utf8');
      expect(csv).toContain(noteText);
      await expect.poll(() => textOrNull(page.getByTestId('notification-badge'))).toBe('1');
      await expect.poll(() => okItem.getAttribute('data-read')).toBe('true');

      // 全部已读: the count is gone.
      await page.getByTestId('notifications-read-all').click();
      await expect.poll(() => page.getByTestId('notification-badge').count()).toBe(0);
      await expect.poll(() => failedItem.getAttribute('data-read')).toBe('true');
      expect(await page.getByTestId('notifications-read-all').isDisabled()).toBe(true);

      // 查看全部 → 设置 → 通知中心: both, with their level tags, read; 未读 is empty.
      await page.getByTestId('notifications-view-all').click();
      await page.getByTestId('notifications-page').waitFor();
      expect(page.url()).toBe(`${base}/settings/notifications`);
      await page.getByTestId(`notification-row-${failedNotification.id}`).waitFor();
      expect(await page.getByTestId(`notification-level-${failedNotification.id}`).textContent()).toBe('失败');
      expect(await page.getByTestId(`notification-level-${okNotification.id}`).textContent()).toBe('成功');
      expect(await page.getByTestId(`notification-error-${failedNotification.id}`).textContent()).toContain(
        'Acme API refused the export',
      );
      expect(await page.getByTestId(`notification-counts-${okNotification.id}`).textContent()).toBe('notes：1');
      expect(await page.getByTestId(`notification-read-state-${okNotification.id}`).textContent()).toBe('已读');
      expect(await page.getByTestId(`notification-read-${okNotification.id}`).getAttribute('aria-disabled')).toBe('true');
      await page.getByTestId(`notification-download-${fileId}`).waitFor();
      await page.getByTestId('notifications-filter-unread').click();
      await page.getByTestId('notifications-page-empty-unread').waitFor();
      await page.getByTestId('notifications-filter-all').click();
      await page.getByTestId(`notification-row-${okNotification.id}`).waitFor();
      await screenshot(page, `notifications-${engine}-02-page`, { hideToasts: true });

      // Past its 3 days the file answers 410: it is shown disabled as 已过期, without a link.
      await app.oltp
        .forTenant(tenant.tenantId)
        .from('stored_file')
        .where('stored_file.id', fileId)
        .update({ expires_at: Date.now() - 1000 });
      expect((await apiFromPage(page, 'GET', `/api/v1/files/${fileId}`)).body).toMatchObject({ code: 'file_expired' });
      await page.reload();
      await page.getByTestId(`notification-file-expired-${fileId}`).waitFor();
      const expired = page.getByTestId(`notification-download-${fileId}`);
      expect(await expired.getAttribute('href')).toBeNull();
      expect(await expired.getAttribute('aria-disabled')).toBe('true');
      expect(await expired.textContent()).toContain('已过期');

      // A task waiting for later and one halfway through, seeded through the queue and the task
      // table (no product API delays a task or holds one running): both can be cancelled.
      const enqueueLater = async () =>
        (await app.jobs.queue.enqueue(
          tenant.tenantId,
          'acme-crm.exportNotes',
          {},
          { runAt: Date.now() + 3_600_000, createdBy: tenant.staffId },
        ))!.id;
      const laterId = await enqueueLater();
      const runningId = await enqueueLater();
      const now = Date.now();
      // Leased for an hour by a worker that does not exist: nobody else claims it.
      await app.oltp
        .forTenant(tenant.tenantId)
        .from('task')
        .where('task.id', runningId)
        .update({
          status: 'running',
          attempts: 1,
          progress: 45,
          lease_owner: 'e2e-absent-worker',
          lease_expires_at: now + 3_600_000,
          started_at: now,
          updated_at: now,
        });

      // 任务列表: 成功 / 失败 with the error, 排队中 cancellable; ended tasks cannot be cancelled.
      await page.getByTestId('notifications-tab-tasks').click();
      await page.getByTestId(`task-row-${okTaskId}`).waitFor();
      expect(page.url()).toBe(`${base}/settings/notifications?tab=tasks`);
      expect(await page.getByTestId(`task-status-${okTaskId}`).textContent()).toBe('成功');
      expect(await page.getByTestId(`task-status-${failedTaskId}`).textContent()).toBe('失败');
      expect(await page.getByTestId(`task-error-${failedTaskId}`).textContent()).toContain('Acme API refused the export');
      expect(await page.getByTestId(`task-counts-${okTaskId}`).textContent()).toBe('notes：1');
      expect(await page.getByTestId(`task-attempts-${failedTaskId}`).textContent()).toBe('1 / 3');
      expect(await page.getByTestId(`task-cancel-${okTaskId}`).getAttribute('aria-disabled')).toBe('true');
      expect(await page.getByTestId(`task-status-${laterId}`).textContent()).toBe('排队中');
      expect(await page.getByTestId(`task-status-${runningId}`).textContent()).toBe('进行中');
      expect(await page.getByTestId(`task-status-${runningId}`).locator('.anticon-spin').count()).toBe(1);
      expect(await page.getByTestId(`task-progress-${runningId}`).textContent()).toBe('45%');
      await screenshot(page, `notifications-${engine}-03-tasks`, { hideToasts: true });

      // Cancelling a running task asks it to stop (its worker aborts it at the next heartbeat).
      await page.getByTestId(`task-cancel-${runningId}`).click();
      await page.getByText('任务正在执行，将在当前步骤结束后停止').waitFor();
      await page.getByTestId(`task-cancel-confirm-${runningId}`).click();
      await page.getByText('已请求取消，任务将尽快停止').waitFor();

      await page.getByTestId(`task-cancel-${laterId}`).click();
      await page.getByTestId(`task-cancel-confirm-${laterId}`).click();
      await expect.poll(() => textOrNull(page.getByTestId(`task-status-${laterId}`))).toBe('已取消');
      expect(await taskStatus(laterId)).toBe('cancelled');
      expect(await page.getByTestId(`task-cancel-${laterId}`).getAttribute('aria-disabled')).toBe('true');

      // The language switch: the page in English.
      await page.getByTestId('lang-switch').click();
      await page.getByTestId('lang-option-en-US').click();
      await expect.poll(() => textOrNull(page.getByTestId(`task-status-${okTaskId}`))).toBe('Succeeded');
      expect(await page.getByTestId('notifications-tab-tasks').textContent()).toBe('Tasks');
      expect(pageErrors).toEqual([]);
      await context.close();
      // The bell polls every 15 s: room for one full interval.
    }, 120_000);
  });
}
