import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TagRef } from '../../src/modules/conditions/catalogue.js';
import {
  boolOperators,
  eventAggregates,
  measureOperators,
  numberOperators,
  stringOperators,
  stringsOperators,
  timeOperators,
  timeRangeKinds,
  type Comparison,
  type ConditionLeaf,
  type ConditionNode,
  type ConditionTree,
  type ConditionValueType,
  type EventCondition,
  type EventMeasure,
  type EventPropertyFilter,
  type TimeRange,
} from '../../src/modules/conditions/condition.types.js';
import type { ConditionsService } from '../../src/modules/conditions/conditions.service.js';
import type { OlapContactRow, OlapEventRow } from '../../src/store/olap/analytics-engine.js';
import type { OlapTenantDeclaration } from '../../src/store/olap/declaration.js';
import { DuckDbEngine } from '../../src/store/olap/duckdb/duckdb-engine.js';
import { OltpSchemaVersionStore } from '../../src/store/olap/schema-versions.js';
import { describeOltpEngines, insertTenant } from '../olap/support.js';
import { MembershipDouble, conditionsService, shanghai } from './support.js';

/**
 * A differential test of the condition engine. A seeded generator builds a small tenant and a few
 * hundred random valid trees; each tree is evaluated by `ConditionsService` on a real DuckDB tenant
 * and by the straightforward reference evaluator below — written from ADR 0015 and
 * condition.types.ts, per contact and per leaf, with its own calendar arithmetic (Intl, never
 * time-range.ts or ZonedClock) — and the two answers must agree, also when the evaluation is
 * restricted to a random subset of contacts (the answer is then the intersection).
 *
 * On a disagreement the tree is shrunk (leaves, groups, filters and measures removed while the two
 * still disagree) and the smallest tree is reported with both answers.
 */

const DAY = 86_400_000;
const ZONE = 'Asia/Shanghai';
/** 200 fixed trees; a deeper local run: HUILIU_DIFFERENTIAL_TREES=5000 HUILIU_DIFFERENTIAL_SEED=7. */
const TREES = Number(process.env.HUILIU_DIFFERENTIAL_TREES ?? 200);
const SEED = Number(process.env.HUILIU_DIFFERENTIAL_SEED ?? 15);

// ---------------------------------------------------------------------------------------------
// Deterministic randomness (mulberry32).

class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [low, high]. */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** `count` distinct items (fewer when there are not enough). */
  some<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < count && pool.length) out.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0]!);
    return out;
  }

  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return choices[choices.length - 1]![0];
  }
}

// ---------------------------------------------------------------------------------------------
// The reference's calendar: wall clocks of the tenant zone through Intl. Every time value of the
// reference is a local wall-clock time in "UTC-shaped" ms (Date.UTC of the local parts); a date
// is the wall time of its midnight.

class Calendar {
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The wall clock of an instant. */
  wall(instant: number): number {
    const parts: Record<string, number> = {};
    for (const part of this.format.formatToParts(new Date(instant))) parts[part.type] = Number(part.value);
    const millis = ((instant % 1000) + 1000) % 1000;
    return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) + millis;
  }

  /** The local day number (days since 1970-01-01) of an instant. */
  day(instant: number): number {
    return Math.floor(this.wall(instant) / DAY);
  }
}

const dayOf = (text: string): number => {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  return Date.UTC(year, month - 1, day) / DAY;
};
const dayText = (day: number): string => new Date(day * DAY).toISOString().slice(0, 10);
const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

// ---------------------------------------------------------------------------------------------
// The tenant, as data the reference reads and batches the engine loads.

/** Evaluation times: the seed's query date 2-10, local midnights either side, a month start, leap years. */
const NOW = shanghai(2026, 2, 10, 12);
const NOWS: readonly (readonly [number, number])[] = [
  [NOW, 45],
  [shanghai(2026, 2, 10, 0, 0, 0), 10],
  [shanghai(2026, 2, 9, 23, 59, 59), 10],
  [shanghai(2026, 3, 1, 0, 0, 0), 15],
  [shanghai(2027, 9, 1, 9), 10],
  [shanghai(2028, 2, 29, 10), 10],
];
/** Days around which data is spread (the local dates of the evaluation times that have events). */
const ANCHORS = [dayOf('2026-02-10'), dayOf('2027-09-01'), dayOf('2028-02-29')];

const declaration: OlapTenantDeclaration = {
  timeZone: ZONE,
  events: [
    { code: 'purchase', alias: 'purchase' },
    { code: 'subscribe', alias: 'subscribe' },
    { code: 'unfollow', alias: 'unfollow' },
  ],
  eventProperties: [
    { id: '11', name: 'amount', type: 'number' },
    { id: '12', name: 'sku', type: 'string' },
    { id: '13', name: 'categories', type: 'string[]' },
    { id: '14', name: 'paid_at', type: 'datetime' },
    { id: '15', name: 'qty', type: 'integer' },
    { id: '16', name: 'ship_date', type: 'date' },
    { id: '17', name: 'gift', type: 'bool' },
  ],
  contactAttributes: [
    { id: '21', type: 'integer', name: 'level' },
    { id: '22', type: 'date', name: 'joined' },
    { id: '23', type: 'string[]', name: 'interests' },
  ],
  dimensions: [],
};

interface PropertySpec {
  key: string;
  type: ConditionValueType;
  timeType?: 'date' | 'datetime';
  /** Values the generator compares with (eq/ne/lists, thresholds). */
  pool?: readonly (string | number)[];
  /** Needles of contains / notContains. */
  needles?: readonly string[];
}

