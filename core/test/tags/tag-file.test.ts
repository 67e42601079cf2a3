import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { parseTagFile, TAG_FILE_MAX_ROWS } from '../../src/modules/tags/tag-file.js';

/**
 * The tag-file reader called in-process (the app runs it in the piscina pool, which loads the built
 * code): these tests see the source the mutation check changes. No store is involved.
 */
const csv = (rows: number) =>
  new TextEncoder().encode(['用户ID,value', ...Array.from({ length: rows }, (_, i) => `u${i + 1},${i}`)].join('\n'));

async function xlsx(cells: Record<string, string>): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('tags');
  for (const [address, value] of Object.entries(cells)) sheet.getCell(address).value = value;
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

describe('tag file reader (外部文件标签)', () => {
  it('takes a file of at most 20,000 data rows and refuses one row more', async () => {
    const full = await parseTagFile(csv(TAG_FILE_MAX_ROWS), { name: 'full.csv', valueType: 'number', timeZone: 'Asia/Shanghai' });
    expect(full.error).toBeUndefined();
    expect(full.total).toBe(20_000);
    expect(full.rows).toHaveLength(20_000);
    const over = await parseTagFile(csv(TAG_FILE_MAX_ROWS + 1), {
      name: 'over.csv',
      valueType: 'number',
      timeZone: 'Asia/Shanghai',
    });
    expect(over).toMatchObject({ error: 'tag_file_too_many_rows', rows: [] });
  });

  it('names an xlsx problem by the sheet row it sits on, across empty rows', async () => {
    const bytes = await xlsx({ A1: '用户ID', B1: 'value', A2: 'u1', B2: '3', A9: 'u2', B9: 'not a number' });
    const parsed = await parseTagFile(bytes, { name: 'gaps.xlsx', valueType: 'number', timeZone: 'Asia/Shanghai' });
    expect(parsed.rows).toEqual([{ line: 2, key: 'u1', value: 3 }]);
    expect(parsed.problems).toEqual([{ line: 9, code: 'tag_file_value_invalid' }]);
  });

  it('reads an xlsx whose only value sits at row 1,048,576 without visiting the empty rows', { timeout: 5_000 }, async () => {
    const bytes = await xlsx({ A1: '用户ID', B1: 'value', A1048576: 'u1', B1048576: 'x' });
    const parsed = await parseTagFile(bytes, { name: 'sparse.xlsx', valueType: 'string', timeZone: 'Asia/Shanghai' });
    expect(parsed.rows).toEqual([{ line: 1_048_576, key: 'u1', value: 'x' }]);
  });
});
