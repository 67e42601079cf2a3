import { isUniqueViolation } from '../../store/oltp/oltp-store.js';
import { isIdentified } from './contact-patch.js';
import type { ContactsRepo } from './contacts.repo.js';
import {
  contactTraitFields,
  utmKeys,
  type CandidateReason,
  type ContactRow,
  type MergeEvidence,
  type MergeRule,
} from './contacts.types.js';

/** What happens when two contacts become one. */
export interface MergeOptions {
  rule: MergeRule;
  /** The staff member who merged by hand; null for the pipeline's automatic merges. */
  actorStaffId?: string | null;
  candidateId?: string | null;
  evidence?: MergeEvidence;
}

export interface MergeResult {
  mergeId: string;
  survivorId: string;
  mergedId: string;
  /** The survivor's row after the merge. */
  survivor: ContactRow;
}

/**
 * Told of every merge inside its transaction (the groups module unions static memberships, §5.7).
 * A hook that throws undoes the merge.
 */
export type MergeHook = (merge: { tenantId: string; survivorId: string; mergedId: string; at: number }) => Promise<void>;

/** One of the contacts is gone (merged away or deleted by a concurrent writer, or never existed). */
export class MergeContactMissingError extends Error {
  constructor(readonly contactIds: string[]) {
    super(`contacts ${contactIds.join(', ')} are missing`);
    this.name = 'MergeContactMissingError';
  }
}

/** A contact row as the history keeps it (its tenant is the history row's own). */
const withoutTenant = ({ tenant_id: _tenant, ...row }: ContactRow) => row;
const isEmpty = (value: unknown) => value === null || value === undefined || value === '';
const num = (value: number | string | null) => (value === null ? null : Number(value));
export const isIdentifiedRow = (row: Pick<ContactRow, 'name' | 'mobile' | 'email'>) =>
  Boolean(row.name || row.mobile || row.email);

/**
 * The survivor of two contacts (ARCHITECTURE §5.7): the most recently updated; on a tie the
 * identified one, then the older (smaller id) — so the outcome never depends on argument order.
 */
export function chooseSurvivor(a: ContactRow, b: ContactRow): [survivor: ContactRow, merged: ContactRow] {
  const byUpdate = Number(b.updated_at) - Number(a.updated_at);
  if (byUpdate !== 0) return byUpdate > 0 ? [b, a] : [a, b];
  const byIdentified = Number(Boolean(b.identified)) - Number(Boolean(a.identified));
  if (byIdentified !== 0) return byIdentified > 0 ? [b, a] : [a, b];
  return Number(a.id) <= Number(b.id) ? [a, b] : [b, a];
}

/**
 * The survivor's values after a merge (§5.7): its non-empty values win and gaps are filled from the
 * merged contact; first seen = earliest, last active = latest; created time and created utm = the
 * earliest identification's; identified when any identifying value is there.
 */
export function mergedValues(survivor: ContactRow, merged: ContactRow, now: number): Partial<ContactRow> {
  const change: Record<string, unknown> = {};
  for (const field of contactTraitFields)
    if (isEmpty(survivor[field.column]) && !isEmpty(merged[field.column])) change[field.column] = merged[field.column];

  const own = survivor.attributes ? (JSON.parse(survivor.attributes) as Record<string, unknown>) : {};
  const other = merged.attributes ? (JSON.parse(merged.attributes) as Record<string, unknown>) : {};
  let attributesChanged = false;
  for (const [seq, value] of Object.entries(other))
    if (isEmpty(own[seq]) && !isEmpty(value)) {
      own[seq] = value;
      attributesChanged = true;
    }
  if (attributesChanged) change.attributes = JSON.stringify(own);

  const earliest = (x: number | null, y: number | null) => (x === null ? y : y === null ? x : Math.min(x, y));
  const latest = (x: number | null, y: number | null) => (x === null ? y : y === null ? x : Math.max(x, y));
  const firstSeen = earliest(num(survivor.first_seen_at), num(merged.first_seen_at));
  if (firstSeen !== num(survivor.first_seen_at)) change.first_seen_at = firstSeen;
  const lastActive = latest(num(survivor.last_active_at), num(merged.last_active_at));
  if (lastActive !== num(survivor.last_active_at)) change.last_active_at = lastActive;

  // The earliest identification brings its created time and utm (a tie keeps the survivor's).
  const ownCreated = num(survivor.created_at);
  const otherCreated = num(merged.created_at);
  if (otherCreated !== null && (ownCreated === null || otherCreated < ownCreated)) {
    change.created_at = otherCreated;
    for (const utm of utmKeys) change[`utm_${utm}`] = merged[`utm_${utm}`];
  }

  const next = { ...survivor, ...change } as ContactRow;
  const identified = isIdentified(next);
  if (identified !== Boolean(survivor.identified)) change.identified = identified;
  // Identified through the merge with neither contact ever identified before: now is its created time.
  if (identified && num(next.created_at) === null) change.created_at = now;
  change.updated_at = now;
  return change as Partial<ContactRow>;
}

