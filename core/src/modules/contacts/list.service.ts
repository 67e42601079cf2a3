import { createServiceRef } from '../../kernel/extension-point.js';
import { decodeCursor, encodeCursor } from '../../server/cursor.js';
import { InputError, isDomainError, type ErrorDetail } from '../../server/errors.js';
import type { Principal } from '../../server/principal.js';
import type { AnalyticsEngine } from '../../store/olap/analytics-engine.js';
import type { SqlDialect } from '../../store/olap/dialect.js';
import { propertyColumn } from '../../store/olap/physical-schema.js';
import { SqlFragment, sql } from '../../store/olap/sql-fragment.js';
import type { ChannelsService } from '../channels/channels.service.js';
import type { ConditionNode, ConditionTree } from '../conditions/condition.types.js';
import type { ConditionsService } from '../conditions/conditions.service.js';
import type { ContactMasker, MaskingService } from '../masking/masking.service.js';
import { maskKeyOfProperty } from '../masking/masking.types.js';
import type { MetadataService } from '../metadata/metadata.service.js';
import { WECHAT_OPEN_ID, WECHAT_UNION_ID } from './contacts.types.js';
import type { ContactListRepo } from './list.repo.js';
import {
  contactListLimits,
  defaultColumnKeys,
  keywordFields,
  propertyColumns,
  systemColumns,
  type ContactColumn,
  type ContactColumnDef,
  type ContactListColumnsSetting,
  type ContactListPage,
  type ContactListQuery,
  type ContactListRow,
  type WeChatIdMatch,
} from './list.types.js';

export const contactListServiceRef = createServiceRef<ContactListService>({ id: 'contacts.list' });

const CURSOR_KIND = 'contact-list';
const ID = /^[1-9][0-9]{0,18}$/;
const timestampText = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

type StaffPrincipal = Extract<Principal, { kind: 'staff' }>;

/**
 * 所有用户 (seed §1.4, §1.4.2, §1.4.8, §1.4.12; ADR 0031): the console's contact list. Read from the
 * OLAP `contacts` relation in one statement — kind, the filter tree compiled by the condition engine,
 * the 普通搜索 keyword and the keyset condition — ordered by updated time, newest first, then id; the
 * columns each staff member chose (定制显示列, OLTP), masked for the caller; and the search by WeChat
 * OpenID / UnionID on the channel accounts (OLTP).
 */
export class ContactListService {
  constructor(
    private readonly repo: ContactListRepo,
    private readonly olap: AnalyticsEngine,
    private readonly conditions: ConditionsService,
    private readonly masking: MaskingService,
    private readonly metadata: MetadataService,
    private readonly channels: ChannelsService,
  ) {}

  // ---- columns ------------------------------------------------------------------------------------

  /** Every column the tenant's list may show: system fields, system properties, custom fields (in the metadata's order). */
  async availableColumns(tenantId: string): Promise<ContactColumnDef[]> {
    const custom = await this.metadata.contactFields(tenantId);
    return [
      ...systemColumns,
      ...propertyColumns,
      ...custom.map((field): ContactColumnDef => ({
        key: field.key,
        source: 'custom',
        name: { 'zh-CN': field.name, 'en-US': field.name },
        type:
          field.type === 'integer' || field.type === 'decimal'
            ? 'number'
            : field.type === 'date' || field.type === 'anniversary'
              ? 'date'
              : 'string',
        olapColumn: propertyColumn(field.key.slice('attr'.length)),
      })),
    ];
  }

  private present(def: ContactColumnDef, masker: ContactMasker): ContactColumn {
    return { key: def.key, source: def.source, name: def.name, type: def.type, masked: masker.isMasked(def.key) };
  }

  async columnSetting(principal: StaffPrincipal): Promise<ContactListColumnsSetting> {
    const [available, saved, masker] = await Promise.all([
      this.availableColumns(principal.tenantId),
      this.repo.columns(principal.tenantId, principal.staffId),
      this.masking.forPrincipal(principal),
    ]);
    const known = new Set(available.map((c) => c.key));
    return {
      columns: (saved ?? defaultColumnKeys).filter((key) => known.has(key)),
      isDefault: saved === undefined,
      available: available.map((def) => this.present(def, masker)),
    };
  }

