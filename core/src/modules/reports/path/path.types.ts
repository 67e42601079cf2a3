/**
 * 路径分析 (seed §1.7.8; SPEC §6; ADR 0058): the question and its answer. Pure data and types — the
 * console bundles them through `@huiliu/core/reports`.
 */
import type { ConditionTree, EventPropertyFilter, TimeRange } from '../../conditions/condition.types.js';
import type { ReportGroupSelection } from '../report.types.js';

/** Limits of a path question (ADR 0058). */
export const pathLimits = {
  /** Events that may be path nodes. */
  events: 20,
  /** Layers shown by default (桑基图默认展示四个节点事件) and at most (展开下一层 up to 10). */
  defaultLayers: 4,
  maxLayers: 10,
  /** Nodes a layer shows by default (每层最多展示 7 个节点) and at most; the rest fold into 其他. */
  defaultNodes: 7,
  maxNodes: 20,
  /** 事件间隔: default 30 minutes, at most 24 hours. */
  defaultInterval: { value: 30, unit: 'minute' },
  maxIntervalMinutes: 1440,
} as const;

/** A path event (or virtual event `virtual:<id>`) with its own property filters. */
export interface PathEvent {
  event: string;
  filters?: EventPropertyFilter[];
  filterOp?: 'and' | 'or';
}

/** 事件间隔: two neighbouring events further apart than this are in different sessions. */
export interface PathInterval {
  value: number;
  unit: 'minute' | 'hour';
}

/** 路径分析: the question the builder edits. */
export interface PathQuery {
  /** The events that may be path nodes (an event row matching several is the first of them). */
  events: PathEvent[];
  /** 起始事件 or 结束事件: `event` is an index into `events`. */
  anchor: { kind: 'start' | 'end'; event: number };
  interval: PathInterval;
  /** 选择维度: an event property; a node is an event and its value of the property. */
  dimension?: { property: string };
  /** 公共筛选条件: a condition tree on the user. */
  filters?: { contacts?: ConditionTree };
  /** 选择查看群组: one path per group. */
  groups?: ReportGroupSelection[];
  /** 合并连续重复节点: neighbours with the same event and dimension value become one node. */
  merge: boolean;
  /** Layers shown (1..10, default 4). */
  layers: number;
  /** Nodes a layer shows (1..20, default 7); the others fold into one 其他 node. */
  nodes: number;
  /** The events' time range in the tenant's zone. */
  timeRange: TimeRange;
}

/**
 * A node: layer `layer` (1 = the start / end event) and rank `id`. `event` is an index into the
 * result's `events` (`null`: the 其他 node of the layer, every node beyond the shown ones).
 */
export interface PathNode {
  /** `<layer>-<rank>` (rank 1 = the most sessions; the 其他 node ranks last). */
  id: string;
  layer: number;
  event: number | null;
  /** The dimension value (`null`: no value); absent without a dimension and on 其他 nodes. */
  value?: string | null;
  /** 节点会话数. */
  sessions: number;
  /** 节点留存量: sessions that go on to the next layer (shown or not). */
  retained: number;
  /** 节点流失量: sessions − retained. */
  churned: number;
}

/** Sessions going from a node of layer i to a node of layer i + 1. */
export interface PathEdge {
  source: string;
  target: string;
  sessions: number;
}

/** The path of one compared group (or of everyone). */
export interface PathSeries {
  group?: number;
  /** Sessions with the start / end event: the first layer's sessions. */
  sessions: number;
  nodes: PathNode[];
  edges: PathEdge[];
  /** Whether some session goes on past the last layer shown (展开下一层 shows more). */
  more: boolean;
}

/** 路径分析's answer. */
export interface PathReportResult {
  kind: 'path';
  model: string;
  timeZone: string;
  /** Local dates, inclusive. */
  from: string;
  to: string;
  anchor: 'start' | 'end';
  events: { event: string; name: string }[];
  dimension?: { key: string; name: string };
  layers: number;
  nodes: number;
  groups: { name: string }[];
  paths: PathSeries[];
  groupCount: number;
  truncated: boolean;
  computedAt: number;
  cached: boolean;
}

/** A node's label: `event · value` (其他: `other`; no value: `empty`). */
export function pathNodeLabel(
  result: Pick<PathReportResult, 'events' | 'dimension'>,
  node: PathNode,
  words: { other: string; empty: string },
): string {
  if (node.event === null) return words.other;
  const name = result.events[node.event]?.name ?? '';
  if (!result.dimension) return name;
  return `${name} · ${node.value ?? words.empty}`;
}
