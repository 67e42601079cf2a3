import type { SeriesReportResult } from '@huiliu/core/reports';

// How report numbers read (CONSOLE.md "Charts"): thousands separators in the console language,
// at most two decimals (人均次数, 均值); a percent metric ×100 with one decimal; no value as "-".

export type MetricFormat = SeriesReportResult['metrics'][number]['format'];

const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(language: string, fractionDigits: { min: number; max: number }): Intl.NumberFormat {
  const key = `${language}:${fractionDigits.min}:${fractionDigits.max}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(language, {
      minimumFractionDigits: fractionDigits.min,
      maximumFractionDigits: fractionDigits.max,
    });
    numberFormats.set(key, format);
  }
  return format;
}

/** `1234567.891` → `1,234,567.89`; percent `0.12345` → `12.3%`; null → `-`. */
export function formatMetricValue(value: number | null | undefined, format: MetricFormat, language: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  if (format === 'percent') return `${numberFormat(language, { min: 1, max: 1 }).format(value * 100)}%`;
  // -0 (a formula's 0 × −1) reads 0.
  return numberFormat(language, { min: 0, max: 2 }).format(value === 0 ? 0 : value);
}

/** An axis tick: like a value, but large numbers shortened (`12万` / `120K`) so the axis stays narrow. */
export function formatAxisValue(value: number, format: MetricFormat, language: string): string {
  if (format === 'percent') return `${numberFormat(language, { min: 0, max: 1 }).format(value * 100)}%`;
  if (Math.abs(value) >= 10_000) {
    return new Intl.NumberFormat(language, { notation: 'compact', maximumFractionDigits: 1 }).format(value);
  }
  return numberFormat(language, { min: 0, max: 2 }).format(value);
}

/** The change from `previous` to `current` (对比上一周期): a ratio, or null when there is none to compute. */
export function changeRatio(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return (current - previous) / Math.abs(previous);
}

/** The metrics' formats by id. */
export function formatsOf(result: Pick<SeriesReportResult, 'metrics'>): Map<string, MetricFormat> {
  return new Map(result.metrics.map((metric) => [metric.id, metric.format]));
}
