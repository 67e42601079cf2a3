import type { Logger } from 'pino';
import { createServiceRef } from '../../kernel/extension-point.js';
import type { TaskMutex } from '../../jobs/task-mutex.js';
import type { TaskQueue } from '../../jobs/task-queue.js';
import { RetryableTaskError, type TaskContext, type TaskResult } from '../../jobs/task.types.js';
import { ConflictError, InputError, NotFoundError } from '../../server/errors.js';
import type { ContactMasker } from '../masking/masking.service.js';
import type { ContactMerge, ContactsService } from '../contacts/contacts.service.js';
import {
  DEFAULT_RULES,
  DEDUPE_FIELDS,
  EXCLUDED_VALUE_LENGTH,
  EXCLUDED_VALUES_MAX,
  dedupeColumn,
  duplicateSets,
  normalValue,
  type DedupeField,
  type DedupeMode,
  type DedupeRules,
  type Holder,
} from './dedupe-rules.js';
import type { DedupeRepo, DedupeRunRow, DedupeRunStatus, DedupeSetRow, DedupeSetStatus, DedupeTrigger } from './dedupe.repo.js';

export const dedupeServiceRef = createServiceRef<DedupeService>({ id: 'dedupe.service' });

/** The task of a dedupe run (启动查重, and the nightly automatic run that merges every set). */
export const DEDUPE_TASK = 'dedupe.run';
/** The mutex that keeps one dedupe run per tenant at a time. */
const DEDUPE_MUTEX = 'dedupe';
/**
 * The key the nightly run's task is enqueued under (UNIQUE with the tenant and the firing's due time:
 * once per firing). Not the schedule's own key `dedupe:auto-merge`, which its firing task holds.
 */
export const DEDUPE_AUTO_KEY = 'dedupe:auto-merge.task';
/** Sets one merge request may name. */
export const MERGE_SETS_MAX = 500;

export interface DedupeSettings extends DedupeRules {
  autoMerge: boolean;
  /** False until the tenant saves its rules (the defaults apply; the nightly run does not). */
  saved: boolean;
  updatedAt: number | null;
}

export interface DedupeRun {
  id: string;
  trigger: DedupeTrigger;
  status: DedupeRunStatus;
  rules: DedupeRules;
  taskId: string | null;
  createdBy: string | null;
  setCount: number;
  contactCount: number;
  mergedCount: number;
  staleCount: number;
  startedAt: number;
  finishedAt: number | null;
}

/** A member of a set as the review shows it (values masked per caller by the routes). */
export interface DedupeMember {
  id: string;
  /** False when the contact is gone (merged away or deleted since the run). */
  exists: boolean;
  /** True when the contact changed since the run (its `updated_at` moved): the set is stale. */
  changed: boolean;
  identified: boolean;
  name: string | null;
  nickname: string | null;
  mobile: string | null;
  idCard: string | null;
  email: string | null;
  updatedAt: number;
}

export interface DedupeSet {
  id: string;
  runId: string;
  status: DedupeSetStatus;
  matchedFields: DedupeField[];
  /** Pending and every member as the run saw it: merging it will go through. */
  fresh: boolean;
  members: DedupeMember[];
  survivorId: string | null;
  decidedAt: number | null;
}

export type MergeRefusal = 'dedupe_set_stale' | 'dedupe_set_merged' | 'dedupe_set_not_found';

export interface SetMergeResult {
  setId: string;
  merged: boolean;
  /** Why the set was not merged. */
  code: MergeRefusal | null;
  survivorId: string | null;
  mergedIds: string[];
  /** Members merged or changed since the run (a stale set). */
  staleContactIds: string[];
}

const num = (value: number | string | null) => (value === null ? null : Number(value));

function toRun(row: DedupeRunRow): DedupeRun {
  return {
    id: String(row.id),
    trigger: row.trigger,
    status: row.status,
    rules: JSON.parse(row.rules) as DedupeRules,
    taskId: row.task_id === null ? null : String(row.task_id),
    createdBy: row.created_by === null ? null : String(row.created_by),
    setCount: Number(row.set_count),
    contactCount: Number(row.contact_count),
    mergedCount: Number(row.merged_count),
    staleCount: Number(row.stale_count),
    startedAt: Number(row.started_at),
    finishedAt: num(row.finished_at),
  };
}