const contactProperties: readonly PropertySpec[] = [
  { key: 'identified', type: 'bool' },
  { key: 'province', type: 'string', pool: ['上海', '北京', '广东', '', 'x'], needles: ['上', '京', '', 'x'] },
  {
    key: 'city',
    type: 'string',
    pool: ['上海', '浦东', 'a%b', 'A_b', 'Ab', '', 'x'],
    needles: ['%', '_', 'a', 'A', 'b', '', '浦'],
  },
  { key: 'birthday', type: 'time', timeType: 'date' },
  { key: 'dynamic:birthday', type: 'time', timeType: 'date' },
  { key: 'createdAt', type: 'time', timeType: 'datetime' },
  { key: 'attr21', type: 'number', pool: [-2, 0, 1, 3, 5, 5.5, 7, 10, 12] },
  { key: 'attr22', type: 'time', timeType: 'date' },
  { key: 'attr23', type: 'strings', pool: ['a', 'b', 'c', 'z'] },
];

const eventProperties: readonly PropertySpec[] = [
  { key: 'amount', type: 'number', pool: [0, 12.5, 50, 100, 150, 200, 299.5] },
  { key: 'sku', type: 'string', pool: ['A', 'B', 'C', 'a%', '', 'x'], needles: ['A', 'a', '%', '', 'B'] },
  { key: 'categories', type: 'strings', pool: ['shoes', 'sale', 'bags', 'toys'] },
  { key: 'paid_at', type: 'time', timeType: 'datetime' },
  { key: 'qty', type: 'number', pool: [0, 1, 2, 3, 4] },
  { key: 'ship_date', type: 'time', timeType: 'date' },
  { key: 'gift', type: 'bool' },
];

interface TagSpec {
  ref: TagRef;
  /** The engine's storage type of the values. */
  storage: 'string' | 'number' | 'string[]' | 'date' | 'bool';
  spec: PropertySpec;
}

const tagSpecs: readonly TagSpec[] = [
  {
    ref: { id: '5', name: 'level', type: 'string', calcDate: '2026-02-09' },
    storage: 'string',
    spec: { key: 'tag5', type: 'string', pool: ['gold', 'silver', '', 'Gold', 'g%', 'x'], needles: ['ol', 'g', '%', '', 'G'] },
  },
  {
    ref: { id: '6', name: 'spent', type: 'number', calcDate: '2026-02-09' },
    storage: 'number',
    spec: { key: 'tag6', type: 'number', pool: [-1, 0, 1.5, 180, 200, 250] },
  },
  {
    ref: { id: '7', name: 'likes', type: 'strings', calcDate: '2026-02-09' },
    storage: 'string[]',
    spec: { key: 'tag7', type: 'strings', pool: ['shoes', 'bags', 'toys', 'x'] },
  },
  {
    ref: { id: '8', name: 'last purchase', type: 'time', calcDate: '2026-02-09' },
    storage: 'date',
    spec: { key: 'tag8', type: 'time', timeType: 'datetime' },
  },
  { ref: { id: '13', name: 'vip', type: 'bool', calcDate: '2026-02-09' }, storage: 'bool', spec: { key: 'tag13', type: 'bool' } },
  {
    ref: { id: '11', name: 'never computed', type: 'string', calcDate: null },
    storage: 'string',
    spec: { key: 'tag11', type: 'string', pool: ['gold', ''], needles: ['g', ''] },
  },
];

/** What the reference reads: every value already typed (times as local wall ms). */
interface ContactModel {
  id: string;
  values: Record<string, unknown>;
  /** `MM-DD` of the birthday (for the dynamic date), or null. */
  birthday: string | null;
}

interface EventModel {
  /** The contact whose events these are after merges (the survivor). */
  contactId: string;
  code: string;
  wall: number;
  values: Record<string, unknown>;
}

interface TenantModel {
  contacts: ContactModel[];
  events: EventModel[];
  /** Active members of each group; null for a group never computed. */
  groups: Map<string, Set<string> | null>;
  /** Active values of each tag by contact; null for a tag never computed. */
  tags: Map<string, Map<string, unknown> | null>;
  /** Ids a restricted evaluation picks from: contacts, merged-away ids, an id without a contact. */
  restrictionIds: string[];
}

interface TenantFixture {
  model: TenantModel;
  batches: {
    contacts?: OlapContactRow[];
    events?: OlapEventRow[];
    aliases?: { fromContactId: string; toContactId: string }[];
    deletedContactIds?: string[];
  }[];
  groupVersions: { groupId: string; version: number; members: string[] }[];
  activeGroups: { id: string; version: number | null }[];
  tagWrites: { tagId: string; calcDate: string; storage: TagSpec['storage']; rows: { contactId: string; value: unknown }[] }[];
}

/** An instant near `anchor` (a local day): often exactly at a local midnight or one second before. */
function instantNear(random: Random, anchor: number, spread = 40): number {
  const day = anchor + random.int(-spread, spread);
  const [year, month, date] = dayText(day).split('-').map(Number) as [number, number, number];
  const time = random.weighted<[number, number, number, number]>([
    [[0, 0, 0, 0], 2],
    [[23, 59, 59, 0], 2],
    [[23, 59, 59, 500], 0.5],
    [[random.int(0, 23), random.int(0, 59), random.int(0, 59), 0], 5],
  ]);
  return shanghai(year, month, date, time[0], time[1], time[2]) + time[3];
}

