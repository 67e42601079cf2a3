import { ConflictError } from '../../server/errors.js';
import type { CoreErrorCode } from '../../server/messages.js';

/** What a usage check guards: a group or a tag (the two memberships a condition or a SQL tag names). */
export type MembershipKind = 'group' | 'tag';

export const membershipKinds: readonly MembershipKind[] = ['group', 'tag'];

/**
 * One kind of user of groups or tags (ADR 0050): dynamic groups whose conditions name a group or a
 * tag, tags whose rules (layer conditions, SQL) name one, 互斥组 listing a group… The module keeping
 * the users registers it through `conditions.addUsageCheck`; deleting the group or tag is refused
 * while `users` names anything, with this check's own 409 code.
 */
export interface MembershipUsageCheck {
  kind: MembershipKind;
  /** The 409 code a refused delete answers; its message interpolates `{names}`. */
  code: CoreErrorCode;
  /** The names of the tenant's live objects using group / tag `id` (its row id); none when unused. */
  users(tenantId: string, id: string): Promise<string[]>;
}

/** A check that found users. */
export interface MembershipUsage {
  code: CoreErrorCode;
  names: string[];
}

/** Names shown in a refusal: the first ten, then an ellipsis. */
const SHOWN_NAMES = 10;

/** The 409 a delete answers for a usage: its check's code, the users' names as `{names}`. */
export function usageConflict(usage: MembershipUsage): ConflictError {
  const shown = usage.names.slice(0, SHOWN_NAMES).join('、');
  return new ConflictError(usage.code, {
    names: usage.names.length > SHOWN_NAMES ? `${shown}…` : shown,
    count: usage.names.length,
  });
}
