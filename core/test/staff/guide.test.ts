import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { permissionMatrix } from '../../src/kernel/permission-matrix.js';

const guide = readFileSync(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'guide', 'security-staff-and-roles.md'),
  'utf8',
);

/** The rows of the guide's matrix tables: `| menu | submenu | right | description | `id` | requires |`. */
function tableRows(): { id: string; cells: string[] }[] {
  return guide
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .filter((cells) => cells.length === 8 && /^`[a-zA-Z.]+`$/.test(cells[5]!))
    .map((cells) => ({ id: cells[5]!.slice(1, -1), cells: cells.slice(1, 7) }));
}

it('the staff and roles guide lists every row of the permission matrix, in order, in both languages', () => {
  const ids = permissionMatrix.map((row) => row.id);
  expect(ids).toHaveLength(59);
  const rows = tableRows();
  // The Chinese table, then the English one.
  expect(rows.map((row) => row.id)).toEqual([...ids, ...ids]);
  rows.forEach(({ id, cells }, index) => {
    const language = index < ids.length ? 'zh-CN' : 'en-US';
    const row = permissionMatrix.find((item) => item.id === id)!;
    const [menu, submenu, right, description, , requires] = cells;
    expect(menu, id).toBe(row.menu[language]);
    expect(submenu, id).toBe(row.submenu[language]);
    expect(right!.startsWith(row.right[language]), id).toBe(true);
    if (row.fixed) expect(right, id).toMatch(/默认|default/);
    expect(description, id).toBe(row.description[language]);
    expect(requires, id).toBe((row.requires ?? []).map((required) => `\`${required}\``).join(' ') || '—');
  });
});