const membersOf = (row: DedupeSetRow) => JSON.parse(row.members) as { id: string; updatedAt: number }[];

/**
 * 合并用户 (seed §1.4.7, ADR 0035): the tenant's dedupe rules, the dedupe runs (a task that finds
 * the duplicate sets over the contacts master) and their review, the merge of chosen sets through
 * the contacts module's merge (survivor: the most recently updated, §5.7), and the nightly
 * automatic run at 02:45 tenant time that merges every set when the tenant enabled and saved it.
 */
export class DedupeService {
  constructor(
    private readonly repo: DedupeRepo,
    private readonly contacts: ContactsService,
    private readonly queue: TaskQueue,
    private readonly mutex: TaskMutex,
    private readonly logger?: Logger,
  ) {}

  // ---- settings -----------------------------------------------------------------------------------

  async settings(tenantId: string): Promise<DedupeSettings> {
    const row = await this.repo.setting(tenantId);
    if (!row)
      return {
        ...DEFAULT_RULES,
        fields: [...DEFAULT_RULES.fields],
        excludedValues: [...DEFAULT_RULES.excludedValues],
        autoMerge: false,
        saved: false,
        updatedAt: null,
      };
    return {
      fields: JSON.parse(row.fields) as DedupeField[],
      mode: row.mode as DedupeMode,
      excludedValues: JSON.parse(row.excluded_values) as string[],
      autoMerge: Boolean(row.auto_merge),
      saved: true,
      updatedAt: Number(row.updated_at),
    };
  }

  /**
   * Saves the rules as a whole: fields in the seed's order without repeats, the excluded values
   * trimmed (1–191 characters, at most 100, no two equal ignoring case), and the automatic merge.
   */
  async saveSettings(
    tenantId: string,
    input: { fields: DedupeField[]; mode: DedupeMode; excludedValues: string[]; autoMerge: boolean },
    staffId: string | null,
  ): Promise<DedupeSettings> {
    const fields = DEDUPE_FIELDS.filter((field) => input.fields.includes(field));
    if (fields.length === 0) throw new InputError('dedupe_fields_required');
    const values = input.excludedValues.map((value) => value.trim());
    if (
      values.length > EXCLUDED_VALUES_MAX ||
      new Set(values.map(normalValue)).size !== values.length ||
      values.some((value) => value.length === 0 || value.length > EXCLUDED_VALUE_LENGTH)
    )
      throw new InputError('dedupe_excluded_values_invalid', { max: EXCLUDED_VALUES_MAX, length: EXCLUDED_VALUE_LENGTH });
    await this.repo.transaction(() =>
      this.repo.saveSetting(
        tenantId,
        {
          fields: JSON.stringify(fields),
          mode: input.mode,
          excluded_values: JSON.stringify(values),
          auto_merge: input.autoMerge,
          updated_by: staffId,
        },
        Date.now(),
      ),
    );
    return this.settings(tenantId);
  }

  // ---- runs ---------------------------------------------------------------------------------------

  /** 启动查重: a run under the tenant's current rules, found by a task; one run at a time. */
  async start(tenantId: string, staffId: string | null): Promise<DedupeRun> {
    if ((await this.activeRuns(tenantId)).length > 0) throw new ConflictError('dedupe_running');
    const settings = await this.settings(tenantId);
    const rules: DedupeRules = { fields: settings.fields, mode: settings.mode, excludedValues: settings.excludedValues };
    const runId = await this.repo.insertRun(tenantId, {
      trigger: 'manual',
      status: 'running',
      rules: JSON.stringify(rules),
      task_id: null,
      created_by: staffId,
      set_count: 0,
      contact_count: 0,
      merged_count: 0,
      stale_count: 0,
      started_at: Date.now(),
      finished_at: null,
    });
    const task = await this.queue.enqueue(tenantId, DEDUPE_TASK, { runId }, { createdBy: staffId });
    await this.repo.updateRun(tenantId, runId, { task_id: task!.id });
    return this.run(tenantId, runId);
  }

