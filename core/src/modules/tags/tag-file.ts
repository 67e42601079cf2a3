/**
 * 外部文件标签 (seed §1.6.2.6): reading an uploaded CSV or xlsx of `用户ID, value` rows — a pure
 * function (bytes in, rows out) that runs in the piscina pool. Line 1 is the header. String arrays
 * are `a,b` (Excel) or `"a,b"` (a text editor: the CSV quoting removes the quotes).
 */
import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { cellText } from '../contact-imports/contact-sheet.js';
import { ZonedClock } from '../../lib/zoned-clock.js';
import type { TagFileProblem, TagValueType } from './tags.types.js';

export interface TagFileRow {
  line: number;
  key: string;
  /** string | number (number, date as epoch ms, bool as 1/0) | string[] */
  value: string | number | string[];
}

export interface ParsedTagFile {
  rows: TagFileRow[];
  /** Data rows in the file (the header not counted). */
  total: number;
  problems: TagFileProblem[];
  /** Set when the file cannot be read at all. */
  error?: 'tag_file_unreadable' | 'tag_file_empty' | 'tag_file_too_many_rows';
}

/**
 * Data rows one file may hold (the header not counted): 20,000, like 用户导入 and 导入静态组
 * (seed: 每次导入最多不超过 2W); a tag takes several files. ADR 0045.
 */
export const TAG_FILE_MAX_ROWS = 20_000;

class TooManyRows extends Error {}

export interface TagFileOptions {
  name: string;
  valueType: TagValueType;
  timeZone: string;
}

const TRUE = new Set(['true', '1', '是', 'yes', 'y']);
const FALSE = new Set(['false', '0', '否', 'no', 'n']);
const DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/** A cell's text as the tag's value, or undefined when it is not one. */
export function tagFileValue(text: string, type: TagValueType, clock: ZonedClock): string | number | string[] | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  switch (type) {
    case 'string':
      return value.length <= 1000 ? value : undefined;
    case 'number': {
      const number = Number(value.replace(/,/g, ''));
      return Number.isFinite(number) ? number : undefined;
    }
    case 'bool': {
      const lower = value.toLowerCase();
      return TRUE.has(lower) ? 1 : FALSE.has(lower) ? 0 : undefined;
    }
    case 'date': {
      const match = DATE.exec(value.replace(/\//g, '-'));
      if (!match) return undefined;
      const [, y, m, d, hh = '0', mm = '0', ss = '0'] = match;
      const local = Date.UTC(Number(y), Number(m) - 1, Number(d), Number(hh), Number(mm), Number(ss));
      const check = new Date(local);
      if (check.getUTCMonth() !== Number(m) - 1 || check.getUTCDate() !== Number(d) || Number(hh) > 23) return undefined;
      return clock.fromLocal(local);
    }
    case 'string[]': {
      const items = value
        .split(/[,，]/)
        .map((item) => item.trim())
        .filter((item) => item !== '');
      return items.length ? items : undefined;
    }
  }
}

/** The file's non-empty rows, each with its line (1 = the header). */
async function cellsOf(bytes: Uint8Array, name: string): Promise<{ line: number; cells: string[] }[]> {
  if (/\.xlsx$/i.test(name)) {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    if (!sheet) return [];
    // Counted before any row is visited: rows with values, the header included.
    if (sheet.actualRowCount > TAG_FILE_MAX_ROWS + 1) throw new TooManyRows();
    const rows: { line: number; cells: string[] }[] = [];
    // Rows with values only: a lone cell at row 1,048,576 is one row, not a million (R20-T8).
    sheet.eachRow((row) => {
      rows.push({ line: row.number, cells: [cellText(row.getCell(1).value), cellText(row.getCell(2).value)] });
    });
    return rows;
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records = parseCsv(text, { bom: true, relax_column_count: true, skip_empty_lines: false }) as string[][];
  return records.map((cells, index) => ({ line: index + 1, cells }));
}

/** Reads a tag file: every data row checked, each problem with its line. */
export async function parseTagFile(bytes: Uint8Array, options: TagFileOptions): Promise<ParsedTagFile> {
  let cells: { line: number; cells: string[] }[];
  try {
    cells = await cellsOf(bytes, options.name);
  } catch (error) {
    const code = error instanceof TooManyRows ? 'tag_file_too_many_rows' : 'tag_file_unreadable';
    return { rows: [], total: 0, problems: [], error: code };
  }
  const clock = new ZonedClock(options.timeZone);
  const rows: TagFileRow[] = [];
  const problems: TagFileProblem[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (const { line, cells: row } of cells) {
    if (line === 1) continue; // 用户ID, value
    const key = (row[0] ?? '').trim();
    const raw = row[1] ?? '';
    if (key === '' && raw.trim() === '') continue; // blank line
    total += 1;
    if (total > TAG_FILE_MAX_ROWS) return { rows: [], total: 0, problems: [], error: 'tag_file_too_many_rows' };
    if (key === '') {
      problems.push({ line, code: 'tag_file_key_missing' });
      continue;
    }
    const value = tagFileValue(raw, options.valueType, clock);
    if (value === undefined) {
      problems.push({ line, code: 'tag_file_value_invalid' });
      continue;
    }
    if (seen.has(key)) {
      problems.push({ line, code: 'tag_file_key_duplicate' });
      continue;
    }
    seen.add(key);
    rows.push({ line, key, value });
  }
  if (total === 0) return { rows, total, problems, error: 'tag_file_empty' };
  return { rows, total, problems };
}