function buildTenant(random: Random, calendar: Calendar): TenantFixture {
  const contactIds = Array.from({ length: 40 }, (_, index) => String(index + 1));
  // Contacts 41–46 are merged away: 41, 42 → 3; 43 → 7; 44 → 45 then 45 → 9; 46 → 45 after that.
  const mergedIds = ['41', '42', '43', '44', '45', '46'];
  const survivors = new Map([
    ['41', '3'],
    ['42', '3'],
    ['43', '7'],
    ['44', '9'],
    ['45', '9'],
    ['46', '9'],
  ]);

  // Birthdays: the nearest-occurrence boundaries (±181..184 days) of several evaluation dates, 29
  // February and its neighbours, random dates and NULL.
  const boundaryBirthdays = [dayOf('2026-02-10'), dayOf('2026-03-01'), dayOf('2027-09-01')].flatMap((today) =>
    [-184, -183, -182, -181, 181, 182, 183, 184].map((offset) => `1992${dayText(today + offset).slice(4)}`),
  );
  const birthdays = [...boundaryBirthdays, '2000-02-29', '1996-02-29', '1996-02-28', '1990-03-01'];
  const shuffled = random.some(contactIds, contactIds.length);
  const birthdayOf = new Map(shuffled.map((id, index) => [id, birthdays[index]]));

  const contactRows: OlapContactRow[] = [];
  const contacts: ContactModel[] = [];
  for (const id of [...contactIds, ...mergedIds]) {
    const birthday = birthdayOf.get(id) ?? (random.chance(0.3) ? null : dayText(dayOf('1985-01-01') + random.int(0, 20 * 365)));
    const createdAt = random.chance(0.15) ? null : instantNear(random, ANCHORS[0]!);
    const row: OlapContactRow = {
      id,
      identified: random.pick([true, false, null]),
      province: random.pick(['上海', '北京', '广东', '', null]),
      city: random.pick(['上海', '浦东', 'a%b', 'A_b', 'Ab', '', null]),
      birthday,
      createdAt,
      attributes: {
        '21': random.chance(0.2) ? null : random.int(-2, 12),
        '22': random.chance(0.2) ? null : dayText(ANCHORS[0]! + random.int(-40, 40)),
        '23': random.pick([null, [], ['a'], ['a', 'b'], ['b', 'c'], ['c']]),
      },
    };
    contactRows.push(row);
    if (mergedIds.includes(id)) continue;
    const attributes = row.attributes!;
    contacts.push({
      id,
      birthday: birthday ? birthday.slice(5) : null,
      values: {
        identified: row.identified,
        province: row.province,
        city: row.city,
        birthday: birthday ? dayOf(birthday) * DAY : null,
        createdAt: createdAt === null ? null : calendar.wall(createdAt),
        attr21: attributes['21'],
        attr22: attributes['22'] === null ? null : dayOf(attributes['22'] as string) * DAY,
        attr23: attributes['23'],
      },
    });
  }

  // Events: mostly around the seed's date, some around the later evaluation dates; a few for a
  // contact id that never became a contact.
  const eventOwners = [...contactIds, ...mergedIds, ...mergedIds, '99'];
  const eventRows: OlapEventRow[] = [];
  const lateRows: OlapEventRow[] = [];
  const events: EventModel[] = [];
  for (let index = 0; index < 400; index += 1) {
    const owner = random.pick(eventOwners);
    const anchor = random.weighted([
      [ANCHORS[0]!, 8],
      [ANCHORS[1]!, 1],
      [ANCHORS[2]!, 1],
    ]);
    const eventTime = instantNear(random, anchor);
    const paidAt = random.chance(0.4) ? null : eventTime + random.pick([0, 1000, 5 * 60_000, -DAY]);
    const shipDate = random.chance(0.4) ? null : dayText(calendar.day(eventTime) + random.int(-1, 3));
    const code = random.weighted([
      ['purchase', 3],
      ['subscribe', 1],
      ['unfollow', 1],
    ]);
    // Only purchases usually carry an amount: a sum over the others is mostly over no value at all.
    const measured = code === 'purchase' || random.chance(0.15);
    const properties: Record<string, unknown> = {
      amount: measured ? random.pick([null, null, 0, 12.5, 50, 50, 100, 150, 200, 299.5]) : null,
      sku: random.pick(['A', 'B', 'C', 'a%', '', null]),
      categories: random.pick([null, [], ['shoes'], ['shoes', 'sale'], ['bags'], ['sale', 'bags']]),
      paid_at: paidAt,
      qty: measured ? random.pick([null, 0, 1, 2, 3, 4]) : null,
      ship_date: shipDate,
      gift: random.pick([true, false, null]),
    };
    // Leave some properties out altogether rather than NULL.
    for (const key of Object.keys(properties)) if (properties[key] === null && random.chance(0.5)) delete properties[key];
    const row: OlapEventRow = {
      eventTime,
      event: code,
      contactId: owner,
      messageId: `d-${index}`,
      direction: 'inbound',
      properties,
    };
    // Some events of merged-away contacts arrive after their merge.
    (mergedIds.includes(owner) && random.chance(0.3) ? lateRows : eventRows).push(row);
    const survivor = survivors.get(owner) ?? owner;
    events.push({
      contactId: survivor,
      code: row.event,
      wall: calendar.wall(eventTime),
      values: {
        amount: properties.amount ?? null,
        sku: properties.sku ?? null,
        categories: properties.categories ?? null,
        paid_at: paidAt === null ? null : calendar.wall(paidAt),
        qty: properties.qty ?? null,
        ship_date: shipDate === null ? null : dayOf(shipDate) * DAY,
        gift: properties.gift ?? null,
      },
    });
  }

  // Groups: 9 reads version 1 (version 2 is being computed), 12 reads version 2, 10 never computed.
  const groupVersions = [
    { groupId: '9', version: 1, members: random.some([...contactIds, '41'], 15) },
    { groupId: '9', version: 2, members: random.some(contactIds, 15) },
    { groupId: '12', version: 1, members: random.some(contactIds, 10) },
    { groupId: '12', version: 2, members: random.some(contactIds, 8) },
  ];
  const activeGroups = [
    { id: '9', version: 1 },
    { id: '12', version: 2 },
    { id: '10', version: null },
  ];
  const groups = new Map<string, Set<string> | null>(
    activeGroups.map((g) => [
      g.id,
      g.version === null ? null : new Set(groupVersions.find((v) => v.groupId === g.id && v.version === g.version)!.members),
    ]),
  );

  // Tags: values on the active calculation day 2026-02-09, stale values on 2026-02-08.
  const tagValue = (storage: TagSpec['storage']): unknown => {
    switch (storage) {
      case 'string':
        return random.pick(['gold', 'silver', '', 'Gold', 'g%', null]);
      case 'number':
        return random.pick([0, 1.5, 180, 200, 250, -1, null]);
      case 'string[]':
        return random.pick([[], ['shoes'], ['shoes', 'bags'], ['toys'], null]);
      case 'date':
        return random.chance(0.1) ? null : shanghai(2026, 2, 10) + random.int(-40, 40) * DAY;
      case 'bool':
        return random.pick([true, false, null]);
    }
  };
  const tagWrites: TenantFixture['tagWrites'] = [];
  const tags = new Map<string, Map<string, unknown> | null>();
  for (const { ref, storage } of tagSpecs) {
    if (ref.calcDate === null) {
      tagWrites.push({ tagId: ref.id, calcDate: '2026-02-08', storage, rows: [{ contactId: '1', value: tagValue(storage) }] });
      tags.set(ref.id, null);
      continue;
    }
    const holders = random.some([...contactIds, '42'], 25);
    const rows = holders.map((contactId) => ({ contactId, value: tagValue(storage) }));
    tagWrites.push({ tagId: ref.id, calcDate: ref.calcDate, storage, rows });
    tagWrites.push({
      tagId: ref.id,
      calcDate: '2026-02-08',
      storage,
      rows: random.some(contactIds, 10).map((contactId) => ({ contactId, value: tagValue(storage) })),
    });
    tags.set(
      ref.id,
      new Map(
        rows.map(({ contactId, value }) => [
          contactId,
          storage === 'date' && value !== null ? calendar.wall(value as number) : value,
        ]),
      ),
    );
  }

  return {
    model: { contacts, events, groups, tags, restrictionIds: [...contactIds, ...mergedIds, '99'] },
    batches: [
      { contacts: contactRows, events: eventRows },
      {
        aliases: [
          { fromContactId: '41', toContactId: '3' },
          { fromContactId: '42', toContactId: '3' },
          { fromContactId: '43', toContactId: '7' },
          { fromContactId: '44', toContactId: '45' },
        ],
        deletedContactIds: ['41', '42', '43', '44'],
      },
      { aliases: [{ fromContactId: '45', toContactId: '9' }], deletedContactIds: ['45'] },
      { aliases: [{ fromContactId: '46', toContactId: '45' }], deletedContactIds: ['46'], events: lateRows },
    ],
    groupVersions,
    activeGroups,
    tagWrites,
  };
}