  /** Runs still running whose task has not ended (a task that ended without finishing its run failed it). */
  private async activeRuns(tenantId: string): Promise<DedupeRunRow[]> {
    const active: DedupeRunRow[] = [];
    for (const row of await this.repo.runningRuns(tenantId))
      if ((await this.effectiveStatus(tenantId, row)) === 'running') active.push(row);
    return active;
  }

  private async effectiveStatus(tenantId: string, row: DedupeRunRow): Promise<DedupeRunStatus> {
    if (row.status !== 'running') return row.status;
    if (row.task_id === null) return 'running';
    try {
      const task = await this.queue.get(tenantId, String(row.task_id));
      return task.status === 'failed' || task.status === 'cancelled' || task.status === 'succeeded' ? 'failed' : 'running';
    } catch {
      return 'failed';
    }
  }

  private async toRunWithStatus(tenantId: string, row: DedupeRunRow): Promise<DedupeRun> {
    return { ...toRun(row), status: await this.effectiveStatus(tenantId, row) };
  }

  async run(tenantId: string, runId: string): Promise<DedupeRun> {
    const row = await this.repo.run(tenantId, runId);
    if (!row) throw new NotFoundError('dedupe_run_not_found');
    return this.toRunWithStatus(tenantId, row);
  }

  /** The latest runs, newest first. */
  async runs(tenantId: string, limit: number): Promise<DedupeRun[]> {
    return Promise.all((await this.repo.runs(tenantId, limit)).map((row) => this.toRunWithStatus(tenantId, row)));
  }

  /**
   * The duplicate sets under `rules`: each chosen field's shared values are found by one GROUP BY
   * over the contacts master (the contacts module's repo), then linked per the mode (dedupe-rules).
   */
  async findSets(tenantId: string, rules: DedupeRules, progress?: (percent: number) => Promise<void>) {
    const excluded = [...new Set(rules.excludedValues.map(normalValue))];
    const holders = new Map<DedupeField, Holder[]>();
    for (const [index, field] of rules.fields.entries()) {
      holders.set(field, await this.contacts.sharedValueHolders(tenantId, dedupeColumn[field], excluded));
      await progress?.(Math.round(((index + 1) / rules.fields.length) * 80));
    }
    return duplicateSets(rules, holders);
  }

  /**
   * The task of a run. A manual run finds and stores the sets; the automatic run (the nightly
   * firing) makes its run, finds the sets and merges every one of them. A retry after a crash
   * finds its run by the task id and starts over (merges done before stand; their sets are gone).
   */
  async runTask(context: TaskContext): Promise<TaskResult> {
    const { task } = context;
    const tenantId = task.tenantId;
    if (!(await this.mutex.acquire(tenantId, DEDUPE_MUTEX, task.id)))
      throw new RetryableTaskError('dedupe_running', 'another dedupe run of the tenant is running');
    try {
      const auto = task.payload.trigger === 'auto';
      let row = auto ? await this.repo.runOfTask(tenantId, task.id) : await this.repo.run(tenantId, String(task.payload.runId));
      if (!row && auto) {
        const settings = await this.settings(tenantId);
        // Switched off between the firing and its run: nothing to do.
        if (!settings.saved || !settings.autoMerge)
          return { counts: { dedupeSets: 0, dedupeContacts: 0, dedupeMerged: 0, dedupeStale: 0 } };
        const rules: DedupeRules = { fields: settings.fields, mode: settings.mode, excludedValues: settings.excludedValues };
        const runId = await this.repo.insertRun(tenantId, {
          trigger: 'auto',
          status: 'running',
          rules: JSON.stringify(rules),
          task_id: task.id,
          created_by: null,
          set_count: 0,
          contact_count: 0,
          merged_count: 0,
          stale_count: 0,
          started_at: Date.now(),
          finished_at: null,
        });
        row = await this.repo.run(tenantId, runId);
      }
      if (!row) throw new NotFoundError('dedupe_run_not_found');
      const runId = String(row.id);
      const rules = JSON.parse(row.rules) as DedupeRules;
      const sets = await this.findSets(tenantId, rules, (percent) => context.progress(percent));
      const contactCount = sets.reduce((sum, set) => sum + set.members.length, 0);
      await this.repo.transaction(async () => {
        await this.repo.deleteSets(tenantId, runId);
        await this.repo.insertSets(
          tenantId,
          sets.map((set) => ({
            run_id: runId,
            members: JSON.stringify(set.members),
            matched_fields: JSON.stringify(set.matchedFields),
            status: 'pending' as const,
            survivor_id: null,
            decided_by: null,
            decided_at: null,
          })),
        );
        await this.repo.updateRun(tenantId, runId, {
          set_count: sets.length,
          contact_count: contactCount,
          merged_count: 0,
          stale_count: 0,
        });
      });
      let merged = 0;
      let stale = 0;
      if (auto) {
        // 自动合并: every set, with the rule `dedupe_rule` and no actor; OLAP follows once at the end.
        for (let afterId: string | undefined; ;) {
          const page = await this.repo.sets(tenantId, runId, { status: 'pending', afterId, limit: 200 });
          if (page.length === 0) break;
          for (const set of page) {
            const result = await this.mergeSet(tenantId, runId, String(set.id), undefined, null);
            if (result.merged) merged += 1;
            else if (result.code === 'dedupe_set_stale') stale += 1;
          }
          afterId = String(page[page.length - 1]!.id);
          await context.progress(80 + Math.round(((merged + stale) / Math.max(1, sets.length)) * 19));
        }
        await this.contacts.syncNow(tenantId);
        this.logger?.info({ tenantId, runId, sets: sets.length, merged, stale }, 'automatic dedupe run merged its sets');
      }
      await this.repo.updateRun(tenantId, runId, { status: 'done', finished_at: Date.now() });
      return {
        counts: {
          dedupeSets: sets.length,
          dedupeContacts: contactCount,
          ...(auto ? { dedupeMerged: merged, dedupeStale: stale } : {}),
        },
        data: { runId },
      };
    } finally {
      await this.mutex.release(tenantId, DEDUPE_MUTEX, task.id);
    }
  }

