import type { PropertyType, ReportFieldAccess } from '../../kernel/contributions.js';
import type { Principal } from '../../server/principal.js';
import type { OlapTenantDeclaration } from '../../store/olap/declaration.js';
import { contactSystemFields, dimensionFieldColumn, propertyColumn } from '../../store/olap/physical-schema.js';
import type {
  CatalogueProperty,
  ConditionCatalogue,
  ConditionTree,
  ConditionNode,
  ConditionValueType,
  EventPropertyFilter,
} from './condition.types.js';
import type { MetadataEventProperty, MetadataLookup, TenantMetadata } from './metadata-source.js';

/** A property a leaf may name, with the column of its logical relation that holds it. */
export interface PropertyRef extends CatalogueProperty {
  /** Column of `contacts` (contact properties) or `events` (event properties). */
  column: string;
  /** For a dynamic date: the DATE column of the anniversary it derives from. */
  anniversaryColumn?: string;
  /**
   * For a lookup (`<property>.<field>`, `<property>.$label`): the value is the field `valueColumn`
   * of the row of `relation` whose `keyColumn` equals `column` (the base property's), NULL when no
   * row matches.
   */
  via?: { base: string; relation: string; keyColumn: string; valueColumn: string };
}

/** A real member of a virtual event: its event and the filters its rows must pass. */
export interface VirtualMemberRef {
  event: EventRef;
  /** As stored by the metadata module: the validator checks them against `event`'s properties. */
  filters: EventPropertyFilter[];
  filterOp?: 'and' | 'or';
}

export interface EventRef {
  /** The event ID, or `virtual:<id>` for a virtual event. */
  code: string;
  name: string;
  properties: ReadonlyMap<string, PropertyRef>;
  /** A virtual event (虚拟事件): the real events it unites (none: it matches nothing). */
  members?: VirtualMemberRef[];
}

/** A group and the version consumers read: null until its first computation completes (完成). */
export interface GroupRef {
  id: string;
  name: string;
  version: number | null;
}

/** A tag, its value type and the calculation day consumers read: null until first computed. */
export interface TagRef {
  id: string;
  name: string;
  type: Exclude<ConditionValueType, 'time'> | 'time';
  calcDate: string | null;
  /** The run of that day consumers read (ADR 0050; default 0: values written without a run). */
  run?: number;
}

/**
 * The "active version" interface: which version of a group and which calculation day of a tag the
 * condition engine reads. The groups module tells it its groups (`GroupSource`), the tags module
 * its tags (`TagSource`); until then no group or tag exists (`noMemberships`), and tests pass their own.
 */
export interface MembershipSource {
  /** The groups among `ids` that exist in the tenant (unknown ids are left out). */
  groups(tenantId: string, ids: readonly string[]): Promise<GroupRef[]>;
  tags(tenantId: string, ids: readonly string[]): Promise<TagRef[]>;
  /** Every group and tag, for the builder's pickers. */
  list(tenantId: string): Promise<{ groups: GroupRef[]; tags: TagRef[] }>;
}

/** The groups half of the membership source: the groups module's. */
export interface GroupSource {
  /** The groups among `ids` that exist in the tenant (unknown ids are left out). */
  groups(tenantId: string, ids: readonly string[]): Promise<GroupRef[]>;
  /** Every group usable in a condition, for the builder's picker. */
  listGroups(tenantId: string): Promise<GroupRef[]>;
}

/**
 * Which contact properties a caller sees masked (ADR 0069): the masking module's, set through the
 * conditions extension point — masking comes after this module (masking → metadata → conditions), so
 * it cannot be one of its dependencies. Without a source nothing is flagged.
 */
export interface FieldMaskSource {
  fieldAccess(principal: Principal): Promise<ReportFieldAccess>;
}

/** The tags half of the membership source: the tags module's. */
export interface TagSource {
  /** The tags among `ids` that exist in the tenant (unknown ids are left out). */
  tags(tenantId: string, ids: readonly string[]): Promise<TagRef[]>;
  /** Every tag usable in a condition, for the builder's picker. */
  listTags(tenantId: string): Promise<TagRef[]>;
}

export const noMemberships: MembershipSource = {
  groups: () => Promise.resolve([]),
  tags: () => Promise.resolve([]),
  list: () => Promise.resolve({ groups: [], tags: [] }),
};