// ---------------------------------------------------------------------------------------------
// The reference evaluator, from ADR 0015 and condition.types.ts.

/** A closed interval of local wall times (ms); a side is open when absent. */
interface Interval {
  low?: number;
  high?: number;
}

class Reference {
  /** The local date of the evaluation time. */
  readonly today: number;
  private readonly eventsByContact = new Map<string, EventModel[]>();

  constructor(
    private readonly model: TenantModel,
    calendar: Calendar,
    now: number,
  ) {
    this.today = calendar.day(now);
    for (const event of model.events) {
      const list = this.eventsByContact.get(event.contactId) ?? [];
      list.push(event);
      this.eventsByContact.set(event.contactId, list);
    }
  }

  matching(tree: ConditionTree): string[] {
    return this.model.contacts.filter((contact) => this.node(tree, contact)).map((c) => c.id);
  }

  node(node: ConditionNode, contact: ContactModel): boolean {
    switch (node.type) {
      case 'and':
        return node.conditions.every((child) => this.node(child, contact));
      case 'or':
        // An empty root matches every contact, whatever its operator.
        return node.conditions.length === 0 || node.conditions.some((child) => this.node(child, contact));
      case 'property':
        return this.compare(node, this.propertyValue(node.property, contact));
      case 'event':
        return this.event(node, contact);
      case 'group': {
        const members = this.model.groups.get(node.groupId);
        const member = members?.has(contact.id) ?? false;
        return node.operator === 'in' ? member : !member;
      }
      case 'tag': {
        const values = this.model.tags.get(node.tagId);
        return this.compare(node, values?.get(contact.id) ?? null);
      }
    }
  }

  private propertyValue(key: string, contact: ContactModel): unknown {
    if (key !== 'dynamic:birthday') return contact.values[key] ?? null;
    return contact.birthday === null ? null : this.nearestAnniversary(contact.birthday) * DAY;
  }