  /**
   * The nightly firing (02:45 tenant time): when the tenant enabled the automatic merge and saved
   * it, enqueues the automatic run — once per firing, even if the firing runs twice.
   */
  async autoRun(tenantId: string, dueAt: number): Promise<void> {
    const settings = await this.settings(tenantId);
    if (!settings.saved || !settings.autoMerge) return;
    await this.queue.enqueue(tenantId, DEDUPE_TASK, { trigger: 'auto' }, { schedule: { key: DEDUPE_AUTO_KEY, dueAt } });
  }

  // ---- review and merge ---------------------------------------------------------------------------

  /** A run's sets by id (keyset), each member as it is now (exists / changed since the run). */
  async sets(
    tenantId: string,
    runId: string,
    query: { status?: DedupeSetStatus; cursor?: string; limit: number },
  ): Promise<{ items: DedupeSet[]; nextCursor: string | null }> {
    await this.run(tenantId, runId);
    const rows = await this.repo.sets(tenantId, runId, { status: query.status, afterId: query.cursor, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const ids = page.flatMap((row) => membersOf(row).map((member) => member.id));
    const current = new Map((await this.contacts.contactRows(tenantId, ids)).map((row) => [String(row.id), row]));
    const items = page.map((row): DedupeSet => {
      const members = membersOf(row).map((member): DedupeMember => {
        const contact = current.get(member.id);
        return {
          id: member.id,
          exists: Boolean(contact),
          changed: Boolean(contact) && Number(contact!.updated_at) !== member.updatedAt,
          identified: Boolean(contact?.identified),
          name: contact?.name ?? null,
          nickname: contact?.nickname ?? null,
          mobile: contact?.mobile ?? null,
          idCard: contact?.id_card ?? null,
          email: contact?.email ?? null,
          updatedAt: contact ? Number(contact.updated_at) : member.updatedAt,
        };
      });
      return {
        id: String(row.id),
        runId,
        status: row.status,
        matchedFields: JSON.parse(row.matched_fields) as DedupeField[],
        fresh: row.status === 'pending' && members.every((member) => member.exists && !member.changed),
        members,
        survivorId: row.survivor_id === null ? null : String(row.survivor_id),
        decidedAt: num(row.decided_at),
      };
    });
    return { items, nextCursor: rows.length > query.limit ? String(page[page.length - 1]!.id) : null };
  }

  /**
   * Merges one set (or the chosen ≥ 2 of its members) if it is still as the run saw it; a set whose
   * members were merged or changed since is refused as stale and marked so. The set row is locked
   * with the contacts in one transaction: two requests never merge one set twice.
   */
  private async mergeSet(
    tenantId: string,
    runId: string,
    setId: string,
    contactIds: readonly string[] | undefined,
    staffId: string | null,
  ): Promise<SetMergeResult & { merges: ContactMerge[] }> {
    const refused = (code: MergeRefusal, staleContactIds: string[] = []) => ({
      setId,
      merged: false,
      code,
      survivorId: null,
      mergedIds: [],
      staleContactIds,
      merges: [],
    });
    return this.repo.transaction(async () => {
      const set = await this.repo.setForUpdate(tenantId, runId, setId);
      if (!set) return refused('dedupe_set_not_found');
      if (set.status === 'merged') return refused('dedupe_set_merged');
      const all = membersOf(set);
      const chosen = contactIds ? all.filter((member) => contactIds.includes(member.id)) : all;
      if (contactIds && (chosen.length !== new Set(contactIds).size || chosen.length < 2))
        throw new InputError('dedupe_selection_invalid', { setId });
      const now = Date.now();
      const outcome = await this.contacts.mergeGroup(tenantId, chosen, {
        rule: 'dedupe_rule',
        actorStaffId: staffId,
        evidence: { idType: (JSON.parse(set.matched_fields) as string[]).join(',') },
        sync: false,
      });
      if ('stale' in outcome) {
        await this.repo.decideSet(tenantId, setId, { status: 'stale', survivor_id: null, decided_by: staffId, decided_at: now });
        if (set.status === 'pending') await this.repo.countDecisions(tenantId, runId, 0, 1);
        return refused('dedupe_set_stale', outcome.stale);
      }
      await this.repo.decideSet(tenantId, setId, {
        status: 'merged',
        survivor_id: outcome.survivorId,
        decided_by: staffId,
        decided_at: now,
      });
      await this.repo.countDecisions(tenantId, runId, 1, set.status === 'stale' ? -1 : 0);
      return {
        setId,
        merged: true,
        code: null,
        survivorId: outcome.survivorId,
        mergedIds: outcome.merges.map((merge) => merge.mergedId),
        staleContactIds: [],
        merges: outcome.merges,
      };
    });
  }

  /**
   * 合并用户: merges the chosen sets of a run (each whole, or its chosen members), one set at a
   * time; each set answers for itself (merged, or refused with its code). OLAP follows once.
   */
  async mergeSets(
    tenantId: string,
    runId: string,
    selections: readonly { setId: string; contactIds?: string[] }[],
    staffId: string | null,
  ): Promise<(SetMergeResult & { merges: ContactMerge[] })[]> {
    await this.run(tenantId, runId);
    // A selection naming a contact outside its set is refused before anything is merged.
    for (const selection of selections) {
      if (!selection.contactIds) continue;
      const set = await this.repo.set(tenantId, runId, selection.setId);
      const members = new Set(set ? membersOf(set).map((member) => member.id) : []);
      if (set && (selection.contactIds.length < 2 || selection.contactIds.some((contactId) => !members.has(contactId))))
        throw new InputError('dedupe_selection_invalid', { setId: selection.setId });
    }
    const results: (SetMergeResult & { merges: ContactMerge[] })[] = [];
    try {
      for (const selection of selections)
        results.push(await this.mergeSet(tenantId, runId, selection.setId, selection.contactIds, staffId));
    } finally {
      if (results.some((result) => result.merged)) await this.contacts.syncNow(tenantId);
    }
    return results;
  }
}

/** A member's values masked for the caller (合并联系人：加密的字段继续显示为加密格式). */
export function maskMember(member: DedupeMember, masker: ContactMasker): DedupeMember {
  if (masker.isClear) return member;
  return {
    ...member,
    name: masker.value('name', member.name),
    nickname: masker.value('nickname', member.nickname),
    mobile: masker.value('mobilePhone', member.mobile),
    idCard: masker.value('idCard', member.idCard),
    email: masker.value('email', member.email),
  };
}
