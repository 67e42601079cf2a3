import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse, type Options } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

/**
 * CSV files of dictionaries and dimension tables: UTF-8 (a BOM is tolerated), comma separated,
 * RFC 4180 quoting, blank lines skipped, cells trimmed. Line numbers count from the header (line 1).
 */
const options: Options = {
  bom: true,
  trim: true,
  skip_empty_lines: true,
  // A row with the wrong number of cells is reported per row, not a parse failure.
  relax_column_count: true,
  info: true,
};

export interface CsvRecord {
  /** The line the record starts on (1 = the header). */
  line: number;
  cells: string[];
}

/** A malformed file (an unclosed quote…): the line where parsing stopped. */
export class CsvSyntaxError extends Error {
  constructor(readonly line: number) {
    super(`CSV syntax error at line ${line}`);
    this.name = 'CsvSyntaxError';
  }
}

/** Whether the bytes are valid UTF-8 (`partial`: the end may cut a character). */
export function isUtf8(bytes: Uint8Array, partial = false): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: partial });
    return true;
  } catch {
    return false;
  }
}

type Info = { info: { lines: number; raw?: string } & Record<string, unknown>; record: string[] };

const lineOf = (error: unknown): number => {
  const lines = (error as { lines?: unknown }).lines;
  return typeof lines === 'number' ? lines : 1;
};

/** Every record of a small file held in memory. */
export function parseCsv(bytes: Buffer): CsvRecord[] {
  let rows: Info[];
  try {
    rows = parseSync(bytes, { ...options }) as unknown as Info[];
  } catch (error) {
    throw new CsvSyntaxError(lineOf(error));
  }
  return rows.map(({ info, record }) => ({ line: Number(info.lines) - countNewlines(record), cells: record }));
}

/** Records of a file on disk, streamed. */
export async function* streamCsv(path: string, signal?: AbortSignal): AsyncGenerator<CsvRecord> {
  const parser = createReadStream(path).pipe(parse({ ...options }));
  try {
    for await (const row of parser as AsyncIterable<Info>) {
      signal?.throwIfAborted();
      yield { line: Number(row.info.lines) - countNewlines(row.record), cells: row.record };
    }
  } catch (error) {
    if (signal?.aborted) throw error;
    if ((error as { code?: string }).code?.startsWith('CSV_')) throw new CsvSyntaxError(lineOf(error));
    throw error;
  } finally {
    parser.destroy();
  }
}

/** The header row of a file on disk (its first 64 KiB), or undefined when it has none. */
export async function readCsvHeader(path: string): Promise<{ cells: string[]; utf8: boolean } | undefined> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const head = buffer.subarray(0, bytesRead);
    const utf8 = isUtf8(head, true);
    const end = head.indexOf(0x0a);
    const firstLine = end < 0 ? head : head.subarray(0, end);
    const records = parseCsv(Buffer.from(firstLine));
    return records[0] ? { cells: records[0].cells, utf8 } : undefined;
  } finally {
    await handle.close();
  }
}

/** A cell spanning lines (quoted newlines) ends on a later line than it starts. */
function countNewlines(cells: string[]): number {
  let count = 0;
  for (const cell of cells) for (let i = cell.indexOf('\n'); i >= 0; i = cell.indexOf('\n', i + 1)) count += 1;
  return count;
}

/** A CSV file with a UTF-8 BOM (so spreadsheet programs read Chinese correctly). */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return `\uFEFF${stringify([header as string[], ...rows.map((row) => row.map(inertCell))], { record_delimiter: '\r\n' })}`;
}

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading `'`
 * (OWASP CSV injection), so a downloaded file opened in Excel or WPS computes nothing.
 */
export function inertCell(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}