  /**
   * The occurrence of a `MM-DD` anniversary nearest to today (29 February on the 28th in common
   * years). The ADR does not say which wins a tie (183 days either way, when a 29 February lies
   * in between): the coming one here.
   */
  nearestAnniversary(monthDay: string): number {
    const year = Number(dayText(this.today).slice(0, 4));
    const [month, day] = monthDay.split('-').map(Number) as [number, number];
    let best: number | undefined;
    for (const y of [year - 1, year, year + 1]) {
      const occurrence = Date.UTC(y, month - 1, month === 2 && day === 29 && !isLeap(y) ? 28 : day) / DAY;
      const distance = Math.abs(occurrence - this.today);
      if (
        best === undefined ||
        distance < Math.abs(best - this.today) ||
        (distance === Math.abs(best - this.today) && occurrence > best)
      )
        best = occurrence;
    }
    return best!;
  }

  /**
   * A §3.3 time range as a closed interval of local wall times. Days are whole local days; an
   * absolute `YYYY-MM-DD HH:mm:ss` is the whole second.
   */
  interval(range: TimeRange): Interval {
    const start = (day: number) => day * DAY;
    const end = (day: number) => (day + 1) * DAY - 1;
    const absolute = (text: string, side: 'start' | 'end'): number => {
      if (text.length === 10) return side === 'start' ? start(dayOf(text)) : end(dayOf(text));
      const [hours, minutes, seconds] = text.slice(11).split(':').map(Number) as [number, number, number];
      const second = start(dayOf(text)) + ((hours * 60 + minutes) * 60 + seconds) * 1000;
      return side === 'start' ? second : second + 999;
    };
    const t = this.today;
    switch (range.kind) {
      case 'between':
        return { low: absolute(range.from, 'start'), high: absolute(range.to, 'end') };
      case 'before':
        return { high: absolute(range.date, 'end') };
      case 'after':
        return { low: absolute(range.date, 'start') };
      case 'relativeBefore':
        return { high: end(t + range.offset) };
      case 'relativeAfter':
        return { low: start(t + range.offset) };
      case 'today':
        return { low: start(t), high: end(t) };
      case 'thisMonth': {
        const date = new Date(t * DAY);
        const first = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
        const next = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
        return { low: first, high: next - 1 };
      }
      case 'relativeDay':
        return { low: start(t + range.offset), high: end(t + range.offset) };
      case 'past':
        return { low: start(t - range.days), high: end(range.includeToday ? t : t - 1) };
      case 'next':
        return { low: start(t), high: end(t + range.days) };
      case 'relativeRange':
        return { low: start(t + range.from), high: end(t + range.to) };
    }
  }

  private within(value: number, range: TimeRange): boolean {
    const { low, high } = this.interval(range);
    return (low === undefined || value >= low) && (high === undefined || value <= high);
  }

  /** A comparison on one value (null: the contact or event has none). */
  compare(node: Comparison, value: unknown): boolean {
    const values = node.values ?? [];
    const text = typeof value === 'string' ? value : null;
    const list = Array.isArray(value) ? (value as string[]) : null;
    const number = typeof value === 'number' ? value : null;
    switch (node.operator) {
      case 'eq':
        return value !== null && values.some((v) => v === value);
      case 'ne':
        return !(value !== null && values.some((v) => v === value));
      case 'contains':
        return text !== null && text.includes(String(values[0]));
      case 'notContains':
        return !(text !== null && text.includes(String(values[0])));
      case 'empty':
        return value === null || value === '' || (list !== null && list.length === 0);
      case 'notEmpty':
        return !(value === null || value === '' || (list !== null && list.length === 0));
      case 'lt':
        return number !== null && number < (values[0] as number);
      case 'gt':
        return number !== null && number > (values[0] as number);
      case 'gte':
        return number !== null && number >= (values[0] as number);
      case 'lte':
        return number !== null && number <= (values[0] as number);
      case 'between':
        return number !== null && number >= (values[0] as number) && number <= (values[1] as number);
      case 'isNull':
        return value === null;
      case 'notNull':
        return value !== null;
      case 'isTrue':
        return value === true;
      case 'isFalse':
        return value === false;
      case 'containsAny':
        return list !== null && values.some((v) => list.includes(v as string));
      case 'containsAll':
        return list !== null && values.every((v) => list.includes(v as string));
      case 'notContainsAny':
        return !(list !== null && values.some((v) => list.includes(v as string)));
      case 'in':
        return number !== null && this.within(number, node.range!);
    }
  }

  /** The events of a contact (its own and those of contacts merged into it) an event leaf counts. */
  matchingEvents(node: EventCondition, contactId: string): EventModel[] {
    const filters = node.filters ?? [];
    return (this.eventsByContact.get(contactId) ?? []).filter((event) => {
      if (event.code !== node.event || !this.within(event.wall, node.time)) return false;
      if (filters.length === 0) return true;
      const passes = (filter: EventPropertyFilter) => this.compare(filter, event.values[filter.property] ?? null);
      return node.filterOp === 'or' ? filters.some(passes) : filters.every(passes);
    });
  }

  /** The measured aggregate of a contact's matching events; null when it has no value. */
  aggregate(measure: EventMeasure, events: EventModel[]): number | null {
    if (measure.aggregate === 'count') return events.length;
    const present = events.map((e) => e.values[measure.property!]).filter((v) => v !== null && v !== undefined);
    switch (measure.aggregate) {
      case 'distinctCount':
        return new Set(present.map((v) => JSON.stringify(v))).size;
      case 'sum':
        // A sum over events without the property is 0 (ADR 0015).
        return (present as number[]).reduce((sum, v) => sum + v, 0);
      case 'avg':
        return present.length ? (present as number[]).reduce((sum, v) => sum + v, 0) / present.length : null;
      case 'max':
        return present.length ? Math.max(...(present as number[])) : null;
      case 'min':
        return present.length ? Math.min(...(present as number[])) : null;
    }
  }

