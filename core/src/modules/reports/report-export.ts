import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import { distributionTable } from './distribution/distribution.js';
import { ltvTable } from './ltv/ltv.types.js';
import { attributionTable } from './attribution/attribution.types.js';
import { pathTable } from './path/path.js';
import { profileTable } from './profile/profile.types.js';
import { exportLabel } from './report-labels.js';
import type { FunnelReportResult, ReportResult } from './report.types.js';
import { retentionTable } from './retention/retention-export.js';
import { userAnalysisTable } from './user/user-analysis.types.js';

export type ExportFormat = 'csv' | 'xlsx';

/**
 * The table of a result as an export shows it: one row per series (group, dimension values, metric),
 * then the whole range's value and one column per bucket — the console's table, unpaged. A table
 * result (plugins' SQL models) is written as its rows.
 */
export function reportTable(result: ReportResult): { header: string[]; rows: (string | number | null)[][] } {
  if (result.kind === 'distribution') return distributionTable(result);
  if (result.kind === 'ltv') return ltvTable(result);
  if (result.kind === 'path') return pathTable(result);
  if (result.kind === 'profile') return profileTable(result);
  if (result.kind === 'table') {
    const header = result.columns.map((c) => c.name);
    return { header, rows: result.rows.map((row) => header.map((name) => cell(row[name]))) };
  }
  if (result.kind === 'retention') return retentionTable(result);
  if (result.kind === 'funnel') return funnelTable(result);
  if (result.kind === 'userAnalysis') return userAnalysisTable(result);
  if (result.kind === 'attribution') return attributionTable(result);
  const metricNames = new Map(result.metrics.map((m) => [m.id, m.name]));
  const header = [
    ...(result.groups.length ? ['群组'] : []),
    ...result.dimensions.map((d) => d.name),
    '指标',
    ...(result.granularity === 'total' ? [] : ['合计']),
    ...result.buckets,
  ];
  const rows = result.series.map((series) => [
    ...(result.groups.length ? [result.groups[series.group ?? 0]?.name ?? ''] : []),
    ...series.dimensions.map(exportLabel),
    metricNames.get(series.metric) ?? series.metric,
    ...(result.granularity === 'total' ? [] : [series.total]),
    ...series.values,
  ]);
  return { header, rows };
}

/** A funnel (ADR 0054): one row per funnel (group, dimension value) and step, as the console's table. */
function funnelTable(result: FunnelReportResult): { header: string[]; rows: (string | number | null)[][] } {
  const header = [
    ...(result.groups.length ? ['群组'] : []),
    ...(result.dimension ? [result.dimension.name] : []),
    '步骤',
    '人数',
    '步骤转化率',
    '总体转化率',
    '转化中位时间(秒)',
  ];
  const rows = result.funnels.flatMap((funnel) =>
    funnel.steps.map((step, k) => [
      ...(result.groups.length ? [result.groups[funnel.group ?? 0]?.name ?? ''] : []),
      ...(result.dimension ? [exportLabel(funnel.dimension)] : []),
      `${k + 1}. ${result.steps[k]?.name ?? ''}`,
      step.users,
      step.conversion,
      step.overall,
      step.medianSeconds,
    ]),
  );
  return { header, rows };
}

function cell(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

/**
 * A text cell a spreadsheet would read as a formula (=, +, −, @, a tab or CR first: a dimension value
 * sent by an SDK, `=HYPERLINK(…)`) is written with a leading apostrophe, as text (R21-5, OWASP CSV injection).
 * A plain number written as text (a custom query's BIGINT, `-12`) computes nothing and stays as it is (R22B-15).
 */
export function neutralized(value: string): string {
  if (PLAIN_NUMBER.test(value)) return value;
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The export file of a result (UTF-8 with BOM for CSV, so Excel opens Chinese text right). */
export async function exportReport(
  result: ReportResult,
  format: ExportFormat,
  name: string,
): Promise<{ body: Buffer; contentType: string; fileName: string }> {
  const table = reportTable(result);
  const header = table.header.map(neutralized);
  const rows = table.rows.map((row) => row.map((value) => (typeof value === 'string' ? neutralized(value) : value)));
  const fileName = `${name}.${format}`;
  if (format === 'csv') {
    const text = stringify([header, ...rows]);
    return { body: Buffer.from(`\uFEFF${text}`, 'utf8'), contentType: 'text/csv; charset=utf-8', fileName };
  }
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('报表');
  sheet.addRow(header);
  sheet.getRow(1).font = { bold: true };
  for (const row of rows) sheet.addRow(row);
  if (result.truncated) sheet.addRow([`已截断：共 ${result.groupCount} 个分组，导出前 ${rows.length} 行`]);
  return {
    body: Buffer.from(await workbook.xlsx.writeBuffer()),
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    fileName,
  };
}