  /** 定制显示列: the staff member's columns, in order; each a column of the tenant, none twice. */
  async saveColumns(principal: StaffPrincipal, columns: readonly string[]): Promise<ContactListColumnsSetting> {
    const known = new Set((await this.availableColumns(principal.tenantId)).map((c) => c.key));
    const problems: ErrorDetail[] = [];
    const seen = new Set<string>();
    columns.forEach((key, index) => {
      if (!known.has(key)) problems.push({ path: `columns.${index}`, code: 'contact_list_column_unknown' });
      else if (seen.has(key)) problems.push({ path: `columns.${index}`, code: 'contact_list_column_duplicate' });
      seen.add(key);
    });
    if (problems.length) throw new InputError('contact_list_columns_invalid', { max: contactListLimits.columnsMax }, problems);
    await this.repo.saveColumns(principal.tenantId, principal.staffId, columns, Date.now());
    return this.columnSetting(principal);
  }

  /** The staff member's columns (the defaults while none were saved), as definitions. */
  private async columnsOf(principal: StaffPrincipal): Promise<ContactColumnDef[]> {
    const [available, saved] = await Promise.all([
      this.availableColumns(principal.tenantId),
      this.repo.columns(principal.tenantId, principal.staffId),
    ]);
    const byKey = new Map(available.map((c) => [c.key, c]));
    return (saved ?? defaultColumnKeys).flatMap((key) => (byKey.has(key) ? [byKey.get(key)!] : []));
  }

  // ---- the list -----------------------------------------------------------------------------------

  /**
   * One page of the list. The filter may hold contact-property leaves only (系统和自定义用户属性,
   * §1.4.12), none on a field masked for the caller; it is validated and compiled by the condition
   * engine. The keyword (普通搜索) matches the contact id exactly, or is contained in the name, mobile
   * or email — ignoring case, and skipping the fields masked for the caller.
   */
  async search(
    principal: StaffPrincipal,
    query: ContactListQuery,
    options: ContactListRestriction = {},
  ): Promise<ContactListPage> {
    const tenantId = principal.tenantId;
    const after = query.cursor === undefined ? undefined : decodeListCursor(query.cursor);
    const [masker, defs] = await Promise.all([this.masking.forPrincipal(principal), this.columnsOf(principal)]);
    const columns = defs.map((def) => this.present(def, masker));
    if (query.filter) checkFilterLeaves(query.filter, masker);

    const analytics = this.olap.forTenant(tenantId);
    const filtered0 = query.filter ? await this.conditions.compileEmbedded(tenantId, query.filter) : undefined;
    // A restriction of the caller's (a group's members, §1.4.12 "群组内的筛选用户") is ANDed with the filter.
    const restricted = options.restrict ? await this.conditions.compileEmbedded(tenantId, options.restrict) : undefined;
    const compiled =
      filtered0 && restricted
        ? {
            ctes: [...filtered0.ctes, ...restricted.ctes],
            joins: [...filtered0.joins, ...restricted.joins],
            predicate: sql(filtered0.predicate.wrap(), ' AND ', restricted.predicate.wrap()),
            declared: filtered0.declared && restricted.declared,
          }
        : (filtered0 ?? restricted);
    const record = await analytics.schema();
    // No analytics schema yet: no contact has reached OLAP.
    if (!record || compiled?.declared === false) return { columns, items: [], nextCursor: null, total: after ? null : 0 };

    const { select, count } = contactListStatements(this.olap.dialect, {
      defs,
      // A custom field the declaration does not hold yet (just created) has no column: shown empty.
      declaredColumns: new Set(record.declaration.contactAttributes.map((a) => propertyColumn(a.id))),
      kind: query.kind,
      compiled,
      keyword: query.keyword?.trim() || undefined,
      isMasked: (maskKey) => masker.isMasked(maskKey),
      after,
      limit: query.limit,
    });
    const [rows, total] = await Promise.all([
      analytics.query<Record<string, unknown>>(select.text, { params: [...select.params], rowMode: 'json' }),
      count
        ? analytics.query<{ n: unknown }>(count.text, { params: [...count.params], rowMode: 'json' })
        : Promise.resolve(undefined),
    ]);

    const items: ContactListRow[] = rows.rows.slice(0, query.limit).map((row) => {
      const values: ContactListRow['values'] = {};
      defs.forEach((def, index) => {
        values[def.key] = masker.value(def.key, valueOf(def, row[`k${index}`])) as ContactListRow['values'][string];
      });
      return { id: String(row.id), identified: Boolean(row.identified), updatedAt: Number(row.updated_ms), values };
    });
    const last = items[items.length - 1];
    return {
      columns,
      items,
      nextCursor: rows.rows.length > query.limit && last ? encodeCursor(CURSOR_KIND, [last.updatedAt, last.id]) : null,
      total: total ? Number(total.rows[0]?.n ?? 0) : null,
    };
  }