  private event(node: EventCondition, contact: ContactModel): boolean {
    const events = this.matchingEvents(node, contact.id);
    let did = events.length > 0;
    if (did && node.measure) {
      const value = this.aggregate(node.measure, events);
      const [first, second] = node.measure.values as [number, number?];
      const holds =
        value !== null &&
        {
          eq: value === first,
          ne: value !== first,
          lt: value < first,
          gt: value > first,
          gte: value >= first,
          lte: value <= first,
          between: value >= first && value <= second!,
        }[node.measure.operator];
      did = holds;
    }
    // Did NOT is the exact complement of did.
    return node.did ? did : !did;
  }
}

// ---------------------------------------------------------------------------------------------
// The generator of valid trees.

const BOUNDARY_OFFSETS = [-184, -183, -182, -181, 181, 182, 183, 184];

class TreeGenerator {
  /** What the generator used, to check it reached every operator and range kind. */
  readonly seen = new Set<string>();

  constructor(
    private readonly random: Random,
    private readonly reference: Reference,
    private readonly model: TenantModel,
  ) {}

  tree(): ConditionTree {
    const r = this.random;
    const count = r.weighted([
      [0, 0.3],
      [1, 3],
      [2, 3],
      [3, 2],
      [4, 1],
    ]);
    const conditions: ConditionNode[] = [];
    for (let i = 0; i < count; i += 1) {
      if (r.chance(0.25)) {
        const leaves = Array.from({ length: r.int(1, 3) }, () => this.leaf());
        conditions.push({ type: r.pick(['and', 'or'] as const), conditions: leaves });
      } else conditions.push(this.leaf());
    }
    return { type: r.pick(['and', 'or'] as const), conditions };
  }

  leaf(): ConditionLeaf {
    const kind = this.random.weighted([
      ['property', 35],
      ['event', 35],
      ['group', 10],
      ['tag', 20],
    ] as const);
    this.seen.add(`leaf:${kind}`);
    switch (kind) {
      case 'property': {
        const property = this.random.pick(contactProperties);
        return { type: 'property', property: property.key, ...this.comparison(property) };
      }
      case 'event':
        return this.event();
      case 'group': {
        const operator = this.random.pick(['in', 'notIn'] as const);
        this.seen.add(`group:${operator}`);
        return { type: 'group', groupId: this.random.pick(['9', '12', '10']), operator };
      }
      case 'tag': {
        const tag = this.random.pick(tagSpecs);
        return { type: 'tag', tagId: tag.ref.id, ...this.comparison(tag.spec) };
      }
    }
  }

  private comparison(property: PropertySpec): Comparison {
    const r = this.random;
    const operators = {
      string: stringOperators,
      number: numberOperators,
      bool: boolOperators,
      time: timeOperators,
      strings: stringsOperators,
    }[property.type];
    const operator =
      property.type === 'time'
        ? r.weighted([
            ['in', 6],
            ['notNull', 1],
            ['isNull', 1],
          ] as const)
        : r.pick(operators);
    this.seen.add(`${property.type}:${operator}`);
    const pool = property.pool ?? [];
    switch (operator) {
      case 'eq':
      case 'ne':
      case 'containsAny':
      case 'containsAll':
      case 'notContainsAny':
        return { operator, values: r.some(pool, r.int(1, 3)) };
      case 'contains':
      case 'notContains':
        return { operator, values: [r.pick(property.needles!)] };
      case 'lt':
      case 'gt':
      case 'gte':
      case 'lte':
        return { operator, values: [r.pick(pool)] };
      case 'between': {
        const [a, b] = [r.pick(pool) as number, r.pick(pool) as number];
        return { operator, values: [Math.min(a, b), Math.max(a, b)] };
      }
      case 'in':
        return { operator, range: this.range(property.timeType!, property.key) };
      default:
        return { operator };
    }
  }

  /** A random valid range; dates only for DATE values; anniversaries get their boundary offsets. */
  range(timeType: 'date' | 'datetime', key = ''): TimeRange {
    const r = this.random;
    const kind = r.pick(timeRangeKinds);
    this.seen.add(`range:${kind}`);
    const boundary = key === 'dynamic:birthday' && r.chance(0.6);
    const offset = () => (boundary ? r.pick(BOUNDARY_OFFSETS) + r.int(-1, 1) : r.int(-45, 45));
    const span = () => (boundary ? r.pick([181, 182, 183, 184]) : r.int(1, 45));
    const around = key === 'birthday' ? dayOf('1985-01-01') + r.int(0, 20 * 365) : this.reference.today;
    const absolute = (): string => {
      const date = dayText(around + (key === 'birthday' ? 0 : offset()));
      if (timeType === 'date' || r.chance(0.5)) return date;
      const time = r.pick(['00:00:00', '23:59:59', '12:00:00', `${String(r.int(0, 23)).padStart(2, '0')}:30:00`]);
      return `${date} ${time}`;
    };
    switch (kind) {
      case 'between': {
        const [a, b] = [absolute(), absolute()];
        // A date sorts before a datetime of the same day, so this is never reversed.
        return a <= b ? { kind, from: a, to: b } : { kind, from: b, to: a };
      }
      case 'before':
      case 'after':
        return { kind, date: absolute() };
      case 'relativeBefore':
      case 'relativeAfter':
      case 'relativeDay':
        return { kind, offset: offset() };
      case 'today':
      case 'thisMonth':
        return { kind };
      case 'past':
        return { kind, days: span(), includeToday: r.chance(0.5) };
      case 'next':
        return { kind, days: span() };
      case 'relativeRange': {
        const [a, b] = [offset(), offset()];
        return { kind, from: Math.min(a, b), to: Math.max(a, b) };
      }
    }
  }

