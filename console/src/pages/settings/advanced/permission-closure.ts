/**
 * Linked rights (关联权限) in the role editor, exactly as the server closes a role's rights on save
 * (core PermissionRegistry.close): each right's `requires` come with it, transitively — any other
 * right of a menu brings its view, an object's view and its folder's view come as a pair. Fixed
 * rights (默认) are always ticked and cannot be unticked.
 *
 * Only rights of the catalogue the editor shows are ticked: a requirement outside it (a feature
 * the tenant has not enabled) cannot be shown, and the server would refuse it.
 */
export interface LinkedRight {
  id: string;
  fixed: boolean;
  requires: string[];
}

function byId(rows: readonly LinkedRight[]): Map<string, LinkedRight> {
  return new Map(rows.map((row) => [row.id, row]));
}

/** The selection closed over `requires`, with every fixed right: what a role shows once loaded or a preset is picked. */
export function closeRights(selected: Iterable<string>, rows: readonly LinkedRight[]): Set<string> {
  const known = byId(rows);
  const closed = new Set<string>();
  const pending = [...selected, ...rows.filter((row) => row.fixed).map((row) => row.id)];
  while (pending.length > 0) {
    const id = pending.pop()!;
    const row = known.get(id);
    if (!row || closed.has(id)) continue;
    closed.add(id);
    pending.push(...row.requires);
  }
  return closed;
}

/** Ticks `id`: it and, transitively, every right it requires. */
export function tickRight(selected: Iterable<string>, id: string, rows: readonly LinkedRight[]): Set<string> {
  return closeRights([...selected, id], rows);
}

/**
 * Unticks `id`: it and, transitively, every right that requires an unticked one (unticking a view
 * unticks the menu's other rights; unticking one of a view pair unticks the other). A fixed right
 * stays ticked.
 */
export function untickRight(selected: Iterable<string>, id: string, rows: readonly LinkedRight[]): Set<string> {
  const known = byId(rows);
  const result = new Set(selected);
  if (known.get(id)?.fixed) return result;
  const pending = [id];
  while (pending.length > 0) {
    const removed = pending.pop()!;
    if (!result.delete(removed)) continue;
    for (const other of result) {
      const row = known.get(other);
      if (row && !row.fixed && row.requires.includes(removed)) pending.push(other);
    }
  }
  return result;
}

/** What a role stores: the ticked rights without the fixed ones (every role has those), in a stable order. */
export function assignableRights(selected: Iterable<string>, rows: readonly LinkedRight[]): string[] {
  const known = byId(rows);
  return [...selected].filter((id) => known.has(id) && !known.get(id)!.fixed).sort();
}