/**
 * Merges two contacts inside the caller's OLTP transaction: the survivor takes the merged values,
 * the merged contact's channel accounts move to it, the merged contact is deleted and aliased to
 * the survivor (chains resolve to the final survivor), the merge is written to the history, and the
 * outbox tells OLAP — the survivor's new row, the alias and the deletion go in one load. Ids that
 * were merged away already are followed to their survivor first; merging a contact with itself is
 * a no-op (undefined).
 */
export async function mergeContacts(
  repo: ContactsRepo,
  hooks: readonly MergeHook[],
  tenantId: string,
  ids: [string, string],
  options: MergeOptions,
  now: number,
): Promise<MergeResult | undefined> {
  let a = ids[0];
  let b = ids[1];
  let rowA: ContactRow | undefined;
  let rowB: ContactRow | undefined;
  // Follow aliases, lock both rows; one gone means a concurrent merge committed meanwhile (the first
  // alias read was the snapshot): follow the latest aliases and lock again.
  for (let round = 0; round < 3; round += 1) {
    const aliases = await repo.survivors(tenantId, ids, { latest: round > 0 });
    a = aliases.get(ids[0]) ?? ids[0];
    b = aliases.get(ids[1]) ?? ids[1];
    if (a === b) return undefined;
    const rows = await repo.lockContacts(tenantId, [a, b]);
    rowA = rows.find((r) => String(r.id) === a);
    rowB = rows.find((r) => String(r.id) === b);
    if (rowA && rowB) break;
  }
  if (!rowA || !rowB) throw new MergeContactMissingError([...(rowA ? [] : [a]), ...(rowB ? [] : [b])]);

  const [survivor, merged] = chooseSurvivor(rowA, rowB);
  const survivorId = String(survivor.id);
  const mergedId = String(merged.id);
  const movedAccounts = await repo.accountsOfContact(tenantId, mergedId);
  const change = mergedValues(survivor, merged, now);
  await repo.updateContact(tenantId, survivorId, change);
  await repo.moveAccounts(tenantId, mergedId, survivorId, now);
  await repo.deleteContact(tenantId, mergedId);
  await repo.addAlias(tenantId, mergedId, survivorId, now);
  const mergeId = await repo.insertMerge(tenantId, {
    survivor_id: survivorId,
    merged_id: mergedId,
    rule: options.rule,
    actor_staff_id: options.actorStaffId ?? null,
    candidate_id: options.candidateId ?? null,
    evidence: options.evidence ? JSON.stringify(options.evidence) : null,
    // Both contacts as they were, and which accounts moved: enough to explain (or undo by hand) the merge.
    before: JSON.stringify({
      survivor: withoutTenant(survivor),
      merged: withoutTenant(merged),
      movedAccountIds: movedAccounts.map((account) => String(account.id)),
    }),
    merged_at: now,
  });
  await repo.insertChanges(tenantId, [survivorId], now);
  await repo.insertMergedChange(tenantId, mergedId, survivorId, now);
  for (const hook of hooks) await hook({ tenantId, survivorId, mergedId, at: now });
  return { mergeId, survivorId, mergedId, survivor: { ...survivor, ...change } };
}

/**
 * Proposes two contacts to operators: one candidate per pair (smaller id first), so a pending pair
 * is not proposed twice and a dismissed pair stays dismissed. Returns the pair's candidate id and
 * whether this call made it.
 */
export async function proposeCandidate(
  repo: ContactsRepo,
  tenantId: string,
  ids: [string, string],
  reason: CandidateReason,
  evidence: MergeEvidence,
  now: number,
): Promise<{ id: string; created: boolean }> {
  const [first, second] = Number(ids[0]) < Number(ids[1]) ? ids : [ids[1], ids[0]];
  // The same two people may have been proposed under ids merged away since: that candidate stands
  // (a dismissed pair stays dismissed whatever ids its people have now).
  const sideA = new Set([first, ...(await repo.aliasesTo(tenantId, first))]);
  const sideB = new Set([second, ...(await repo.aliasesTo(tenantId, second))]);
  const existing = (await repo.candidatesAmong(tenantId, [...sideA, ...sideB])).find((row) => {
    const [x, y] = [String(row.contact_a), String(row.contact_b)];
    return (sideA.has(x) && sideB.has(y)) || (sideB.has(x) && sideA.has(y));
  });
  if (existing) return { id: String(existing.id), created: false };
  try {
    const id = await repo.insertCandidate(tenantId, {
      contact_a: first,
      contact_b: second,
      reason,
      evidence: JSON.stringify(evidence),
      status: 'pending',
      decided_by: null,
      decided_at: null,
      created_at: now,
      updated_at: now,
    });
    return { id, created: true };
  } catch (error) {
    // Proposed at the same moment by another writer: that one stands.
    if (!isUniqueViolation(error)) throw error;
    const row = await repo.candidateOfPair(tenantId, first, second);
    if (!row) throw error;
    return { id: String(row.id), created: false };
  }
}
