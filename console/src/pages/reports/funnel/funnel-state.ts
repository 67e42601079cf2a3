import type { ConditionCatalogue } from '@huiliu/core/conditions';
import {
  funnelLimits,
  type FunnelAnalysisQuery,
  type FunnelExclusion,
  type FunnelReportResult,
  type FunnelSeries,
  type FunnelStep,
} from '@huiliu/core/reports';
import type { EChartsCoreOption } from 'echarts/core';
import { formatMetricValue } from '../../../components/charts/report-format';

// 漏斗分析's question as the builder edits it, and its answer as the chart and the table show it
// (seed §1.7.3; ADR 0054). Pure: texts come in as arguments.

export interface QueryProblem {
  path: string;
  code: string;
  message?: string;
}

/** A new question: the first two events (the same one twice when there is one), 7 days, the past 7 days. */
export function defaultQuery(catalogue: ConditionCatalogue): FunnelAnalysisQuery | undefined {
  const first = catalogue.events[0];
  if (!first) return undefined;
  const second = catalogue.events[1] ?? first;
  return {
    steps: [{ event: first.code }, { event: second.code }],
    window: { unit: 'day', value: 7 },
    windowWithinRange: false,
    timeRange: { kind: 'past', days: 7, includeToday: true },
    exclusions: [],
    filters: {},
    groups: [],
  };
}

/** The default two steps cannot be deleted (§1.7.3.2.1); steps 3+ can. */
export const canRemoveStep = (index: number) => index >= funnelLimits.minSteps;
export const canAddStep = (query: Pick<FunnelAnalysisQuery, 'steps'>) => query.steps.length < funnelLimits.maxSteps;

/** A step added at the end: the last step's event, no filters. */
export function addStep(query: FunnelAnalysisQuery): FunnelAnalysisQuery {
  if (!canAddStep(query)) return query;
  const last = query.steps[query.steps.length - 1]!;
  return { ...query, steps: [...query.steps, { event: last.event }] };
}

/**
 * Step `index` removed (3+ only): an exclusion between it and a neighbour moves with the steps —
 * one after a removed step now follows the step before it; one past the new last step is dropped.
 */
export function removeStep(query: FunnelAnalysisQuery, index: number): FunnelAnalysisQuery {
  if (!canRemoveStep(index) || index >= query.steps.length) return query;
  const steps = query.steps.filter((_, at) => at !== index);
  const exclusions = (query.exclusions ?? [])
    .map((x) => (x.afterStep > index ? { ...x, afterStep: x.afterStep - 1 } : x))
    .filter((x) => x.afterStep < steps.length);
  return { ...query, steps, exclusions };
}

export const windowMax = (unit: FunnelAnalysisQuery['window']['unit']) =>
  unit === 'hour' ? funnelLimits.maxHours : funnelLimits.maxDays;

/** The window in another unit: the value kept, at most the unit's maximum. */
export function withWindowUnit(query: FunnelAnalysisQuery, unit: FunnelAnalysisQuery['window']['unit']): FunnelAnalysisQuery {
  return { ...query, window: { unit, value: Math.min(query.window.value, windowMax(unit)) } };
}

/** A saved report's query as the builder edits it (defaults filled). */
export function editableQuery(saved: Record<string, unknown>): FunnelAnalysisQuery {
  const query = saved as unknown as FunnelAnalysisQuery;
  return {
    ...query,
    window: query.window ?? { unit: 'day', value: 7 },
    windowWithinRange: query.windowWithinRange ?? false,
    exclusions: query.exclusions ?? [],
    filters: query.filters ?? {},
    groups: query.groups ?? [],
  };
}

const cleanStep = <T extends FunnelStep | FunnelExclusion>(step: T): T => {
  const next = { ...step };
  if (!next.filters?.length) {
    delete next.filters;
    delete next.filterOp;
  }
  if ('name' in next && !next.name?.trim()) delete (next as FunnelStep).name;
  return next;
};

/** What is sent: no empty filters, names, property or dimension; an empty user filter dropped. */
export function queryToSend(query: FunnelAnalysisQuery): FunnelAnalysisQuery {
  const next: FunnelAnalysisQuery = {
    ...query,
    steps: query.steps.map(cleanStep),
    exclusions: (query.exclusions ?? []).map(cleanStep),
    filters: query.filters?.contacts?.conditions.length ? { contacts: query.filters.contacts } : {},
  };
  if (!next.holdProperty) delete next.holdProperty;
  if (!next.dimension?.property) delete next.dimension;
  return next;
}

/** What the builder can tell before asking: a step without event, a window out of range. */
export function localProblems(query: FunnelAnalysisQuery, texts: { eventRequired: string; window: string }): QueryProblem[] {
  const problems: QueryProblem[] = [];
  query.steps.forEach((step, index) => {
    if (!step.event) problems.push({ path: `steps.${index}.event`, code: 'any_required', message: texts.eventRequired });
  });
  (query.exclusions ?? []).forEach((x, index) => {
    if (!x.event) problems.push({ path: `exclusions.${index}.event`, code: 'any_required', message: texts.eventRequired });
  });
  const { value, unit } = query.window;
  if (!Number.isInteger(value) || value < 1 || value > windowMax(unit))
    problems.push({ path: 'window.value', code: 'number_max', message: texts.window });
  return problems;
}

