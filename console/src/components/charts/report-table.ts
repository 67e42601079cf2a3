import type { SeriesReportResult } from '@huiliu/core/reports';
import { formatsOf, type MetricFormat } from './report-format';
import { seriesKey, type ChartLabels } from './report-option';

// The table of a series result, laid out as its export (report-export.ts): one row per series —
// group, dimension values, metric — then the whole range's value (合计) and one column per bucket.
// With 对比上一周期 each row is followed by its previous period's row, aligned bucket by bucket.

export interface ReportTableLabels extends ChartLabels {
  group: string;
  metric: string;
}

export interface ReportTableRow {
  key: string;
  group?: string;
  dimensions: string[];
  metric: string;
  /** The leading cells in the order of `heads`: group?, dimension values, metric. */
  cells: string[];
  format: MetricFormat;
  /** 合计 (absent when the granularity is 合计: the one bucket is the total). */
  total?: number | null;
  values: (number | null)[];
  previous: boolean;
}

export interface ReportTableLayout {
  /** Leading text columns: 群组?, each dimension, 指标. */
  heads: string[];
  /** Value columns: 合计? and the buckets. */
  valueHeads: string[];
  rows: ReportTableRow[];
}

export function reportTableLayout(result: SeriesReportResult, labels: ReportTableLabels): ReportTableLayout {
  const byTime = result.granularity !== 'total';
  const formats = formatsOf(result);
  const names = new Map(result.metrics.map((m) => [m.id, m.name]));
  const withGroups = result.groups.length > 0;
  const previous = new Map((result.previous?.series ?? []).map((s) => [seriesKey(s), s]));
  const rows: ReportTableRow[] = [];
  result.series.forEach((s, index) => {
    const base = {
      ...(withGroups ? { group: result.groups[s.group ?? 0]?.name ?? '' } : {}),
      dimensions: s.dimensions.map((value) => value ?? labels.empty),
      format: formats.get(s.metric) ?? 'number',
    };
    const metric = names.get(s.metric) ?? s.metric;
    const leading = (name: string) => [...(base.group !== undefined ? [base.group] : []), ...base.dimensions, name];
    rows.push({
      ...base,
      key: `c${index}`,
      metric,
      cells: leading(metric),
      ...(byTime ? { total: s.total } : {}),
      values: s.values,
      previous: false,
    });
    const twin = previous.get(seriesKey(s));
    if (twin) {
      const name = `${metric} (${labels.previous})`;
      rows.push({
        ...base,
        key: `p${index}`,
        metric: name,
        cells: leading(name),
        ...(byTime ? { total: twin.total } : {}),
        values: result.buckets.map((_, at) => twin.values[at] ?? null),
        previous: true,
      });
    }
  });
  return {
    heads: [...(withGroups ? [labels.group] : []), ...result.dimensions.map((d) => d.name), labels.metric],
    valueHeads: [...(byTime ? [labels.total] : []), ...result.buckets],
    rows,
  };
}
