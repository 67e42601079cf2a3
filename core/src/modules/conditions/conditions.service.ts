import type { ReportFieldAccess } from '../../kernel/contributions.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import { ForbiddenError, InputError } from '../../server/errors.js';
import { formatMessage, type Locale } from '../../server/messages.js';
import type { Principal } from '../../server/principal.js';
import type { AnalyticsEngine } from '../../store/olap/analytics-engine.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import {
  buildContext,
  catalogueDto,
  metadataFromDeclaration,
  referencedMemberships,
  type ConditionContext,
  type FieldMaskSource,
  type MembershipSource,
} from './catalogue.js';
import {
  ConditionCompiler,
  isContactId,
  ReportSqlPieces,
  type CompiledCondition,
  type CompiledQuery,
  type CompileOptions,
} from './compiler.js';
import type { ConditionCatalogue, ConditionProblem, ConditionTree } from './condition.types.js';
import type { MetadataSource, TenantMetadata } from './metadata-source.js';
import type { MembershipKind, MembershipUsage, MembershipUsageCheck } from './usage.js';
import { validateConditionTree } from './validator.js';

export interface EvaluateOptions {
  /** The evaluation time (default: now). */
  now?: number;
  /** Evaluate only these contacts (journey branches, real-time groups). */
  contactIds?: readonly string[];
  /** Interrupt the query inside the engine after this long (default: the engine's limit). */
  timeoutMs?: number;
}

/**
 * Who a report scope compiles for: the tenant, and the contact fields the asker sees masked (a report
 * model passes its `ReportPlanContext`; a system computation, e.g. 用户画像's snapshot, `clearFieldAccess`).
 */
export interface ReportScopeAsker {
  tenantId: string;
  fields: ReportFieldAccess;
}

/** Every contact property readable: a computation nobody sees directly (its answer is masked where shown). */
export const clearFieldAccess: ReportFieldAccess = { maskedField: () => undefined };

/** What a report model compiles against (`ConditionsService.reportScope`). */
export interface ReportScope {
  context: ConditionContext & { declared: boolean };
  /** The evaluation time every relative range resolves against. */
  now: number;
  /** The problems of one tree, each path prefixed with `prefix` (e.g. `filters.contacts`). */
  problems(tree: unknown, prefix: string): ConditionProblem[];
  pieces: ReportSqlPieces;
}

export interface Estimate {
  count: number;
  /** When it was computed (epoch ms): the evaluation time of every relative range. */
  computedAt: number;
}

/**
 * The condition engine for every consumer: contact filters, groups, tags, report filters and
 * journey branches validate, compile and evaluate their trees here, against the tenant's catalogue
 * (the metadata source; without one, its analytics declaration) and the groups' and tags' active
 * versions (the membership source).
 */
export class ConditionsService {
  private readonly compiler: ConditionCompiler;

  constructor(
    private readonly olap: AnalyticsEngine,
    private readonly tenants: TenantService,
    private readonly memberships: () => MembershipSource,
    /** Read on each use, like memberships; absent: the catalogue of the analytics declaration. */
    private readonly metadataSource: () => MetadataSource | undefined = () => undefined,
    /** The registered uses of groups and tags (`addUsageCheck`), in registration order. */
    private readonly usageChecks: () => readonly MembershipUsageCheck[] = () => [],
    /** Read on each use: which contact properties a caller sees masked (ADR 0069); absent: none. */
    private readonly fieldMasks: () => FieldMaskSource | undefined = () => undefined,
  ) {
    this.compiler = new ConditionCompiler(olap.dialect);
  }

  /** The tenant's metadata, and whether its analytics schema is declared (it has relations to read). */
  private async metadata(tenantId: string): Promise<{ metadata: TenantMetadata; declared: boolean }> {
    const source = this.metadataSource();
    // The source declares what changed before it answers: read the recorded schema after it.
    const metadata = source ? await source.describe(tenantId) : undefined;
    const record = await this.olap.forTenant(tenantId).schema();
    if (metadata) {
      // A lookup reads its dimension table through the logical relation `dimension_<id>`, which
      // exists once declared: one not declared (yet) is left out rather than refused by the guard.
      const dimensions = new Set(record?.declaration.dimensions.map((d) => d.id) ?? []);
      const lookups = metadata.lookups.filter((l) => dimensions.has(l.dimensionId));
      return { metadata: { ...metadata, lookups }, declared: record !== undefined };
    }
    const timeZone = record ? record.declaration.timeZone : (await this.tenants.get(tenantId)).timeZone;
    return { metadata: metadataFromDeclaration(timeZone, record?.declaration), declared: record !== undefined };
  }