export interface FunnelTexts {
  /** The all-users funnel: 总体. */
  overall: string;
  /** A dimension without a value: (空). */
  empty: string;
  /** Units of a duration. */
  units: { day: string; hour: string; minute: string; second: string };
  /** Tooltip lines. */
  users: string;
  conversion: string;
  overallConversion: string;
}

/** A funnel's name: `group · value`, each part only when it tells funnels apart. */
export function funnelLabel(result: FunnelReportResult, funnel: FunnelSeries, texts: FunnelTexts): string {
  const parts: string[] = [];
  if (result.groups.length) parts.push(result.groups[funnel.group ?? 0]?.name ?? '');
  if (result.dimension) parts.push(funnel.dimension === undefined ? texts.overall : (funnel.dimension ?? texts.empty));
  return parts.length ? parts.join(' · ') : texts.overall;
}

/** `93784` s → `1天2小时`; `3700` → `1小时1分钟`; `45` → `45秒`; null → `-` (two largest units). */
export function formatDuration(seconds: number | null, units: FunnelTexts['units']): string {
  if (seconds === null || !Number.isFinite(seconds)) return '-';
  const total = Math.round(seconds);
  const parts: [number, string][] = [
    [Math.floor(total / 86_400), units.day],
    [Math.floor((total % 86_400) / 3600), units.hour],
    [Math.floor((total % 3600) / 60), units.minute],
    [total % 60, units.second],
  ];
  const first = parts.findIndex(([value]) => value > 0);
  if (first < 0) return `0${units.second}`;
  return parts
    .slice(first, first + 2)
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value}${unit}`)
    .join('')
    .trim();
}

/** The funnels the chart draws: every group's all-users funnel; without groups, also the top 5 dimension values. */
export function chartedFunnels(result: FunnelReportResult): FunnelSeries[] {
  const all = result.funnels.filter((f) => f.dimension === undefined);
  if (result.groups.length || !result.dimension) return all;
  return [...all, ...result.funnels.filter((f) => f.dimension !== undefined).slice(0, 5)];
}

/**
 * 漏斗图: one bar per step (users reaching it) per charted funnel, labelled with the users and the
 * overall conversion; the tooltip adds the step conversion.
 */
export function funnelChartOption(result: FunnelReportResult, texts: FunnelTexts, language: string): EChartsCoreOption {
  const funnels = chartedFunnels(result);
  const percent = (value: number | null) => formatMetricValue(value, 'percent', language);
  const number = (value: number | null) => formatMetricValue(value, 'number', language);
  return {
    grid: { left: 48, right: 24, top: funnels.length > 1 ? 40 : 24, bottom: 32, containLabel: true },
    legend: funnels.length > 1 ? { top: 0, type: 'scroll' } : undefined,
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params: { seriesIndex: number; dataIndex: number }[]) => {
        const step = params[0]?.dataIndex ?? 0;
        const lines = [`${step + 1}. ${result.steps[step]?.name ?? ''}`];
        for (const p of params) {
          const funnel = funnels[p.seriesIndex]!;
          const value = funnel.steps[step]!;
          lines.push(
            `${funnelLabel(result, funnel, texts)}: ${texts.users} ${number(value.users)}, ${texts.conversion} ${percent(value.conversion)}, ${texts.overallConversion} ${percent(value.overall)}`,
          );
        }
        return lines.join('<br/>');
      },
    },
    xAxis: { type: 'category', data: result.steps.map((s, k) => `${k + 1}. ${s.name}`) },
    yAxis: { type: 'value', minInterval: 1 },
    series: funnels.map((funnel) => ({
      type: 'bar',
      name: funnelLabel(result, funnel, texts),
      barMaxWidth: 64,
      data: funnel.steps.map((s) => s.users),
      label: {
        show: true,
        position: 'top',
        formatter: ({ dataIndex }: { dataIndex: number }) => {
          const value = funnel.steps[dataIndex]!;
          return `${number(value.users)}\n${percent(value.overall)}`;
        },
      },
    })),
  };
}

export interface FunnelTableRow {
  key: string;
  /** The funnel's name (group · value), on its first step only. */
  funnel: string;
  rowSpan: number;
  step: string;
  users: number;
  conversion: number | null;
  overall: number | null;
  medianSeconds: number | null;
  /** The cell 保存为群组 saves (ADR 0063): the users reaching this step of this funnel. */
  cell: { group?: number; step: number; dimension?: string | null };
}

/** The table: one row per funnel and step. */
export function funnelTableRows(result: FunnelReportResult, texts: FunnelTexts): FunnelTableRow[] {
  return result.funnels.flatMap((funnel, f) =>
    funnel.steps.map((step, k) => ({
      key: `${f}-${k}`,
      funnel: funnelLabel(result, funnel, texts),
      rowSpan: k === 0 ? funnel.steps.length : 0,
      step: `${k + 1}. ${result.steps[k]?.name ?? ''}`,
      users: step.users,
      conversion: step.conversion,
      overall: step.overall,
      medianSeconds: step.medianSeconds,
      cell: {
        ...(funnel.group === undefined ? {} : { group: funnel.group }),
        step: k + 1,
        ...(funnel.dimension === undefined ? {} : { dimension: funnel.dimension }),
      },
    })),
  );
}
