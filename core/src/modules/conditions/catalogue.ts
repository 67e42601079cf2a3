import type { PropertyType } from '../../kernel/contributions.js';
import type { OlapTenantDeclaration } from '../../store/olap/declaration.js';
import { contactSystemFields, propertyColumn } from '../../store/olap/physical-schema.js';
import type {
  CatalogueProperty,
  ConditionCatalogue,
  ConditionTree,
  ConditionNode,
  ConditionValueType,
} from './condition.types.js';

/** A property a leaf may name, with the column of its logical relation that holds it. */
export interface PropertyRef extends CatalogueProperty {
  /** Column of `contacts` (contact properties) or `events` (event properties). */
  column: string;
  /** For a dynamic date: the DATE column of the anniversary it derives from. */
  anniversaryColumn?: string;
}

export interface EventRef {
  code: string;
  name: string;
  properties: ReadonlyMap<string, PropertyRef>;
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
}

/**
 * The "active version" interface: which version of a group and which calculation day of a tag the
 * condition engine reads. The groups and tags module implements it; until then no group or tag
 * exists (`noMemberships`), and tests pass their own.
 */
export interface MembershipSource {
  /** The groups among `ids` that exist in the tenant (unknown ids are left out). */
  groups(tenantId: string, ids: readonly string[]): Promise<GroupRef[]>;
  tags(tenantId: string, ids: readonly string[]): Promise<TagRef[]>;
  /** Every group and tag, for the builder's pickers. */
  list(tenantId: string): Promise<{ groups: GroupRef[]; tags: TagRef[] }>;
}

export const noMemberships: MembershipSource = {
  groups: () => Promise.resolve([]),
  tags: () => Promise.resolve([]),
  list: () => Promise.resolve({ groups: [], tags: [] }),
};

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
};

/** The anniversary fields: 生日 is built in; custom anniversaries come with the metadata module. */
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

/** Contact properties of a tenant: system fields, custom attributes (`attr<id>`), dynamic dates. */
export function contactProperties(declaration: OlapTenantDeclaration | undefined): PropertyRef[] {
  const system: PropertyRef[] = contactSystemFields
    .filter((f) => f.field !== 'id')
    .map((f) => ({
      key: f.field,
      name: systemFieldNames[f.field] ?? f.field,
      column: f.column,
      source: 'system',
      ...olapTypeOf(f.type),
    }));
  const custom: PropertyRef[] = (declaration?.contactAttributes ?? []).map((a) => ({
    key: `attr${a.id}`,
    name: a.name ?? `attr${a.id}`,
    column: propertyColumn(a.id),
    source: 'custom',
    ...valueTypeOf(a.type),
  }));
  const dynamic: PropertyRef[] = builtInAnniversaries.flatMap((key) => {
    const base = system.find((p) => p.key === key);
    return base
      ? [
          {
            key: `dynamic:${key}`,
            name: `${base.name}（动态日期）`,
            column: base.column,
            anniversaryColumn: base.column,
            source: 'dynamicDate' as const,
            type: 'time' as const,
            timeType: 'date' as const,
          },
        ]
      : [];
  });
  return [...system, ...custom, ...dynamic];
}

/** Events and their properties (every declared event property applies to every event for now). */
export function eventRefs(declaration: OlapTenantDeclaration | undefined): EventRef[] {
  const properties = new Map<string, PropertyRef>(
    (declaration?.eventProperties ?? []).map((p) => [
      p.name,
      {
        key: p.name,
        name: p.name,
        column: propertyColumn(p.id),
        source: p.name.startsWith('s_') ? 'system' : 'custom',
        ...valueTypeOf(p.type),
      },
    ]),
  );
  return (declaration?.events ?? []).map((e) => ({ code: e.code, name: e.alias, properties }));
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

export function buildContext(
  timeZone: string,
  declaration: OlapTenantDeclaration | undefined,
  groups: readonly GroupRef[],
  tags: readonly TagRef[],
): ConditionContext {
  const contacts = new Map(contactProperties(declaration).map((p) => [p.key, p]));
  const events = new Map(eventRefs(declaration).map((e) => [e.code, e]));
  const groupMap = new Map(groups.map((g) => [g.id, g]));
  const tagMap = new Map(tags.map((t) => [t.id, t]));
  return {
    timeZone,
    contactProperty: (key) => contacts.get(key),
    event: (code) => events.get(code),
    group: (id) => groupMap.get(id),
    tag: (id) => tagMap.get(id),
  };
}

const dto = ({ key, name, type, timeType, source }: PropertyRef): CatalogueProperty => ({
  key,
  name,
  type,
  ...(timeType ? { timeType } : {}),
  source,
});

/** The builder's view of what a tree may refer to. */
export function catalogueDto(
  timeZone: string,
  declaration: OlapTenantDeclaration | undefined,
  groups: readonly GroupRef[],
  tags: readonly TagRef[],
): ConditionCatalogue {
  return {
    timeZone,
    contactProperties: contactProperties(declaration).map(dto),
    events: eventRefs(declaration).map((e) => ({ code: e.code, name: e.name, properties: [...e.properties.values()].map(dto) })),
    groups: groups.map((g) => ({ id: g.id, name: g.name })),
    tags: tags.map((t) => ({ id: t.id, name: t.name, type: t.type })),
  };
}
