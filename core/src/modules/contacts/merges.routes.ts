import type { Request } from '@hapi/hapi';
import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { clientIp } from '../../server/client.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs, idParams } from '../../server/schemas.js';
import type { MaskingService } from '../masking/masking.service.js';
import type { ContactsService } from './contacts.service.js';
import type { OperationLogService } from '../audit/operation-log.service.js';
import { BLOCKED_VALUE_LENGTH, BLOCKED_VALUES_MAX } from './identity-rules.js';
import { maskCandidate, maskMerge } from './merge-masking.js';

const tenantOf = (request: Request) => principalOf(request).tenantId;
const staffIdOf = (request: Request) => {
  const principal = principalOf(request);
  return principal.kind === 'staff' ? principal.staffId : null;
};

const id = () => Joi.string().pattern(/^[1-9][0-9]{0,18}$/);
const cursorQuery = {
  cursor: id().description('the `nextCursor` of the previous page'),
  limit: Joi.number().integer().min(1).max(200).default(50),
};

const evidenceSchema = Joi.object({
  channelId: Joi.string(),
  idType: Joi.string(),
  userId: Joi.string(),
  appId: Joi.string(),
})
  .label('MergeEvidence')
  .description('the id that matched: its channel, id type and value (and the AppID of a weChatInfo)');

const summarySchema = Joi.object({
  id: Joi.string().required(),
  exists: Joi.boolean().required().description('false when the contact was deleted since'),
  identified: Joi.boolean().required(),
  name: Joi.string().allow(null).required(),
  mobile: Joi.string().allow(null).required(),
  email: Joi.string().allow(null).required(),
  nickname: Joi.string().allow(null).required(),
  updatedAt: epochMs().allow(null).required(),
  accounts: Joi.array()
    .items(
      Joi.object({
        id: Joi.string().required(),
        channelId: Joi.string().required(),
        idType: Joi.string().required(),
        userId: Joi.string().required(),
      }).label('MergeContactAccount'),
    )
    .label('MergeContactAccounts')
    .required(),
}).label('MergeContactSummary');

const candidateStatus = Joi.string().valid('pending', 'accepted', 'dismissed').label('MergeCandidateStatus');

const candidateSchema = Joi.object({
  id: Joi.string().required(),
  reason: Joi.string().valid('shared_anonymous_id', 'segment_alias').label('MergeCandidateReason').required(),
  evidence: evidenceSchema.required(),
  status: candidateStatus.required(),
  contacts: Joi.array().items(summarySchema).length(2).label('MergeCandidateContacts').required(),
  sameContact: Joi.boolean().required().description('the two became one contact meanwhile (another merge)'),
  createdAt: epochMs().required(),
  decidedAt: epochMs().allow(null).required(),
  decidedBy: Joi.string().allow(null).required(),
}).label('MergeCandidate');

const mergeSchema = Joi.object({
  id: Joi.string().required(),
  survivorId: Joi.string().required(),
  mergedId: Joi.string().required(),
  rule: Joi.string().required().description('anonymous_identified, wechat_info, wechat_union_id, candidate_accepted'),
  actorStaffId: Joi.string().allow(null).required().description('null: an automatic merge'),
  candidateId: Joi.string().allow(null).required(),
  evidence: evidenceSchema.allow(null).label('ContactMergeEvidence').required(),
  before: Joi.object()
    .unknown(true)
    .label('MergeBefore')
    .required()
    .description('both contacts before, and the accounts that moved'),
  mergedAt: epochMs().required(),
}).label('ContactMerge');

const settingsSchema = Joi.object({
  blockedValues: Joi.array()
    .items(Joi.string().max(BLOCKED_VALUE_LENGTH))
    .max(BLOCKED_VALUES_MAX)
    .label('BlockedValues')
    .required()
    .description('values that never match anyone (compared trimmed, case-insensitively)'),
}).label('IdentitySettings');

/**
 * 合并管理 (§1.4.7, ARCHITECTURE §5.8): merge candidates (accept or dismiss), the merge history of
 * the tenant or of one contact, and the identity settings (blocked values). Contacts' values are
 * masked for the caller (联系人字段加密, ADR 0024).
 */