  /** What `tree` may refer to in this tenant, resolved (groups and tags it names looked up). */
  async context(tenantId: string, tree: unknown): Promise<ConditionContext & { declared: boolean }> {
    const { metadata, declared } = await this.metadata(tenantId);
    const { groupIds, tagIds } = referencedMemberships(tree);
    const source = this.memberships();
    const [groups, tags] = await Promise.all([
      groupIds.length ? source.groups(tenantId, groupIds) : [],
      tagIds.length ? source.tags(tenantId, tagIds) : [],
    ]);
    return { ...buildContext(metadata, groups, tags), declared };
  }

  /**
   * What the builders offer. For `principal` (the builders' caller), the contact properties of fields
   * it sees masked are flagged `masked` (ADR 0069), as the contact list's column picker flags them.
   */
  async catalogue(tenantId: string, principal?: Principal): Promise<ConditionCatalogue> {
    const source = principal && this.fieldMasks();
    const [{ metadata }, { groups, tags }, fields] = await Promise.all([
      this.metadata(tenantId),
      this.memberships().list(tenantId),
      source ? source.fieldAccess(principal) : undefined,
    ]);
    return catalogueDto(metadata, groups, tags, fields);
  }

  /**
   * What uses a group or a tag (ADR 0050): one entry per registered check that found users, in
   * registration order — the groups module's (dynamic groups), then 互斥组's, then the tags module's.
   * Deleting the group or tag is refused with the first entry's code (`usageConflict`).
   */
  async usagesOf(tenantId: string, kind: MembershipKind, id: string): Promise<MembershipUsage[]> {
    const checks = this.usageChecks().filter((check) => check.kind === kind);
    const found = await Promise.all(checks.map(async (check) => ({ code: check.code, names: await check.users(tenantId, id) })));
    return found.filter((usage) => usage.names.length > 0);
  }

  /** Every problem of `tree`, each with its path, code and — given a locale — message. */
  async validate(tenantId: string, tree: unknown, locale?: Locale): Promise<ConditionProblem[]> {
    const problems = validateConditionTree(tree, await this.context(tenantId, tree));
    return locale ? problems.map((p) => ({ ...p, message: formatMessage(p.code, locale) })) : problems;
  }

  /** Throws `condition_invalid` (400) with every problem as a detail. */
  private async validContext(tenantId: string, tree: unknown): Promise<ConditionContext & { declared: boolean }> {
    const context = await this.context(tenantId, tree);
    const problems = validateConditionTree(tree, context);
    if (problems.length) throw new InputError('condition_invalid', { count: problems.length }, problems);
    return context;
  }

  /**
   * The compile options of an evaluation. Restricted to contacts, it also looks up the contacts
   * merged into them, so the events scan filters by the stored id (milliseconds, not a scan).
   */
  private async compileOptions(tenantId: string, options: EvaluateOptions, declared: boolean): Promise<CompileOptions> {
    const now = options.now ?? Date.now();
    const contactIds = options.contactIds;
    if (!contactIds || contactIds.length === 0 || !declared) return { now, contactIds };
    const ids = [...new Set(contactIds)];
    for (const id of ids)
      if (!isContactId(id))
        throw new InputError('condition_contact_ids_invalid', {}, [
          { path: 'contactIds', code: 'condition_contact_ids_invalid' },
        ]);
    const merged = await this.olap
      .forTenant(tenantId)
      .query<{ id: string }>(
        `SELECT from_contact_id AS id FROM contact_alias WHERE ${this.olap.dialect.inBigintList('to_contact_id')}`,
        {
          params: [`[${ids.join(',')}]`],
          rowMode: 'json',
          timeoutMs: options.timeoutMs,
        },
      );
    return { now, contactIds: ids, sourceContactIds: [...ids, ...merged.rows.map((row) => String(row.id))] };
  }

  /** The count query of a valid tree (for reports and groups that embed or schedule it). */
  async compileCount(tenantId: string, tree: ConditionTree, options: EvaluateOptions = {}): Promise<CompiledQuery> {
    const context = await this.validContext(tenantId, tree);
    return this.compiler.count(tree, context, await this.compileOptions(tenantId, options, context.declared));
  }

  /** The member query of a valid tree (`contact_id` rows): what a group computation writes. */
  async compileContactIds(tenantId: string, tree: ConditionTree, options: EvaluateOptions = {}): Promise<CompiledQuery> {
    const context = await this.validContext(tenantId, tree);
    return this.compiler.contactIds(tree, context, await this.compileOptions(tenantId, options, context.declared));
  }

  /**
   * A valid tree compiled for embedding in a query of the caller's over `contacts AS c` (the contact
   * list orders and pages it): CTEs, joins and a predicate. `declared` is false while the tenant has
   * no analytics schema (no contacts to read).
   */
  async compileEmbedded(
    tenantId: string,
    tree: ConditionTree,
    options: EvaluateOptions = {},
  ): Promise<CompiledCondition & { declared: boolean }> {
    const context = await this.validContext(tenantId, tree);
    const compiled = this.compiler.compile(tree, context, await this.compileOptions(tenantId, options, context.declared));
    return { ...compiled, declared: context.declared };
  }