/** One membership source from the two halves; a missing half knows no group (or tag). */
export function membershipSourceOf(groups: GroupSource | undefined, tags: TagSource | undefined): MembershipSource {
  return {
    groups: (tenantId, ids) => (groups ? groups.groups(tenantId, ids) : Promise.resolve([])),
    tags: (tenantId, ids) => (tags ? tags.tags(tenantId, ids) : Promise.resolve([])),
    list: async (tenantId) => {
      const [g, t] = await Promise.all([groups?.listGroups(tenantId) ?? [], tags?.listTags(tenantId) ?? []]);
      return { groups: g, tags: t };
    },
  };
}

/** Everything validation and compilation look up, resolved before either runs (both are sync). */
export interface ConditionContext {
  timeZone: string;
  contactProperty(key: string): PropertyRef | undefined;
  event(code: string): EventRef | undefined;
  group(id: string): GroupRef | undefined;
  tag(id: string): TagRef | undefined;
}

export const systemFieldNames: Record<string, string> = {
  identified: '是否已识别',
  name: '姓名',
  gender: '性别',
  birthday: '生日',
  mobile: '手机号',
  email: '邮箱',
  country: '国家',
  province: '省份',
  city: '城市',
  utmSource: 'utm_source',
  utmMedium: 'utm_medium',
  utmCampaign: 'utm_campaign',
  utmContent: 'utm_content',
  utmTerm: 'utm_term',
  firstSeenAt: '首次访问时间',
  lastActiveAt: '最近活跃时间',
  createdAt: '创建时间',
  updatedAt: '更新时间',
  nickname: '昵称',
  avatar: '头像',
  company: '公司',
  department: '部门',
  title: '职位',
  industry: '行业',
  homePhone: '座机',
  idCard: '身份证号码',
  postalCode: '邮编',
  street: '街道',
  website: '网站',
  comment: '备注',
};

/** The built-in anniversary field; custom anniversaries come from the metadata (`anniversary`). */
const builtInAnniversaries = ['birthday'];

export function valueTypeOf(type: PropertyType): { type: ConditionValueType; timeType?: 'date' | 'datetime' } {
  switch (type) {
    case 'string':
      return { type: 'string' };
    case 'number':
    case 'integer':
      return { type: 'number' };
    case 'bool':
      return { type: 'bool' };
    case 'date':
      return { type: 'time', timeType: 'date' };
    case 'datetime':
      return { type: 'time', timeType: 'datetime' };
    case 'string[]':
      return { type: 'strings' };
  }
}

/** A contact system column's type as a property type (system columns are never arrays). */
const systemColumnTypes: Record<string, PropertyType> = {
  varchar: 'string',
  boolean: 'bool',
  date: 'date',
  timestamp: 'datetime',
};
const olapTypeOf = (type: string) => valueTypeOf(systemColumnTypes[type] ?? 'number');

/**
 * Today's catalogue as metadata, for a server without a metadata source: custom attributes keyed
 * `attr<id>` (column id = id), every declared event property on every declared event, no virtual
 * events, no lookups, no custom anniversaries.
 */
export function metadataFromDeclaration(timeZone: string, declaration: OlapTenantDeclaration | undefined): TenantMetadata {
  const eventProperties: MetadataEventProperty[] = (declaration?.eventProperties ?? []).map((p) => ({
    code: p.name,
    columnId: p.id,
    name: p.name,
    type: p.type,
    source: p.name.startsWith('s_') ? 'system' : 'custom',
  }));
  const codes = eventProperties.map((p) => p.code);
  return {
    timeZone,
    contactFields: (declaration?.contactAttributes ?? []).map((a) => ({
      key: `attr${a.id}`,
      columnId: a.id,
      name: a.name ?? `attr${a.id}`,
      type: a.type,
      anniversary: false,
    })),
    events: (declaration?.events ?? []).map((e) => ({ code: e.code, name: e.alias, properties: codes })),
    eventProperties,
    virtualEvents: [],
    lookups: [],
  };
}

const sameValueType = (a: PropertyRef, b: PropertyRef) => a.type === b.type && a.timeType === b.timeType;

/**
 * The properties read through `lookups` linked to `base` (target and key matching): a dictionary's
 * label as `<key>.$label`, each non-key field of a dimension table as `<key>.<fieldCode>`. A lookup
 * whose key field (or a dictionary without a `label` field) is missing offers nothing.
 */
