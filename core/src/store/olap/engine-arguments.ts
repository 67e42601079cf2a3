import type { OlapRelationDefinition } from '../../kernel/contributions.js';
import type { GroupDeltaChange, OlapId, OlapOperatorQueryOptions, TagRunKey } from './analytics-engine.js';
import { toId } from './duckdb/duckdb-loader.js';
import { OlapInputError } from './errors.js';
import { logicalRelationNames } from './relations.js';
import { parseDateOnly } from './values.js';

/**
 * The argument checks every AnalyticsEngine adapter makes before it touches its store — the same
 * refusals (`olap_argument_invalid` with the same paths and codes) on DuckDB and StarRocks, so the
 * engine contract holds for both by construction rather than by two copies.
 */

const RELATION_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Rows of operator SQL returned when the caller names no limit. */
const DEFAULT_OPERATOR_ROWS = 10_000;

const invalid = (path: string, code: string): OlapInputError => new OlapInputError('olap_argument_invalid', [{ path, code }]);

/** A tag computation's run number: a non-negative INTEGER. */
export const isRun = (run: unknown): run is number =>
  Number.isInteger(run) && (run as number) >= 0 && (run as number) <= 2_147_483_647;

/** Throws unless every plugin relation and column has a lower-case identifier that no core relation takes. */
export function checkPluginRelations(relations: readonly OlapRelationDefinition[]): void {
  const reserved = new Set<string>([...logicalRelationNames]);
  for (const relation of relations) {
    if (!RELATION_NAME.test(relation.name) || reserved.has(relation.name) || /^dimension_\d+$/.test(relation.name)) {
      throw new Error(`OLAP relation name "${relation.name}" is not allowed (lower-case identifier, not a core relation)`);
    }
    for (const column of relation.columns) {
      if (!RELATION_NAME.test(column.name))
        throw new Error(`OLAP relation "${relation.name}" column "${column.name}" is not a lower-case identifier`);
    }
  }
}

/**
 * The row and time limits of one operator query: the caller's (checked), capped by the engine's hard
 * row cap and its computation time limit.
 */
export function operatorQueryLimits(
  options: OlapOperatorQueryOptions,
  engine: { queryTimeoutMs: number; writeTimeoutMs: number; operatorMaxRows: number },
): { rows: number; timeoutMs: number } {
  const maxRows = options.maxRows ?? DEFAULT_OPERATOR_ROWS;
  if (!Number.isSafeInteger(maxRows) || maxRows < 0) throw invalid('maxRows', 'number.integer');
  const requestedTimeout = options.timeoutMs ?? engine.queryTimeoutMs;
  if (!Number.isFinite(requestedTimeout) || requestedTimeout <= 0) throw invalid('timeoutMs', 'number.positive');
  return { rows: Math.min(maxRows, engine.operatorMaxRows), timeoutMs: Math.min(requestedTimeout, engine.writeTimeoutMs) };
}

/** `applyGroupDelta`'s arguments: the group, and each contact's newest change within the call. */
export function groupDeltaArguments(
  groupId: OlapId,
  version: number,
  changes: readonly GroupDeltaChange[],
): { group: bigint; latest: Map<bigint, boolean> } {
  const group = toId(groupId, 'groupId', true, 'olap_argument_invalid');
  if (!Number.isInteger(version) || version < 0) throw invalid('version', 'number.integer');
  const latest = new Map<bigint, boolean>();
  changes.forEach((change, index) => {
    if (typeof change?.member !== 'boolean') throw invalid(`changes.${index}.member`, 'boolean.base');
    latest.set(toId(change.contactId, `changes.${index}.contactId`, true, 'olap_argument_invalid'), change.member);
  });
  return { group, latest };
}

/** `replaceTagValues`' tag, calculation day and run. */
export function tagRunArguments(tagId: OlapId, calcDate: string, run: unknown = 0): { tag: bigint; run: number } {
  const tag = toId(tagId, 'tagId', true, 'olap_argument_invalid');
  if (!DATE.test(calcDate) || parseDateOnly(calcDate) === undefined) throw invalid('calcDate', 'date.format');
  if (!isRun(run)) throw invalid('run', 'number.integer');
  return { tag, run };
}

/** `pruneTagValues`' tag, after checking the kept (day, run) pairs and `upToRun` (they are inlined in SQL). */
export function tagPruneArguments(tagId: OlapId, keep: readonly TagRunKey[], upToRun: number | undefined): bigint {
  const tag = toId(tagId, 'tagId', true, 'olap_argument_invalid');
  keep.forEach((key, index) => {
    if (!DATE.test(key?.calcDate) || parseDateOnly(key.calcDate) === undefined)
      throw invalid(`keep.${index}.calcDate`, 'date.format');
    if (!isRun(key.run)) throw invalid(`keep.${index}.run`, 'number.integer');
  });
  if (upToRun !== undefined && !isRun(upToRun)) throw invalid('upToRun', 'number.integer');
  return tag;
}
