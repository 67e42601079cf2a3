import type { DashboardFolder, DashboardSummary } from '../../api/dashboards';

// The 仪表盘 menu's tree: folders (nested, in their order) holding folders and dashboards.

export interface DashboardTreeNode {
  key: string;
  kind: 'folder' | 'dashboard';
  id: string;
  name: string;
  depth: number;
  children: DashboardTreeNode[];
}

const byPosition = <T extends { position: number; name: string }>(a: T, b: T) =>
  a.position - b.position || a.name.localeCompare(b.name);

/** Folders and dashboards as a tree; dashboards after the folders of their level; both by position. */
export function dashboardTree(folders: readonly DashboardFolder[], dashboards: readonly DashboardSummary[]): DashboardTreeNode[] {
  const nodes = new Map<string, DashboardTreeNode>();
  for (const folder of [...folders].sort(byPosition))
    nodes.set(folder.id, {
      key: `folder:${folder.id}`,
      kind: 'folder',
      id: folder.id,
      name: folder.name,
      depth: folder.depth,
      children: [],
    });
  const roots: DashboardTreeNode[] = [];
  for (const folder of [...folders].sort(byPosition)) {
    const node = nodes.get(folder.id)!;
    const parent = folder.parentId ? nodes.get(folder.parentId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  for (const dashboard of [...dashboards].sort(byPosition)) {
    const parent = dashboard.folderId ? nodes.get(dashboard.folderId) : undefined;
    (parent ? parent.children : roots).push({
      key: `dashboard:${dashboard.id}`,
      kind: 'dashboard',
      id: dashboard.id,
      name: dashboard.name,
      depth: (parent?.depth ?? 0) + 1,
      children: [],
    });
  }
  return roots;
}

/** Each folder's path from the root: `运营 / 小程序`. */
export function folderPaths(folders: readonly DashboardFolder[]): Map<string, string> {
  const byId = new Map(folders.map((folder) => [folder.id, folder]));
  const paths = new Map<string, string>();
  const pathOf = (folder: DashboardFolder, seen = new Set<string>()): string => {
    const known = paths.get(folder.id);
    if (known !== undefined) return known;
    const parent = folder.parentId ? byId.get(folder.parentId) : undefined;
    const path = parent && !seen.has(parent.id) ? `${pathOf(parent, seen.add(folder.id))} / ${folder.name}` : folder.name;
    paths.set(folder.id, path);
    return path;
  };
  for (const folder of folders) pathOf(folder);
  return paths;
}
