/**
 * Reading and writing the contacts xlsx (ADR 0033): pure functions — bytes in, rows or bytes out —
 * run in the piscina pool (core/src/jobs/workers/pure.ts). They never open a store.
 *
 * Cell notes (批注) are read with `workbook.xlsx.load`: exceljs' streaming reader does not return them.
 */
import ExcelJS from 'exceljs';
import {
  CONTACT_SHEET,
  EXPORT_MARKER,
  META_SHEET,
  REASONS_KEY,
  ROW_KEY,
  TEMPLATE_MARKER,
  type FailureRow,
  type ImportKind,
  type ParsedRow,
  type ParsedSheet,
  type RowProblem,
  type SheetField,
  isReadOnlyExportKey,
} from './contact-imports.types.js';

// ---- cell checks (seed §1.4.3.3, §1.4.9) -------------------------------------------------------------

/** 空格: any white space, the full-width space and the no-break space included. */
const SPACE = /[\s\u3000\u00a0]/;
/** 特殊符号 “#&*……%￥” (and the half-width ¥). */
const SYMBOL = /[#&*…%￥¥]/;
const CHINESE = /[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]/;
const EMAIL = /^[A-Za-z0-9._+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
/** Separators people put between two numbers or addresses in one cell. */
const LIST_SEPARATOR = /[,，;；/／、|]/;
/** How a masked value shows (masking.types.ts MASKED_VALUE; not imported: this file runs in the worker). */
const MASKED = '***';
const GENDERS: Record<string, string> = {
  男: 'male',
  女: 'female',
  未知: 'unknown',
  male: 'male',
  female: 'female',
  unknown: 'unknown',
};

function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Several phone numbers in one cell: two digit runs of 7 or more, or a list separator between digits. */
function severalNumbers(value: string): boolean {
  const runs = (value.match(/\d+/g) ?? []).filter((run) => run.length >= 7);
  if (runs.length >= 2) return true;
  return new RegExp(`\\d\\s*${LIST_SEPARATOR.source}\\s*\\d`).test(value) || /^\d{22,}$/.test(value);
}

/**
 * Checks one non-blank cell of a writable column: the rules every cell obeys (空格, 特殊符号), then
 * its column's (phone, email, gender, dates, numbers, length). Returns the stored value, or
 * undefined with the problems found.
 */
export function checkCell(field: SheetField, text: string): { value?: string | number; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const fail = (code: string) => problems.push({ code, key: field.key });
  if (SPACE.test(text)) fail('contact_import_row_space');
  if (SYMBOL.test(text)) fail('contact_import_row_symbol');
  let value: string | number = text;
  switch (field.kind) {
    case 'mobile':
    case 'homePhone': {
      const several = severalNumbers(text);
      if (CHINESE.test(text)) fail('contact_import_row_phone_chinese');
      if (text.includes('-')) fail('contact_import_row_phone_hyphen');
      if (several) fail('contact_import_row_phone_multiple');
      if (problems.length === 0) {
        if (field.kind === 'mobile' && !/^\d{11}$/.test(text)) fail('contact_import_row_mobile_length');
        if (field.kind === 'homePhone' && !/^\d{3,20}$/.test(text)) fail('contact_import_row_phone_invalid');
      }
      break;
    }
    case 'email': {
      const at = (text.match(/@/g) ?? []).length;
      if (at >= 2 || (at === 1 && LIST_SEPARATOR.test(text))) fail('contact_import_row_email_multiple');
      else if (!EMAIL.test(text)) fail('contact_import_row_email_invalid');
      break;
    }
    case 'gender': {
      const gender = GENDERS[text.toLowerCase()];
      if (!gender) fail('contact_import_row_gender_invalid');
      else value = gender;
      break;
    }
    case 'date':
      if (!isCalendarDate(text)) fail('contact_import_row_date_invalid');
      break;
    case 'integer':
      if (!/^-?\d{1,15}$/.test(text)) fail('contact_import_row_integer_invalid');
      else value = Number(text);
      break;
    case 'decimal': {
      const n = /^-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isFinite(n)) fail('contact_import_row_decimal_invalid');
      else value = n;
      break;
    }
    default:
      break;
  }
  if (field.max !== undefined && typeof value === 'string' && value.length > field.max && problems.length === 0)
    problems.push({ code: 'contact_import_row_too_long', key: field.key });
  return problems.length > 0 ? { problems } : { value, problems };
}

// ---- reading ---------------------------------------------------------------------------------------

const pad = (n: number) => String(n).padStart(2, '0');
const isoDate = (date: Date) => `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;

/** A cell's value as the operator sees it: text of rich text, a formula's result, a date as YYYY-MM-DD. */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return '';
    const time = value.getUTCHours() + value.getUTCMinutes() + value.getUTCSeconds();
    return time === 0
      ? isoDate(value)
      : `${isoDate(value)} ${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())}`;
  }
  if (typeof value === 'object') {
    if ('richText' in value && Array.isArray(value.richText)) return value.richText.map((part) => part.text ?? '').join('');
    if ('formula' in value || 'sharedFormula' in value) return cellText((value as { result?: ExcelJS.CellValue }).result ?? null);
    if ('text' in value) return cellText((value as { text: ExcelJS.CellValue }).text);
    if ('error' in value) return String((value as { error: unknown }).error);
  }
  return String(value);
}

const hasNote = (cell: ExcelJS.Cell): boolean => {
  const note = cell.note as unknown;
  if (!note) return false;
  if (typeof note === 'string') return true;
  return typeof note === 'object';
};

export interface ParseOptions {
  kind: ImportKind;
  /** Every column the file may hold (system and custom fields; batch edit: also contactId and read-only keys). */
  fields: SheetField[];
  maxRows: number;
  /** Batch edit: columns masked for the uploader — a `***` cell there keeps the stored value (no checks). */
  maskedKeys?: string[];
}

/**
 * Reads an uploaded file: whole-file refusals first (not the template / not an export, unknown or
 * moved columns, no data, too many rows, no name on any row), then every data row with its problems.
 * Rows with nothing in them are skipped; row numbers are the sheet's (data starts at row 2).
 */
export async function parseContactSheet(bytes: Uint8Array, options: ParseOptions): Promise<ParsedSheet> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ArrayBuffer);
  } catch {
    return { ok: false, code: 'contact_import_file_invalid' };
  }
  const marker = options.kind === 'import' ? TEMPLATE_MARKER : EXPORT_MARKER;
  const notOurs = options.kind === 'import' ? 'contact_import_not_template' : 'contact_import_not_export';
  const meta = workbook.getWorksheet(META_SHEET);
  if (!meta || cellText(meta.getCell('A1').value).trim() !== marker) return { ok: false, code: notOurs };
  const sheet = workbook.worksheets.find((ws) => ws.name !== META_SHEET);
  if (!sheet) return { ok: false, code: notOurs };

  const keys: string[] = [];
  for (let r = 2; r <= meta.rowCount; r += 1) {
    const key = cellText(meta.getCell(r, 1).value).trim();
    if (!key) break;
    keys.push(key);
  }
  if (keys.length === 0) return { ok: false, code: notOurs };
  const byKey = new Map(options.fields.map((field) => [field.key, field]));
  const annotation = (key: string) => key === ROW_KEY || key === REASONS_KEY;
  const columns: (SheetField | undefined)[] = [];
  for (const key of keys) {
    if (annotation(key)) {
      columns.push(undefined);
      continue;
    }
    const field =
      byKey.get(key) ??
      (options.kind === 'batchEdit' && isReadOnlyExportKey(key) ? { key, label: key, kind: 'readonly' as const } : undefined);
    if (!field) return { ok: false, code: 'contact_import_column_unknown', params: { column: key } };
    columns.push(field);
  }
  if (new Set(keys).size !== keys.length) return { ok: false, code: 'contact_import_columns_changed' };
  if (options.kind === 'batchEdit' && !keys.includes('contactId')) return { ok: false, code: notOurs };

  // The header row: one label per key, in order; a label of another column means columns were moved.
  const labelOwner = new Map<string, string>();
  for (const field of options.fields)
    for (const label of [field.label, ...(field.aliases ?? [])]) labelOwner.set(label, field.key);
  const header = sheet.getRow(1);
  const labels: string[] = [];
  for (const [index, key] of keys.entries()) {
    const label = cellText(header.getCell(index + 1).value).trim();
    const owner = labelOwner.get(label);
    if (!label || (owner !== undefined && owner !== key)) return { ok: false, code: 'contact_import_columns_changed' };
    labels.push(label);
  }
  if (cellText(header.getCell(keys.length + 1).value).trim() !== '') return { ok: false, code: 'contact_import_columns_changed' };

  const rows: ParsedRow[] = [];
  const masked = new Set(options.maskedKeys ?? []);
  let anyName = false;
  const last = sheet.rowCount;
  // A quick refusal before reading every cell (formatting-only rows may count; the exact count follows).
  if (last - 1 > options.maxRows * 2) {
    let filled = 0;
    sheet.eachRow({ includeEmpty: false }, (_row, number) => {
      if (number > 1) filled += 1;
    });
    if (filled > options.maxRows)
      return { ok: false, code: 'contact_import_too_many_rows', params: { max: options.maxRows, rows: filled } };
  }
  for (let r = 2; r <= last; r += 1) {
    const row = sheet.getRow(r);
    const cells: string[] = new Array<string>(columns.length).fill('');
    const noted: boolean[] = new Array<boolean>(columns.length).fill(false);
    const problems: RowProblem[] = [];
    const values: Record<string, string | number | null> = {};
    let contactId: string | undefined;
    let filled = false;
    // Only the cells the file holds, empty ones included (a note may sit on an empty cell): the row's
    // own cell array (exceljs 4.4.0, pinned) — `getCell` on every column would create the missing ones.
    (row as unknown as { _cells: (ExcelJS.Cell | undefined)[] })._cells.forEach((cell, index) => {
      if (!cell) return;
      const note = hasNote(cell);
      if (cell.type === ExcelJS.ValueType.Null && !note) return;
      if (index < columns.length) {
        cells[index] = cellText(cell.value);
        if (note) noted[index] = true;
      } else if (note) problems.push({ code: 'contact_import_row_comment' }); // a note beyond the columns
    });
    for (const [index, field] of columns.entries()) {
      const text = cells[index]!;
      if (!field) continue;
      if (text.trim() !== '') filled = true;
      if (noted[index]) {
        filled = true;
        if (field.kind !== 'readonly') problems.push({ code: 'contact_import_row_comment', key: field.key });
      }
      if (field.kind === 'readonly') continue;
      if (field.kind === 'contactId') {
        if (/^[1-9]\d{0,18}$/.test(text.trim())) contactId = text.trim();
        else problems.push({ code: 'contact_import_row_contact_id_invalid', key: field.key });
        continue;
      }
      if (text === '') {
        values[field.key] = null;
        continue;
      }
      if (masked.has(field.key) && text.trim() === MASKED) {
        values[field.key] = MASKED;
        continue;
      }
      const checked = checkCell(field, text);
      problems.push(...checked.problems);
      if (checked.value !== undefined) values[field.key] = checked.value;
      if (field.kind === 'name') anyName = true;
    }
    if (!filled && problems.length === 0) continue;
    if (
      options.kind === 'import' &&
      (values.name === null || values.name === undefined) &&
      !problems.some((p) => p.key === 'name')
    )
      problems.unshift({ code: 'contact_import_row_name_required', key: 'name' });
    rows.push({ row: r, cells, values, problems, ...(contactId ? { contactId } : {}) });
    if (rows.length > options.maxRows)
      return { ok: false, code: 'contact_import_too_many_rows', params: { max: options.maxRows, rows: countRows(sheet) } };
  }
  if (rows.length === 0) return { ok: false, code: 'contact_import_empty' };
  if (options.kind === 'import' && !anyName) return { ok: false, code: 'contact_import_name_missing' };
  return { ok: true, keys, labels, rows };
}

function countRows(sheet: ExcelJS.Worksheet): number {
  let n = 0;
  sheet.eachRow({ includeEmpty: false }, (_row, number) => {
    if (number > 1) n += 1;
  });
  return n;
}

// ---- writing ---------------------------------------------------------------------------------------

export interface SheetColumn {
  key: string;
  label: string;
  /** Column width in characters. */
  width?: number;
}

/**
 * A contacts workbook in the shared format: sheet 用户 (labels in row 1, cells as text so mobiles
 * and ID numbers keep their digits), then the very hidden `_huiliu` sheet (marker, keys).
 */
export async function writeContactSheet(input: {
  marker: string;
  columns: SheetColumn[];
  rows?: string[][];
}): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Huiliu';
  const sheet = workbook.addWorksheet(CONTACT_SHEET, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = input.columns.map((column) => ({
    key: column.key,
    width: column.width ?? Math.max(12, column.label.length * 2 + 4),
    style: { numFmt: '@' },
  }));
  const header = sheet.getRow(1);
  input.columns.forEach((column, index) => {
    const cell = header.getCell(index + 1);
    cell.value = column.label;
    cell.font = { bold: true };
  });
  for (const cells of input.rows ?? []) sheet.addRow(cells.map((cell) => (cell === '' ? null : cell)));
  const meta = workbook.addWorksheet(META_SHEET, { state: 'veryHidden' });
  meta.getCell('A1').value = input.marker;
  input.columns.forEach((column, index) => {
    meta.getCell(index + 2, 1).value = column.key;
  });
  const buffer = await workbook.xlsx.writeBuffer();
  return new Uint8Array(buffer as ArrayBuffer);
}

/**
 * The failure file (失败原因): the file's own columns for each failed row as uploaded, then 原行号
 * and 失败原因 — the same marker, so the fixed rows can be uploaded again.
 */
export function writeFailureSheet(input: {
  marker: string;
  keys: string[];
  labels: string[];
  rowLabel: string;
  reasonsLabel: string;
  rows: FailureRow[];
}): Promise<Uint8Array> {
  const data = input.keys
    .map((key, index) => ({ key, label: input.labels[index] ?? key }))
    .filter((column) => column.key !== ROW_KEY && column.key !== REASONS_KEY);
  const kept = input.keys.map((key, index) => (key === ROW_KEY || key === REASONS_KEY ? -1 : index)).filter((i) => i >= 0);
  return writeContactSheet({
    marker: input.marker,
    columns: [
      ...data,
      { key: ROW_KEY, label: input.rowLabel, width: 10 },
      { key: REASONS_KEY, label: input.reasonsLabel, width: 60 },
    ],
    rows: input.rows.map((row) => [...kept.map((i) => row.cells[i] ?? ''), String(row.row), row.reasons.join('；')]),
  });
}