  // ---- 搜索微信 ID ----------------------------------------------------------------------------------

  /**
   * 搜索微信 ID (§1.4.8): the contacts holding `value` as a WeChat OpenID (of any official account)
   * or UnionID. Exact match on the channel accounts (OLTP: a fan synced a moment ago is found).
   */
  async findByWeChatId(principal: StaffPrincipal, value: string): Promise<{ items: WeChatIdMatch[] }> {
    const tenantId = principal.tenantId;
    const accounts = await this.repo.accountsByUserId(
      tenantId,
      [WECHAT_OPEN_ID, WECHAT_UNION_ID],
      value,
      contactListLimits.weChatMatches,
    );
    const masker = await this.masking.forPrincipal(principal);
    const contacts = new Map(
      (
        await this.repo.contactNames(
          tenantId,
          accounts.map((a) => String(a.contact_id)),
        )
      ).map((row) => [String(row.id), row]),
    );
    const channelNames = new Map<string, string | null>();
    for (const channelId of new Set(accounts.map((a) => String(a.channel_id)))) {
      try {
        channelNames.set(channelId, (await this.channels.get(tenantId, channelId)).name);
      } catch (error) {
        if (!isDomainError(error) || error.code !== 'channel_not_found') throw error;
        channelNames.set(channelId, null);
      }
    }
    const items = accounts.flatMap((account): WeChatIdMatch[] => {
      const contact = contacts.get(String(account.contact_id));
      if (!contact) return [];
      return [
        {
          contactId: String(contact.id),
          idType: account.id_type as WeChatIdMatch['idType'],
          channelId: String(account.channel_id),
          channelName: channelNames.get(String(account.channel_id)) ?? null,
          name: masker.maskName(contact),
          identified: Boolean(contact.identified),
        },
      ];
    });
    return { items };
  }
}

/**
 * What a module showing a subset of the list adds (the groups module's group detail): a condition
 * tree of any leaves (a group membership), compiled by the condition engine and ANDed with the
 * operator's filter. It is the caller's, not the operator's, so the filter's leaf rules do not apply.
 */
export interface ContactListRestriction {
  restrict?: ConditionTree;
}

/** The cursor's sort key: the last row's updated time (epoch ms) and id. */
function decodeListCursor(cursor: string): { updatedAt: number; id: string } {
  const [updatedAt, id] = decodeCursor(CURSOR_KIND, cursor, ['number', 'string']) as [number, string];
  if (!ID.test(id)) throw new InputError('cursor_invalid', {}, [{ path: 'cursor', code: 'cursor_invalid' }]);
  return { updatedAt, id };
}

/** What one page of the contact list reads (`contactListStatements`). */
export interface ContactListStatementInput {
  defs: readonly ContactColumnDef[];
  /** Physical columns (`p_<id>`) of the custom fields the analytics declaration holds. */
  declaredColumns: ReadonlySet<string>;
  kind: ContactListQuery['kind'];
  /** The filter (and the caller's restriction) compiled over `contacts AS c`. */
  compiled?: { ctes: SqlFragment[]; joins: SqlFragment[]; predicate: SqlFragment };
  /** 普通搜索, trimmed. */
  keyword?: string;
  isMasked(maskKey: string): boolean;
  /** The keyset cursor: rows after this one. */
  after?: { updatedAt: number; id: string };
  limit: number;
}

/**
 * The page's statement (one row more than `limit` tells there is a next page) and, on a first page,
 * the count of every matching contact — over the logical `contacts`, in the engine's dialect.
 */