  /**
   * For report models (ADR 0052): one context resolving everything several trees name (metric events,
   * filters, tag dimensions, the user filter, group selections), a validator of each tree against it
   * (problem paths prefixed by the caller) and the compiler's report pieces. Nothing is refused here
   * but masked fields: the model validates each part with `problems` and throws the sum.
   *
   * Masked fields (ADR 0069): every contact property the model resolves — a dimension, a measured
   * property, a leaf of any tree it validates or compiles — goes through this context, and one of a
   * field the asker sees masked throws 403 `report_field_masked` naming the field, before any SQL runs
   * (so before the report cache is read).
   */
  async reportScope(
    asker: ReportScopeAsker,
    trees: readonly ConditionTree[],
    options: EvaluateOptions = {},
  ): Promise<ReportScope> {
    const { tenantId } = asker;
    const union: ConditionTree = { type: 'and', conditions: trees.flatMap((tree) => tree.conditions) };
    const context = withMaskedFields(await this.context(tenantId, union), asker.fields);
    const compileOptions = await this.compileOptions(tenantId, options, context.declared);
    return {
      context,
      now: compileOptions.now,
      problems: (tree, prefix) =>
        validateConditionTree(tree, context).map((p) => ({ ...p, path: p.path ? `${prefix}.${p.path}` : prefix })),
      pieces: new ReportSqlPieces(this.olap.dialect, context, compileOptions),
    };
  }

  /** The count SQL with parameters inlined, for debugging (never run). */
  async explain(tenantId: string, tree: ConditionTree, options: EvaluateOptions = {}): Promise<string> {
    const context = await this.validContext(tenantId, tree);
    return this.compiler.explain(tree, context, await this.compileOptions(tenantId, options, context.declared));
  }

  /**
   * 预估: how many contacts match now, interrupted at the engine's time limit. With `asker`, a tree on a
   * contact field masked for that principal is refused (403 `report_field_masked`, ADR 0069) — as the
   * contact list refuses such a filter: a count narrowed step by step would spell the field out.
   */
  async estimate(
    tenantId: string,
    tree: ConditionTree,
    options: EvaluateOptions & { asker?: Principal } = {},
  ): Promise<Estimate> {
    const valid = await this.validContext(tenantId, tree);
    const source = options.asker && this.fieldMasks();
    const context = source ? withMaskedFields(valid, await source.fieldAccess(options.asker!)) : valid;
    const compileOptions = await this.compileOptions(tenantId, options, context.declared);
    // A tenant that never declared its analytics schema has no contacts there yet.
    if (!context.declared) return { count: 0, computedAt: compileOptions.now };
    const query = this.compiler.count(tree, context, compileOptions);
    const result = await this.olap
      .forTenant(tenantId)
      .query<{ count: bigint | number }>(query.sql, { params: query.params, timeoutMs: options.timeoutMs });
    return { count: Number(result.rows[0]?.count ?? 0), computedAt: compileOptions.now };
  }

  /** The contacts among `contactIds` (or all) that match: journey branches ask for a few at a time. */
  async matchingContacts(tenantId: string, tree: ConditionTree, options: EvaluateOptions = {}): Promise<string[]> {
    const context = await this.validContext(tenantId, tree);
    if (!context.declared) return [];
    const query = this.compiler.contactIds(tree, context, await this.compileOptions(tenantId, options, context.declared));
    const result = await this.olap
      .forTenant(tenantId)
      .query<{ contact_id: string }>(query.sql, { params: query.params, timeoutMs: options.timeoutMs, rowMode: 'json' });
    return result.rows.map((row) => String(row.contact_id));
  }
}

/**
 * `context` whose contact properties refuse those of masked fields (403 `report_field_masked`): the
 * field is named by its base property (a lookup's and a dynamic date's), as the builder lists it.
 */
function withMaskedFields<C extends ConditionContext>(context: C, fields: ReportFieldAccess): C {
  return {
    ...context,
    contactProperty: (key: string) => {
      const ref = context.contactProperty(key);
      if (!ref) return ref;
      const fieldKey = fields.maskedField(key);
      if (fieldKey !== undefined) {
        const baseKey = ref.via?.base ?? (key.startsWith('dynamic:') ? key.slice('dynamic:'.length) : key);
        const field = context.contactProperty(baseKey)?.name ?? ref.name;
        throw new ForbiddenError('report_field_masked', { field, fieldKey });
      }
      return ref;
    },
  };
}

export const conditionsServiceRef = createServiceRef<ConditionsService>({ id: 'conditions.service' });