function lookupRefs(base: PropertyRef, lookups: readonly MetadataLookup[]): PropertyRef[] {
  if (base.type === 'strings' || base.anniversaryColumn || base.via) return [];
  return lookups.flatMap((lookup) => {
    const keyField = lookup.fields.find((f) => f.id === lookup.keyFieldId);
    if (!keyField) return [];
    const fields =
      lookup.kind === 'dictionary'
        ? lookup.fields.filter((f) => f.code === 'label').map((f) => ({ field: f, suffix: '$label' }))
        : lookup.fields.filter((f) => f.id !== lookup.keyFieldId).map((f) => ({ field: f, suffix: f.code }));
    return fields.map(({ field, suffix }) => ({
      key: `${base.key}.${suffix}`,
      name: `${base.name} · ${lookup.kind === 'dictionary' ? lookup.name : field.name}`,
      column: base.column,
      source: base.source,
      ...valueTypeOf(field.type),
      lookup: { kind: lookup.kind, dimensionId: lookup.dimensionId, name: lookup.name },
      via: {
        base: base.key,
        relation: `dimension_${lookup.dimensionId}`,
        keyColumn: dimensionFieldColumn(lookup.keyFieldId),
        valueColumn: dimensionFieldColumn(field.id),
      },
    }));
  });
}

/** `refs` keyed, the first of a key winning (a later duplicate is left out). */
function byKey(refs: readonly PropertyRef[]): Map<string, PropertyRef> {
  const map = new Map<string, PropertyRef>();
  for (const ref of refs) if (!map.has(ref.key)) map.set(ref.key, ref);
  return map;
}

/**
 * Contact properties of a tenant: system fields, custom fields (`attr<seq>`, column `p_<columnId>`),
 * the dynamic dates of 生日 and of custom anniversaries, and the lookups linked to any of them.
 */
export function contactProperties(metadata: TenantMetadata): PropertyRef[] {
  const system: PropertyRef[] = contactSystemFields
    .filter((f) => f.field !== 'id')
    .map((f) => ({
      key: f.field,
      name: systemFieldNames[f.field] ?? f.field,
      column: f.column,
      source: 'system',
      ...olapTypeOf(f.type),
    }));
  const custom: PropertyRef[] = metadata.contactFields.map((f) => ({
    key: f.key,
    name: f.name,
    column: propertyColumn(f.columnId),
    source: 'custom',
    ...valueTypeOf(f.type),
  }));
  const anniversaries = [
    ...builtInAnniversaries.flatMap((key) => system.filter((p) => p.key === key)),
    ...custom.filter((p) => p.timeType === 'date' && metadata.contactFields.some((f) => f.key === p.key && f.anniversary)),
  ];
  const dynamic: PropertyRef[] = anniversaries.map((base) => ({
    key: `dynamic:${base.key}`,
    name: `${base.name}（动态日期）`,
    column: base.column,
    anniversaryColumn: base.column,
    source: 'dynamicDate',
    type: 'time',
    timeType: 'date',
  }));
  const contactLookups = metadata.lookups.filter((l) => l.target === 'contact');
  const lookups = [...system, ...custom].flatMap((base) =>
    lookupRefs(
      base,
      contactLookups.filter((l) => l.property === base.key),
    ),
  );
  return [...byKey([...system, ...custom, ...dynamic, ...lookups]).values()];
}

/**
 * Events and the properties each carries (with their lookups), then virtual events: their real
 * members (an unknown one left out) and the union of the members' properties — a code whose
 * members disagree on its type is left out.
 */
export function eventRefs(metadata: TenantMetadata): EventRef[] {
  const eventLookups = metadata.lookups.filter((l) => l.target === 'event');
  const properties = new Map<string, PropertyRef[]>(
    metadata.eventProperties.map((p) => {
      const base: PropertyRef = {
        key: p.code,
        name: p.name,
        column: propertyColumn(p.columnId),
        source: p.source,
        ...valueTypeOf(p.type),
      };
      return [
        p.code,
        [
          base,
          ...lookupRefs(
            base,
            eventLookups.filter((l) => l.property === p.code),
          ),
        ],
      ];
    }),
  );
  const real: EventRef[] = metadata.events.map((e) => ({
    code: e.code,
    name: e.name,
    properties: byKey(e.properties.flatMap((code) => properties.get(code) ?? [])),
  }));
  const realByCode = new Map(real.map((e) => [e.code, e]));
  const virtual: EventRef[] = metadata.virtualEvents.map((v) => {
    const members = v.members.flatMap((m) => {
      const event = realByCode.get(m.event);
      return event ? [{ event, filters: m.filters ?? [], ...(m.filterOp ? { filterOp: m.filterOp } : {}) }] : [];
    });
    const union = new Map<string, PropertyRef>();
    const conflicting = new Set<string>();
    for (const member of members)
      for (const property of member.event.properties.values()) {
        const seen = union.get(property.key);
        if (!seen) union.set(property.key, property);
        else if (!sameValueType(seen, property) || seen.column !== property.column) conflicting.add(property.key);
      }
    for (const key of conflicting) union.delete(key);
    return { code: v.key, name: v.name, properties: union, members };
  });
  return [...real, ...virtual];
}

