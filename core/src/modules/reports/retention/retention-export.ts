import type { RetentionReportResult } from '../report.types.js';

const UNIT_NAMES = { day: '天', week: '周', month: '月' } as const;

/**
 * The retention table as an export shows it: per group, 合计 then one row per cohort — the initial
 * period, its users, then each offset's users and rate (blank: the period has not started).
 */
export function retentionTable(result: RetentionReportResult): { header: string[]; rows: (string | number | null)[][] } {
  const unit = UNIT_NAMES[result.unit];
  const header = [
    ...(result.groups.length ? ['群组'] : []),
    '初始日期',
    '总用户',
    ...result.offsets.flatMap((k) => [`第${k}${unit}`, `第${k}${unit}比例`]),
  ];
  const rows: (string | number | null)[][] = [];
  for (const table of result.tables) {
    const group = result.groups.length ? [result.groups[table.group ?? 0]?.name ?? ''] : [];
    const cells = (values: (number | null)[], rates: (number | null)[]) =>
      values.flatMap((value, i) => [value, rates[i] === null || rates[i] === undefined ? null : round(rates[i]!)]);
    rows.push([...group, '合计', table.total.users, ...cells(table.total.values, table.total.rates)]);
    for (const cohort of table.cohorts) rows.push([...group, cohort.date, cohort.users, ...cells(cohort.values, cohort.rates)]);
  }
  return { header, rows };
}

/** A rate with 4 decimals (0.3333). */
const round = (rate: number) => Math.round(rate * 10_000) / 10_000;
