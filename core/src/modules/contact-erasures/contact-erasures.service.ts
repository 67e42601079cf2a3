import type { Logger } from 'pino';
import type { ContributionRegistry } from '../../kernel/contribution-registry.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import type { TaskQueue } from '../../jobs/task-queue.js';
import { isRetryable, RetryableTaskError, type Task, type TaskContext, type TaskResult } from '../../jobs/task.types.js';
import { InputError, NotFoundError, type ErrorDetail } from '../../server/errors.js';
import type { AnalyticsEngine } from '../../store/olap/analytics-engine.js';
import { isDeadlock } from '../../store/oltp/oltp-store.js';
import type { ChannelsService } from '../channels/channels.service.js';
import { backoff, IdentityConflictError, type ContactsService } from '../contacts/contacts.service.js';
import type { ErasedAccount } from '../contacts/contacts.types.js';
import type { FilesService } from '../files/files.service.js';
import type { IngestionService } from '../ingestion/ingestion.service.js';
import type { ContactErasuresRepo } from './contact-erasures.repo.js';
import {
  ERASE_TASK,
  erasureLimits,
  erasureTargets,
  toErasure,
  type ContactErasure,
  type ContactErasureItemRow,
  type ContactErasureRow,
  type ErasureKind,
} from './contact-erasures.types.js';

export const contactErasuresServiceRef = createServiceRef<ContactErasuresService>({ id: 'contact-erasures.erasures' });

/** What a TXT file of ids held: the ids in order, and what was left out. */
export interface ParsedIds {
  ids: string[];
  /** Empty (or whitespace-only) lines, skipped. */
  blankLines: number;
  /** Lines repeating an id of an earlier line, skipped. */
  duplicates: number;
}

/**
 * Reads a TXT file of ids, one per line (seed §2.2.6.1.3): UTF-8 (a BOM is dropped), LF or CRLF;
 * trailing whitespace is not part of an id (as the ingestion pipeline reads ids); blank lines and
 * repeated ids are skipped and counted. Refused as a whole: not UTF-8, no id at all, an id longer
 * than the account column (each such line named), more ids than one request takes.
 */
export function parseIdFile(bytes: Buffer): ParsedIds {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.includes('\uFFFD'))
    throw new InputError('contact_erasure_file_encoding', {}, [{ path: 'file', code: 'contact_erasure_file_encoding' }]);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const ids: string[] = [];
  const seen = new Set<string>();
  const tooLong: ErrorDetail[] = [];
  let blankLines = 0;
  let duplicates = 0;
  lines.forEach((line, index) => {
    const id = line.trimEnd();
    if (id.trim() === '') {
      // The newline ending the last line leaves an empty "line" that is not one.
      if (index < lines.length - 1 || line !== '') blankLines += 1;
      return;
    }
    if (id.length > erasureLimits.idLength) {
      tooLong.push({ path: `lines.${index + 1}`, code: 'contact_erasure_id_too_long' });
      return;
    }
    if (seen.has(id)) {
      duplicates += 1;
      return;
    }
    seen.add(id);
    ids.push(id);
  });
  if (tooLong.length > 0) {
    const line = tooLong[0]!.path.split('.')[1];
    throw new InputError('contact_erasure_id_too_long', { line, max: erasureLimits.idLength }, tooLong.slice(0, 100));
  }
  if (ids.length === 0)
    throw new InputError('contact_erasure_file_empty', {}, [{ path: 'file', code: 'contact_erasure_file_empty' }]);
  if (ids.length > erasureLimits.fileIds)
    throw new InputError('contact_erasure_too_many', { max: erasureLimits.fileIds, count: ids.length }, [
      { path: 'file', code: 'contact_erasure_too_many' },
    ]);
  return { ids, blankLines, duplicates };
}

const accountsOf = (item: ContactErasureItemRow): ErasedAccount[] =>
  item.accounts ? (JSON.parse(item.accounts) as ErasedAccount[]) : [];