export function mergeRoutes(contacts: ContactsService, masking: MaskingService, log: OperationLogService): PluginRoute[] {
  const maskerOf = (request: Request) => masking.forPrincipal(principalOf(request));
  return [
    moduleRoute<unknown, { status?: 'pending' | 'accepted' | 'dismissed'; cursor?: string; limit: number }>({
      method: 'GET',
      path: '/api/v1/contacts/merge-candidates',
      access: { permission: 'contacts.merge' },
      options: {
        description:
          '合并候选 / Merge candidates, newest first: pairs the pipeline would not merge on its own (an anonymous id already bound to another identified contact; a Segment alias between two identified contacts)',
        validate: { query: Joi.object({ status: candidateStatus, ...cursorQuery }).label('MergeCandidateQuery') },
        response: {
          schema: Joi.object({
            items: Joi.array().items(candidateSchema).label('MergeCandidateList').required(),
            nextCursor: Joi.string().allow(null).required(),
            pending: Joi.number().integer().required().description('candidates waiting for a decision'),
          }).label('MergeCandidatePage'),
        },
      },
      handler: async (request) => {
        const [page, masker] = await Promise.all([contacts.candidates(tenantOf(request), request.query), maskerOf(request)]);
        return { ...page, items: page.items.map((candidate) => maskCandidate(candidate, masker)) };
      },
    }),
    moduleRoute<{ candidateId: string }>({
      method: 'POST',
      path: '/api/v1/contacts/merge-candidates/{candidateId}/accept',
      access: { permission: 'contacts.merge' },
      options: {
        description: '合并 / Accept a merge candidate: the two contacts become one (the most recently updated survives)',
        validate: { params: idParams('candidateId') },
        response: {
          schema: Joi.object({
            candidate: candidateSchema.required(),
            merge: mergeSchema.allow(null).label('MergeCandidateMerge').required(),
          }).label('MergeCandidateAccepted'),
        },
      },
      handler: async (request) => {
        const accepted = await contacts.acceptCandidate(tenantOf(request), request.params.candidateId, staffIdOf(request)!);
        // 用户 · 合并 when two contacts became one (not when the pair was one contact already).
        if (accepted.merge) {
          await log.record(principalOf(request), {
            objectType: 'contact',
            operation: 'merge',
            objectId: accepted.merge.survivorId,
            detail: { mergedId: accepted.merge.mergedId, candidateId: request.params.candidateId },
            ip: clientIp(request),
          });
        }
        const masker = await maskerOf(request);
        return {
          candidate: maskCandidate(accepted.candidate, masker),
          merge: accepted.merge ? maskMerge(accepted.merge, masker) : null,
        };
      },
    }),
    moduleRoute<{ candidateId: string }>({
      method: 'POST',
      path: '/api/v1/contacts/merge-candidates/{candidateId}/dismiss',
      access: { permission: 'contacts.merge' },
      options: {
        description: '不合并 / Dismiss a merge candidate: the two stay apart and the pair is not proposed again',
        validate: { params: idParams('candidateId') },
        response: { schema: candidateSchema },
      },
      handler: async (request) =>
        maskCandidate(
          await contacts.dismissCandidate(tenantOf(request), request.params.candidateId, staffIdOf(request)!),
          await maskerOf(request),
        ),
    }),
    moduleRoute<unknown, { contactId?: string; cursor?: string; limit: number }>({
      method: 'GET',
      path: '/api/v1/contacts/merges',
      access: { permission: 'contacts.view' },
      options: {
        description:
          '合并历史 / Merge history, newest first: every merge (survivor, merged, rule, actor, evidence, values before); of one contact with `contactId` (a merged-away id works too)',
        validate: { query: Joi.object({ contactId: id(), ...cursorQuery }).label('MergeHistoryQuery') },
        response: {
          schema: Joi.object({
            items: Joi.array().items(mergeSchema).label('ContactMergeList').required(),
            nextCursor: Joi.string().allow(null).required(),
          }).label('ContactMergePage'),
        },
      },
      handler: async (request) => {
        const [page, masker] = await Promise.all([contacts.merges(tenantOf(request), request.query), maskerOf(request)]);
        return { ...page, items: page.items.map((merge) => maskMerge(merge, masker)) };
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/contacts/identity-settings',
      access: { permission: 'contacts.view' },
      options: {
        description: '合并设置 / Identity settings: the blocked values that never match (default nil, null, undefined, 1)',
        response: { schema: settingsSchema },
      },
      handler: (request) => contacts.identitySettings(tenantOf(request)),
    }),
    moduleRoute<unknown, unknown, { blockedValues: string[] }>({
      method: 'PUT',
      path: '/api/v1/contacts/identity-settings',
      access: { permission: 'contacts.merge' },
      options: {
        description: '保存合并设置 / Save the blocked values (at most 100, each 1–191 characters, no repeats)',
        validate: { payload: settingsSchema },
        response: { schema: settingsSchema },
      },
      handler: (request) => contacts.saveIdentitySettings(tenantOf(request), request.payload, staffIdOf(request)),
    }),
  ];
}