  private event(): EventCondition {
    const r = this.random;
    const node: EventCondition = {
      type: 'event',
      did: r.chance(0.6),
      event: r.weighted([
        ['purchase', 3],
        ['subscribe', 1],
        ['unfollow', 1],
      ]),
      time: this.range('datetime'),
    };
    if (r.chance(0.5)) {
      node.filters = Array.from({ length: r.int(1, 3) }, () => {
        const property = r.pick(eventProperties);
        return { property: property.key, ...this.comparison(property) } as EventPropertyFilter;
      });
      if (r.chance(0.6)) node.filterOp = r.pick(['and', 'or'] as const);
    }
    if (r.chance(0.55)) node.measure = this.measure(node);
    this.seen.add(`event:did=${node.did}`);
    return node;
  }

  private measure(node: EventCondition): EventMeasure {
    const r = this.random;
    const aggregate = r.pick(eventAggregates);
    const property =
      aggregate === 'count' ? undefined : aggregate === 'distinctCount' ? r.pick(eventProperties).key : r.pick(['amount', 'qty']);
    const operator = r.pick(measureOperators);
    this.seen.add(`measure:${aggregate}`);
    this.seen.add(`measure:${operator}`);
    // Half the time compare with a value some contact actually has, so = and between bite.
    const base: EventMeasure = { aggregate, ...(property ? { property } : {}), operator, values: [] };
    const observed = this.model.contacts
      .map((c) => this.reference.matchingEvents(node, c.id))
      .filter((events) => events.length > 0)
      .map((events) => this.reference.aggregate(base, events))
      .filter((v): v is number => v !== null);
    const value = () =>
      observed.length && r.chance(0.5)
        ? r.pick(observed)
        : aggregate === 'count' || aggregate === 'distinctCount'
          ? r.int(0, 5)
          : r.pick([0, 12.5, 50, 100, 150, 200, 300, 500]);
    let values = operator === 'between' ? [value(), value()].sort((a, b) => a - b) : [value()];
    if (operator === 'between' && values[0] === values[1] && r.chance(0.3)) values = [values[0]!, values[0]! + 1];
    // "Did" with a count that can never hold is refused by the validator: generate did NOT instead.
    const [first, last] = [values[0]!, values[values.length - 1]!];
    const never =
      (operator === 'eq' && first < 1) ||
      (operator === 'lt' && first <= 1) ||
      (operator === 'lte' && first < 1) ||
      (operator === 'between' && last < 1);
    if (node.did && aggregate === 'count' && never) node.did = false;
    return { ...base, values };
  }
}

// ---------------------------------------------------------------------------------------------
// Shrinking a disagreement.

/** Smaller trees: each without one child, one filter or the measure, a group unwrapped. */
function* shrinks(tree: ConditionTree): Generator<ConditionTree> {
  const children = tree.conditions;
  for (let i = 0; i < children.length; i += 1) {
    const without = [...children.slice(0, i), ...children.slice(i + 1)];
    yield { ...tree, conditions: without };
    const child = children[i]!;
    const replace = (node: ConditionNode): ConditionTree => ({
      ...tree,
      conditions: [...children.slice(0, i), node, ...children.slice(i + 1)],
    });
    if (child.type === 'and' || child.type === 'or') {
      for (const leaf of child.conditions) yield replace(leaf);
      for (let j = 0; j < child.conditions.length && child.conditions.length > 1; j += 1)
        yield replace({ ...child, conditions: [...child.conditions.slice(0, j), ...child.conditions.slice(j + 1)] });
    }
    if (child.type === 'event') {
      if (child.measure) yield replace({ ...child, measure: undefined });
      for (let j = 0; j < (child.filters?.length ?? 0); j += 1) {
        const filters = child.filters!.filter((_, k) => k !== j);
        yield replace(filters.length ? { ...child, filters } : { ...child, filters: undefined, filterOp: undefined });
      }
      yield replace({ ...child, time: { kind: 'after', date: '2000-01-01' } });
    }
  }
  if (children.length === 1 && tree.type === 'or') yield { ...tree, type: 'and' };
}

// ---------------------------------------------------------------------------------------------

const byId = (ids: readonly string[]) => [...ids].sort((a, b) => Number(a) - Number(b));