/** Group and tag ids a tree refers to, to look up before validating or compiling it. */
export function referencedMemberships(tree: unknown): { groupIds: string[]; tagIds: string[] } {
  const groupIds = new Set<string>();
  const tagIds = new Set<string>();
  const visit = (node: unknown, depth: number): void => {
    if (!node || typeof node !== 'object' || depth > 4) return;
    const n = node as Partial<ConditionNode> & { conditions?: unknown };
    if (n.type === 'group' && typeof (n as { groupId?: unknown }).groupId === 'string')
      groupIds.add((n as { groupId: string }).groupId);
    if (n.type === 'tag' && typeof (n as { tagId?: unknown }).tagId === 'string') tagIds.add((n as { tagId: string }).tagId);
    if (Array.isArray(n.conditions)) for (const child of n.conditions.slice(0, 200)) visit(child, depth + 1);
  };
  visit(tree as ConditionTree, 0);
  return { groupIds: [...groupIds], tagIds: [...tagIds] };
}

export function buildContext(metadata: TenantMetadata, groups: readonly GroupRef[], tags: readonly TagRef[]): ConditionContext {
  const contacts = new Map(contactProperties(metadata).map((p) => [p.key, p]));
  const events = new Map(eventRefs(metadata).map((e) => [e.code, e]));
  const groupMap = new Map(groups.map((g) => [g.id, g]));
  const tagMap = new Map(tags.map((t) => [t.id, t]));
  return {
    timeZone: metadata.timeZone,
    contactProperty: (key) => contacts.get(key),
    event: (code) => events.get(code),
    group: (id) => groupMap.get(id),
    tag: (id) => tagMap.get(id),
  };
}

const dto = ({ key, name, type, timeType, source, lookup }: PropertyRef): CatalogueProperty => ({
  key,
  name,
  type,
  ...(timeType ? { timeType } : {}),
  source,
  ...(lookup ? { lookup } : {}),
});

/**
 * Properties as the builder lists them: lookups under their base property (`lookups`); those `masked`
 * names (contact properties of fields the caller sees masked) flagged `masked: true`.
 */
function propertiesDto(refs: Iterable<PropertyRef>, masked: (key: string) => boolean = () => false): CatalogueProperty[] {
  const all = [...refs];
  const flagged = (ref: PropertyRef): CatalogueProperty => ({ ...dto(ref), ...(masked(ref.key) ? { masked: true } : {}) });
  return all
    .filter((p) => !p.via)
    .map((p) => {
      const lookups = all.filter((l) => l.via?.base === p.key).map(flagged);
      return { ...flagged(p), ...(lookups.length ? { lookups } : {}) };
    });
}

/**
 * The builder's view of what a tree may refer to; `fields` tells which contact properties the caller
 * sees masked (ADR 0069: flagged, so the pickers show them disabled). Event properties are never masked.
 */
export function catalogueDto(
  metadata: TenantMetadata,
  groups: readonly GroupRef[],
  tags: readonly TagRef[],
  fields?: ReportFieldAccess,
): ConditionCatalogue {
  return {
    timeZone: metadata.timeZone,
    contactProperties: propertiesDto(contactProperties(metadata), fields && ((key) => fields.maskedField(key) !== undefined)),
    events: eventRefs(metadata).map((e) => ({
      code: e.code,
      name: e.name,
      ...(e.members ? { virtual: true } : {}),
      properties: propertiesDto(e.properties.values()),
    })),
    groups: groups.map((g) => ({ id: g.id, name: g.name })),
    tags: tags.map((t) => ({ id: t.id, name: t.name, type: t.type })),
  };
}