export function contactListStatements(
  d: SqlDialect,
  input: ContactListStatementInput,
): { select: SqlFragment; count?: SqlFragment } {
  const { compiled, after } = input;
  const q = (name: string) => d.quoteIdentifier(name);
  const selected = input.defs.map((def, index) => {
    const alias = q(`k${index}`);
    if (def.source === 'custom' && !input.declaredColumns.has(def.olapColumn)) return `NULL AS ${alias}`;
    const column = `c.${q(def.olapColumn)}`;
    if (def.type === 'datetime') return `${d.epochMs(column)} AS ${alias}`;
    if (def.type === 'date') return `CAST(${column} AS VARCHAR) AS ${alias}`;
    return `${column} AS ${alias}`;
  });

  const where: SqlFragment[] = [];
  if (input.kind === 'identified') where.push(SqlFragment.raw('c.identified = TRUE'));
  if (input.kind === 'anonymous') where.push(SqlFragment.raw('NOT COALESCE(c.identified, FALSE)'));
  if (compiled) where.push(compiled.predicate.wrap());
  if (input.keyword)
    where.push(keywordPredicate(input.keyword, input.isMasked, (column) => d.containsText(`lower(c.${q(column)})`, 'lower(?)')));
  const filtered = [...where];
  if (after) {
    const at = d.timestampParam();
    where.push(
      SqlFragment.withPlaceholders(`(c.updated_at < ${at} OR (c.updated_at = ${at} AND c.id < ${d.bigintParam()}))`, [
        timestampText(after.updatedAt),
        timestampText(after.updatedAt),
        after.id,
      ]),
    );
  }
  // Event leaves are refused above, so there are no CTEs or joins today; kept for the engine's shape.
  const withClause = compiled?.ctes.length ? sql('WITH ', SqlFragment.join(compiled.ctes, ', '), ' ') : SqlFragment.raw('');
  const from = (fragments: SqlFragment[]) =>
    sql(
      ' FROM contacts AS c',
      compiled?.joins.length ? sql(' ', SqlFragment.join(compiled.joins, ' ')) : '',
      fragments.length ? sql(' WHERE ', SqlFragment.join(fragments, ' AND ')) : '',
    );
  const select = sql(
    withClause,
    `SELECT c.id AS ${q('id')}, c.identified AS ${q('identified')}, ${d.epochMs('c.updated_at')} AS ${q('updated_ms')}`,
    selected.length ? `, ${selected.join(', ')}` : '',
    from(where),
    ` ORDER BY c.updated_at DESC, c.id DESC LIMIT ${input.limit + 1}`,
  );
  const count = after ? undefined : sql(withClause, `SELECT count(*) AS ${q('n')}`, from(filtered));
  return { select, count };
}

/**
 * The list's filter holds contact-property leaves only (§1.4.12: 系统用户属性和自定义用户属性), and none
 * on a field the caller sees masked — a filter (`contains` above all) would reveal the value.
 */
function checkFilterLeaves(tree: ConditionTree, masker: ContactMasker): void {
  const problems: ErrorDetail[] = [];
  const visit = (node: ConditionNode, path: string) => {
    if (node.type === 'and' || node.type === 'or') {
      if (Array.isArray(node.conditions))
        node.conditions.forEach((child, index) => visit(child, `${path}${path ? '.' : ''}conditions.${index}`));
      return;
    }
    if (node.type !== 'property') problems.push({ path, code: 'contact_filter_leaf_unsupported' });
    else if (typeof node.property === 'string' && masker.isMasked(maskKeyOfProperty(node.property)))
      problems.push({ path: `${path}${path ? '.' : ''}property`, code: 'contact_filter_field_masked' });
  };
  visit(tree, '');
  if (problems.length) throw new InputError('contact_filter_invalid', { count: problems.length }, problems);
}

/** 普通搜索: the id exactly (digits only), or contained in the name, mobile or email the caller may see. */
function keywordPredicate(
  keyword: string,
  isMasked: (maskKey: string) => boolean,
  contains: (column: string) => string,
): SqlFragment {
  const parts: SqlFragment[] = [];
  if (ID.test(keyword)) parts.push(SqlFragment.param(keyword, 'c.id = CAST(? AS BIGINT)'));
  for (const field of keywordFields)
    if (!isMasked(field.maskKey)) parts.push(SqlFragment.withPlaceholders(contains(field.olapColumn), [keyword]));
  return parts.length ? SqlFragment.join(parts, ' OR ').wrap() : SqlFragment.raw('FALSE');
}

/** A value of a json-mode row as the API shows it. */
function valueOf(def: ContactColumnDef, value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  switch (def.type) {
    case 'datetime':
    case 'number':
      return Number(value);
    case 'bool':
      return typeof value === 'boolean' ? value : value === 'true' || value === 1;
    default:
      return String(value);
  }
}
