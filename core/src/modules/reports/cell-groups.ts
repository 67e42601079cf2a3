import type { Logger } from 'pino';
import type { GroupsService } from '../groups/groups.service.js';
import type { ReportsService } from './reports.service.js';
import { actorOf, type ReportViewer, type SavedReportsService } from './saved-reports.service.js';

/** 保存为群组 (ADR 0063): the most contacts one cell may save, and how many are added per call. */
export const cellGroupLimits = { maxContacts: 100_000, batch: 10_000 } as const;

export interface CellGroupInput {
  /** The question: a model and its query, or a saved report (which the caller must see). */
  model?: string;
  query?: unknown;
  reportId?: string;
  cell: unknown;
  name: string;
  description?: string | null;
  folderId?: string | null;
}

export interface CellGroupResult {
  group: { id: string; name: string; folderId: string | null };
  /** Contacts of the cell, all now members of the group. */
  count: number;
}

/**
 * 保存为群组 from a report cell (a retention cohort's users at an offset, a funnel step's users): the
 * model lists the cell's contacts with its own plan (`ReportsService.cellContacts`), then a new static
 * group is created and filled through the groups service, `cellGroupLimits.batch` ids per call. If
 * adding fails half-way, the group is deleted again and the error answered: a group either holds the
 * whole cell or does not exist.
 */
export class CellGroups {
  constructor(
    private readonly deps: {
      reports: ReportsService;
      saved: SavedReportsService;
      groups: GroupsService;
      logger: Logger;
    },
  ) {}

  async save(viewer: ReportViewer, input: CellGroupInput): Promise<CellGroupResult> {
    const actor = actorOf(viewer);
    let model = input.model!;
    let query = input.query;
    if (input.reportId !== undefined) {
      const report = await this.deps.saved.get(viewer, input.reportId);
      model = report.model;
      query = report.query;
    }
    const ids = await this.deps.reports.cellContacts(actor, model, query, input.cell, { max: cellGroupLimits.maxContacts });
    const group = await this.deps.groups.createStatic(
      actor.tenantId,
      { name: input.name, description: input.description ?? null, folderId: input.folderId ?? null },
      actor.staffId,
    );
    let count = 0;
    try {
      for (let start = 0; start < ids.length; start += cellGroupLimits.batch) {
        const batch = await this.deps.groups.addMembers(
          actor.tenantId,
          group.id,
          ids.slice(start, start + cellGroupLimits.batch),
        );
        count += batch.added + batch.alreadyMembers;
      }
    } catch (error) {
      // Not left half-filled: the group goes again (its id is never reused), the failure is answered.
      try {
        await this.deps.groups.delete(actor.tenantId, group.id);
      } catch (cleanup) {
        this.deps.logger.error(
          { err: cleanup, tenantId: actor.tenantId, groupId: group.id },
          'a group saved from a report cell could not be deleted after adding its members failed',
        );
      }
      throw error;
    }
    return { group: { id: group.id, name: group.name, folderId: group.folderId }, count };
  }
}