const csvCell = (value: string) => (/[",\r\n]/.test(value) || /^[=+\-@]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/**
 * 删除用户数据 (seed §2.2.6) and 删除微信GDPR数据 (§1.9.1.3.18), ADR 0037. A request names a channel
 * and one id or a TXT file of ids; a task erases them, one id at a time, each in two steps that can
 * both be repeated: (1) one OLTP transaction deletes the person's channel accounts in that channel,
 * blanks the contact (name 已注销) and records the id as `erasing` with the deleted accounts; (2)
 * the contact-deletion hook's listeners are told (groups), the accounts' events are deleted from
 * OLAP, the inbox and the quarantine, and the id is recorded `deleted`. A crash anywhere resumes
 * from the first id not `deleted` / `not_found`: step (1) again for `pending` ids, step (2) for
 * `erasing` ones — never a half-erased person left behind. The end writes the downloadable list and
 * the task's result becomes the notification.
 */
export class ContactErasuresService {
  constructor(
    private readonly repo: ContactErasuresRepo,
    private readonly contacts: ContactsService,
    private readonly ingestion: IngestionService,
    private readonly channels: ChannelsService,
    private readonly olap: AnalyticsEngine,
    private readonly queue: TaskQueue,
    private readonly files: FilesService,
    private readonly contributions: ContributionRegistry,
    private readonly logger?: Logger,
  ) {}

  /** The channel and what may be erased in it (404 for another tenant's or a missing channel). */
  async target(tenantId: string, channelId: string) {
    const channel = await this.channels.get(tenantId, channelId);
    const target = erasureTargets[channel.type];
    if (!target)
      throw new InputError('contact_erasure_channel_unsupported', { type: channel.type }, [
        { path: 'channelId', code: 'contact_erasure_channel_unsupported' },
      ]);
    return { channel, ...target };
  }

  /** Records a request and enqueues its task. */
  async start(
    tenantId: string,
    input: { channelId: string; ids: readonly string[]; source: 'single' | 'file' },
    by: string | null,
  ): Promise<ContactErasure & { operation: string }> {
    const { kind, operation } = await this.target(tenantId, input.channelId);
    const id = await this.repo.transaction(async () => {
      const erasureId = await this.repo.insert(
        tenantId,
        {
          channel_id: input.channelId,
          kind,
          source: input.source,
          status: 'queued',
          total: input.ids.length,
          created_by: by,
          created_at: Date.now(),
        },
        input.ids,
      );
      const task = (await this.queue.enqueue(tenantId, ERASE_TASK, { erasureId }, { createdBy: by }))!;
      await this.repo.update(tenantId, erasureId, { task_id: task.id });
      return erasureId;
    });
    return { ...(await this.get(tenantId, id)), operation };
  }

  async get(tenantId: string, id: string): Promise<ContactErasure> {
    const row = await this.repo.find(tenantId, id);
    if (!row) throw new NotFoundError('contact_erasure_not_found');
    return toErasure(row);
  }

  async list(tenantId: string, query: { channelId?: string; page: number; pageSize: number }) {
    if (query.channelId) await this.channels.get(tenantId, query.channelId);
    const { rows, total } = await this.repo.page(tenantId, query);
    return { items: rows.map(toErasure), total, page: query.page, pageSize: query.pageSize };
  }

  /** The TXT template: one id per line (the two lines are examples to replace). */
  template(kind: ErasureKind): { filename: string; content: string } {
    return kind === 'wechatGdpr'
      ? { filename: 'wechat-gdpr-ids.txt', content: 'oAbCdEfGhIjKlMnOpQrStUvWxYz0\noAbCdEfGhIjKlMnOpQrStUvWxYz1\n' }
      : { filename: 'external-ids.txt', content: 'external_id_1\nexternal_id_2\n' };
  }

  /** A failed or cancelled task leaves its request `failed` (the ids done stay done). */
  async taskFinished(task: Task): Promise<void> {
    if (task.kind !== ERASE_TASK || task.status === 'succeeded') return;
    const id = String(task.payload.erasureId);
    const row = await this.repo.find(task.tenantId, id);
    if (!row || row.status === 'succeeded') return;
    const counts = await this.repo.counts(task.tenantId, id);
    await this.repo.update(task.tenantId, id, {
      status: 'failed',
      deleted: counts.deleted,
      not_found: counts.not_found,
      finished_at: Date.now(),
    });
  }

  // ---- the task ----------------------------------------------------------------------------------

  /**
   * Runs a request's task. Whatever stops it (a listener that fails, OLAP busy, the database gone)
   * is retried — every step can be repeated — until the task's attempts are used up.
   */
  async run(context: TaskContext): Promise<TaskResult> {
    try {
      return await this.erase(context);
    } catch (error) {
      if (context.signal.aborted || isRetryable(error)) throw error;
      this.logger?.warn(
        { err: error, tenantId: context.task.tenantId, taskId: context.task.id },
        'erasure stopped; it resumes on retry',
      );
      throw new RetryableTaskError('contact_erasure_interrupted', (error as Error).message);
    }
  }

  private async erase({ task, signal, progress }: TaskContext): Promise<TaskResult> {
    const tenantId = task.tenantId;
    const erasureId = String(task.payload.erasureId);
    const erasure = await this.repo.find(tenantId, erasureId);
    if (!erasure) return { data: { skipped: true } };
    if (erasure.status === 'succeeded') return this.result(erasure);
    await this.repo.update(tenantId, erasureId, { status: 'running' });
    const channelId = String(erasure.channel_id);
    const target = Object.values(erasureTargets).find((t) => t.kind === erasure.kind)!;
    const total = Number(erasure.total);
    let counts = await this.repo.counts(tenantId, erasureId);
    let done = counts.deleted + counts.not_found;

    for (;;) {
      signal.throwIfAborted();
      const items = await this.repo.unfinished(tenantId, erasureId, erasureLimits.chunk);
      if (items.length === 0) break;
      // Ids no account of the channel has: `not_found` at once, all of the chunk in one statement.
      const pending = items.filter((item) => item.state === 'pending');
      if (pending.length > 0) {
        const known = await this.contacts.knownUserIds(
          tenantId,
          channelId,
          target.idTypes,
          pending.map((item) => item.user_id),
        );
        const unknown = pending.filter((item) => !known.has(item.user_id));
        await this.repo.markNotFound(
          tenantId,
          unknown.map((item) => String(item.id)),
          Date.now(),
        );
        for (const item of unknown) item.state = 'not_found';
      }
      // Step 1 (OLTP, one transaction per id): accounts deleted, contact blanked, id `erasing`.
      for (const item of items) {
        if (item.state !== 'pending') continue;
        signal.throwIfAborted();
        await this.eraseInOltp(tenantId, channelId, target.idTypes, item);
      }
      // Step 2 (repeatable): listeners, OLAP events, inbox and quarantine; then `deleted`.
      const erasing = items.filter((item) => item.state === 'erasing');
      if (erasing.length > 0) {
        const at = Date.now();
        for (const item of erasing) {
          const event = {
            tenantId,
            contactId: String(item.contact_id),
            channelId,
            channelAccountIds: accountsOf(item).map((a) => a.id),
            at,
          };
          for (const listener of this.contributions.contactErasedListeners) await listener.definition(event);
        }
        const accounts = erasing.flatMap(accountsOf);
        await this.olap.forTenant(tenantId).deleteEventsByChannelAccounts(accounts.map((a) => a.id));
        await this.ingestion.purgeAccountMessages(tenantId, channelId, [...new Set(accounts.map((a) => a.userId))]);
        await this.repo.finishItems(
          tenantId,
          erasing.map((item) => String(item.id)),
          Date.now(),
        );
      }
      done += items.length;
      await progress(Math.min(99, Math.floor((done / Math.max(1, total)) * 100)));
    }

    // The blanked contacts reach OLAP now (the outbox drainer would within its pass).
    try {
      while ((await this.contacts.syncToOlap(tenantId)) > 0);
    } catch (error) {
      this.logger?.warn({ err: error, tenantId }, 'contact sync after an erasure failed; the worker retries');
    }

    counts = await this.repo.counts(tenantId, erasureId);
    const file = await this.files.save(tenantId, {
      name: `${erasure.kind === 'wechatGdpr' ? '删除微信GDPR数据' : '删除用户数据'}-${erasureId}.csv`,
      contentType: 'text/csv; charset=utf-8',
      content: await this.resultCsv(tenantId, erasureId),
      taskId: task.id,
      createdBy: erasure.created_by === null ? null : String(erasure.created_by),
      // The ids of erased accounts: for staff who may erase (the routes' permission).
      permission: 'connections.edit',
    });
    await this.repo.update(tenantId, erasureId, {
      status: 'succeeded',
      deleted: counts.deleted,
      not_found: counts.not_found,
      file_id: file.id,
      finished_at: Date.now(),
    });
    return this.result((await this.repo.find(tenantId, erasureId))!);
  }

  private result(row: ContactErasureRow): TaskResult {
    return {
      counts: { requested: Number(row.total), deleted: Number(row.deleted), notFound: Number(row.not_found) },
      fileIds: row.file_id === null ? [] : [String(row.file_id)],
      data: { erasureId: String(row.id) },
    };
  }

  /** Step 1 of one id, retried when it loses a race with the ingestion pipeline (deadlock, concurrent merge). */
  private async eraseInOltp(
    tenantId: string,
    channelId: string,
    idTypes: readonly string[],
    item: ContactErasureItemRow,
  ): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.repo.transaction(async () => {
          const now = Date.now();
          const erased = await this.contacts.eraseChannelData(tenantId, { channelId, idTypes, userId: item.user_id }, now);
          if (!erased) {
            await this.repo.setItem(tenantId, String(item.id), { state: 'not_found', done_at: now });
            item.state = 'not_found';
            return;
          }
          const accounts = JSON.stringify(erased.accounts);
          await this.repo.setItem(tenantId, String(item.id), { state: 'erasing', contact_id: erased.contactId, accounts });
          Object.assign(item, { state: 'erasing', contact_id: erased.contactId, accounts });
        });
        return;
      } catch (error) {
        if (!(error instanceof IdentityConflictError || isDeadlock(error)) || attempt >= 8) throw error;
        await backoff(attempt);
      }
    }
  }

  /** The downloadable list (seed §2.2.6.1.4): every id of the request, its contact and what became of it. */
  private async resultCsv(tenantId: string, erasureId: string): Promise<string> {
    const lines = ['ID,联系人ID,结果'];
    for (const item of await this.repo.items(tenantId, erasureId))
      lines.push(
        [
          csvCell(item.user_id),
          item.contact_id === null ? '' : String(item.contact_id),
          item.state === 'deleted' ? '已删除' : '未找到',
        ].join(','),
      );
    return `\uFEFF${lines.join('\r\n')}\r\n`;
  }
}
