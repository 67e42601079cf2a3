import ExcelJS from 'exceljs';
import { expect } from 'vitest';
import { EXPORT_MARKER, META_SHEET } from '../../src/modules/contact-imports/contact-imports.types.js';
import { Client, multipart, type TestApp } from '../support/test-app.js';

/** A cell: its text, or its text with a cell note (批注). */
export type FixtureCell = string | number | Date | null | { value: string | number | null; note: string };

/**
 * The fixture builder: the tenant's real template (downloaded through the API) with `rows` filled
 * in under the header — each row an object of column label → cell. `mutate` changes the workbook
 * before it is written (remove the marker, add rows…).
 */
export async function filledTemplate(
  app: TestApp,
  client: Client,
  rows: Record<string, FixtureCell>[],
  mutate?: (workbook: ExcelJS.Workbook) => void,
): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load((await getBytes(app, client, '/api/v1/console/contact-imports/template')) as unknown as ArrayBuffer);
  fill(workbook.worksheets[0]!, rows);
  mutate?.(workbook);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

function fill(sheet: ExcelJS.Worksheet, rows: Record<string, FixtureCell>[]): void {
  const columns = new Map<string, number>();
  sheet.getRow(1).eachCell((cell, column) => columns.set(String(cell.value), column));
  rows.forEach((values, index) => {
    const row = sheet.getRow(index + 2);
    for (const [label, cell] of Object.entries(values)) {
      const column = columns.get(label);
      if (column === undefined) throw new Error(`the sheet has no column ${label}`);
      const target = row.getCell(column);
      if (cell !== null && typeof cell === 'object' && !(cell instanceof Date)) {
        target.value = cell.value;
        target.note = cell.note;
      } else target.value = cell;
    }
    row.commit();
  });
}

/**
 * A contact export in the shared format (what the export slice writes): sheet 用户 with `columns`
 * (key + label, `contactId` first), the very hidden `_huiliu` sheet with the export marker and keys.
 */
export async function exportFile(
  columns: { key: string; label: string }[],
  rows: (string | number | null | { value: string | null; note: string })[][],
  marker = EXPORT_MARKER,
): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('用户');
  sheet.addRow(columns.map((c) => c.label));
  rows.forEach((cells, index) => {
    const row = sheet.getRow(index + 2);
    cells.forEach((cell, column) => {
      const target = row.getCell(column + 1);
      if (cell !== null && typeof cell === 'object') {
        target.value = cell.value;
        target.note = cell.note;
      } else target.value = cell;
    });
    row.commit();
  });
  const meta = workbook.addWorksheet(META_SHEET, { state: 'veryHidden' });
  meta.getCell('A1').value = marker;
  columns.forEach((c, index) => (meta.getCell(index + 2, 1).value = c.key));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export const xlsxPart = (content: Buffer, filename = 'contacts.xlsx', fields: Record<string, string> = {}) =>
  multipart({ filename, content, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, fields);

/** Runs every due task (the import's). */
export async function runTasks(app: TestApp): Promise<void> {
  while ((await app.jobs.worker.poll()) > 0);
}

/** A downloaded xlsx's first sheet as rows of cell texts (row 1 the header). */
export async function readSheet(content: Buffer): Promise<{ rows: string[][]; marker: string; keys: string[] }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(content as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  const rows: string[][] = [];
  sheet.eachRow({ includeEmpty: false }, (row) => {
    const cells: string[] = [];
    for (let c = 1; c <= sheet.columnCount; c += 1) {
      const value = row.getCell(c).value;
      cells.push(value === null || value === undefined ? '' : String(value));
    }
    rows.push(cells);
  });
  const meta = workbook.getWorksheet(META_SHEET)!;
  const keys: string[] = [];
  for (let r = 2; r <= meta.rowCount; r += 1) keys.push(String(meta.getCell(r, 1).value));
  return { rows, marker: String(meta.getCell('A1').value), keys };
}

/** A binary GET (a template, a stored file) as the client: its bytes (expects 200). */
export async function getBytes(app: TestApp, client: Client, url: string): Promise<Buffer> {
  const res = await app.server.inject({ method: 'GET', url, headers: client.authHeaders() });
  expect(res.statusCode, res.payload.slice(0, 300)).toBe(200);
  return res.rawPayload;
}
