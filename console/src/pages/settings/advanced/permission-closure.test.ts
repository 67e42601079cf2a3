import { describe, expect, it } from 'vitest';
import { permissionMatrix } from '../../../../../core/src/kernel/permission-matrix';
import { PermissionRegistry } from '../../../../../core/src/kernel/permissions';
import { assignableRights, closeRights, type LinkedRight, tickRight, untickRight } from './permission-closure';

const row = (id: string, requires: string[] = [], fixed = false): LinkedRight => ({ id, requires, fixed });

// A menu shaped like the seed's 群组: object view ↔ folder view, every other right needs both.
const groups = [
  row('groups.view', ['groupFolders.view']),
  row('groups.edit', ['groups.view', 'groupFolders.view']),
  row('groups.delete', ['groups.view', 'groupFolders.view']),
  row('groupFolders.view', ['groups.view']),
  row('groupFolders.edit', ['groups.view', 'groupFolders.view']),
];
const contacts = [
  row('contacts.view', [], true),
  row('contacts.edit', ['contacts.view']),
  row('contacts.export', ['contacts.view']),
];
const rows = [...groups, ...contacts, row('tasks.cancel')];

const sorted = (ids: Iterable<string>) => [...ids].sort();

describe('linked rights in the role editor', () => {
  it('ticks what a right requires, transitively, and always holds the fixed rights', () => {
    expect(sorted(tickRight([], 'groups.delete', rows))).toEqual([
      'contacts.view',
      'groupFolders.view',
      'groups.delete',
      'groups.view',
    ]);
    // Ticking one of the view pair ticks the other.
    expect(sorted(tickRight(['contacts.view'], 'groupFolders.view', rows))).toEqual([
      'contacts.view',
      'groupFolders.view',
      'groups.view',
    ]);
    expect(sorted(tickRight(['contacts.view'], 'tasks.cancel', rows))).toEqual(['contacts.view', 'tasks.cancel']);
  });

  it('unticks every right that requires an unticked view, and the other view of the pair', () => {
    const all = closeRights(
      rows.map((r) => r.id),
      rows,
    );
    expect(sorted(untickRight(all, 'groups.view', rows))).toEqual([
      'contacts.edit',
      'contacts.export',
      'contacts.view',
      'tasks.cancel',
    ]);
    expect(sorted(untickRight(all, 'groupFolders.view', rows))).toEqual(sorted(untickRight(all, 'groups.view', rows)));
    // A right nothing requires goes alone.
    expect(sorted(untickRight(all, 'groups.edit', rows))).toEqual(sorted([...all].filter((id) => id !== 'groups.edit')));
  });

  it('never unticks a fixed right (nor, through it, what requires it)', () => {
    const selected = closeRights(['contacts.edit'], rows);
    expect(sorted(untickRight(selected, 'contacts.view', rows))).toEqual(['contacts.edit', 'contacts.view']);
  });

  it('ticks nothing outside the catalogue and stores the ticked rights without the fixed ones', () => {
    const partial = [row('reports.edit', ['reports.view'])];
    expect(sorted(tickRight([], 'reports.edit', partial))).toEqual(['reports.edit']);
    expect(assignableRights(closeRights(['groups.edit', 'unknown.right'], rows), rows)).toEqual([
      'groupFolders.view',
      'groups.edit',
      'groups.view',
    ]);
  });

  it('agrees with the server’s closure for every row of the permission matrix', () => {
    const registry = new PermissionRegistry();
    const matrix: LinkedRight[] = permissionMatrix.map((r) => ({
      id: r.id,
      fixed: Boolean(r.fixed),
      requires: r.requires ?? [],
    }));
    const fixed = matrix.filter((r) => r.fixed).map((r) => r.id);
    expect(matrix).toHaveLength(59);
    for (const { id } of matrix) {
      const server = sorted(new Set([...registry.close([id]), ...fixed]));
      expect(sorted(tickRight([], id, matrix)), id).toEqual(server);
      // Unticking leaves a set the server's closure does not grow (nothing left requires what went).
      const after = untickRight(
        closeRights(
          matrix.map((r) => r.id),
          matrix,
        ),
        id,
        matrix,
      );
      expect(sorted(registry.close(after)), id).toEqual(sorted(after));
      if (!matrix.find((r) => r.id === id)!.fixed) expect(after.has(id), id).toBe(false);
    }
  });
});