describeOltpEngines('condition compiler against a reference evaluator', (ctx) => {
  let engine: DuckDbEngine | undefined;
  let conditions: ConditionsService;
  const memberships = new MembershipDouble();
  const calendar = new Calendar(ZONE);
  const fixture = buildTenant(new Random(20260210), calendar);
  let tenant = '';

  beforeAll(async () => {
    engine = await DuckDbEngine.open({
      path: path.join(ctx.fixture.dir, 'analytics.duckdb'),
      versions: new OltpSchemaVersionStore(ctx.fixture.oltp),
      threads: 2,
    });
    await engine.start();
    conditions = conditionsService(engine, ctx.fixture.oltp, memberships);
    tenant = await insertTenant(ctx.fixture.oltp, { timeZone: ZONE });
    const olap = engine.forTenant(tenant);
    await olap.declare(declaration);
    for (const [index, batch] of fixture.batches.entries()) await olap.load({ batchId: `b${index}`, ...batch });
    for (const { groupId, version, members } of fixture.groupVersions)
      await olap.replaceGroupVersion(groupId, version, { rows: members });
    for (const { id, version } of fixture.activeGroups) memberships.groupRefs.set(id, { id, name: `group ${id}`, version });
    for (const { tagId, calcDate, storage, rows } of fixture.tagWrites)
      await olap.replaceTagValues(tagId, calcDate, storage, { rows });
    for (const { ref } of tagSpecs) memberships.tagRefs.set(ref.id, ref);
  });

  afterAll(async () => {
    await engine?.close();
  });

  it('the loaded tenant is the one the reference reads', async () => {
    const olap = engine!.forTenant(tenant);
    const contacts = await olap.query<{ id: string }>('SELECT id FROM contacts ORDER BY id', { rowMode: 'json' });
    expect(byId(contacts.rows.map((r) => String(r.id)))).toEqual(byId(fixture.model.contacts.map((c) => c.id)));
    const events = await olap.query<{ contact_id: string; n: number }>(
      'SELECT contact_id, count(*) AS n FROM events GROUP BY contact_id',
      { rowMode: 'json' },
    );
    const counts = new Map<string, number>();
    for (const e of fixture.model.events) counts.set(e.contactId, (counts.get(e.contactId) ?? 0) + 1);
    expect(new Map(events.rows.map((r) => [String(r.contact_id), Number(r.n)]))).toEqual(counts);
  });

  it(
    `agrees on ${TREES} random trees, in full and restricted to random contacts`,
    async () => {
      const random = new Random(SEED);
      const failures: string[] = [];
      const outcomes = { empty: 0, partial: 0, everyone: 0 };
      const seen = new Set<string>();
      for (let index = 0; index < TREES; index += 1) {
        const now = random.weighted(NOWS);
        const reference = new Reference(fixture.model, calendar, now);
        const generator = new TreeGenerator(random, reference, fixture.model);
        const tree = generator.tree();
        for (const s of generator.seen) seen.add(s);
        const problems = await conditions.validate(tenant, tree);
        expect(problems, `tree ${index} is valid: ${JSON.stringify(tree)}`).toEqual([]);

        const restriction = random.some(fixture.model.restrictionIds, random.int(0, 8));
        if (restriction.length && random.chance(0.2)) restriction.push(restriction[0]!);
        const disagreement = async (candidate: ConditionTree) => {
          const expected = reference.matching(candidate);
          const actual = byId(await conditions.matchingContacts(tenant, candidate, { now }));
          const restrictedExpected = expected.filter((id) => restriction.includes(id));
          const restrictedActual = byId(await conditions.matchingContacts(tenant, candidate, { now, contactIds: restriction }));
          if (JSON.stringify(expected) !== JSON.stringify(actual)) return { expected, actual, restriction: undefined };
          if (JSON.stringify(restrictedExpected) !== JSON.stringify(restrictedActual))
            return { expected: restrictedExpected, actual: restrictedActual, restriction };
          return undefined;
        };

        const found = await disagreement(tree);
        const total = fixture.model.contacts.length;
        const size = reference.matching(tree).length;
        outcomes[size === 0 ? 'empty' : size === total ? 'everyone' : 'partial'] += 1;
        if (!found) {
          // The count query (预估) is compiled from the same tree: it must count the same contacts.
          if (index % 4 === 0) {
            const { count } = await conditions.estimate(tenant, tree, { now });
            if (count !== size) failures.push(`tree ${index}: estimate ${count}, expected ${size}: ${JSON.stringify(tree)}`);
          }
          continue;
        }
        // Shrink the first few: take any smaller tree that still disagrees, until none does.
        let smallest = tree;
        let answer = found;
        for (let progress = failures.length < 5; progress;) {
          progress = false;
          for (const candidate of shrinks(smallest)) {
            if (JSON.stringify(candidate) === JSON.stringify(smallest)) continue;
            const again = await disagreement(candidate);
            if (again) {
              smallest = candidate;
              answer = again;
              progress = true;
              break;
            }
          }
        }
        failures.push(
          `tree ${index} at ${new Date(now).toISOString()}` +
            (answer.restriction ? ` restricted to ${JSON.stringify(answer.restriction)}` : '') +
            `\n  smallest: ${JSON.stringify(smallest)}\n  expected: ${JSON.stringify(answer.expected)}\n  actual:   ${JSON.stringify(answer.actual)}`,
        );
        if (failures.length >= 20) break;
      }
      expect(failures, failures.join('\n')).toEqual([]);

      // The comparison is not vacuous: trees select some, none and all contacts, and the generator
      // reached every operator of every type, every range kind and every aggregate.
      expect(outcomes.partial).toBeGreaterThan(TREES / 2);
      expect(outcomes.empty).toBeGreaterThan(0);
      expect(outcomes.everyone).toBeGreaterThan(0);
      const expectedKinds = [
        ...stringOperators.map((o) => `string:${o}`),
        ...numberOperators.map((o) => `number:${o}`),
        ...boolOperators.map((o) => `bool:${o}`),
        ...timeOperators.map((o) => `time:${o}`),
        ...stringsOperators.map((o) => `strings:${o}`),
        ...timeRangeKinds.map((k) => `range:${k}`),
        ...eventAggregates.map((a) => `measure:${a}`),
        ...measureOperators.map((o) => `measure:${o}`),
        'event:did=true',
        'event:did=false',
        'group:in',
        'group:notIn',
      ];
      expect(expectedKinds.filter((kind) => !seen.has(kind))).toEqual([]);
    },
    60_000 + TREES * 200,
  );
});
