import type { ConditionProblem, ConditionTree } from '@huiliu/core/conditions';
import { nodeAt, pathKey, type NodePath } from './condition-tree';

// Where the server's validation problems belong in the builder. A problem's `path` is a JSON path
// into the tree (`conditions.1.conditions.0.values`, `conditions.0.filters.2.property`,
// `conditions.0.measure.values.1`); the builder shows it on that leaf, that filter row, or — for
// the root and nested groups — on the group.

/** What a problem path points at, read from the path alone. */
export interface ProblemTarget {
  /** The node: `[]` the root, `[1]` its second child, `[1, 0]` that group's first leaf. */
  node: number[];
  /** The event leaf's property filter, for `…filters.<n>…`. */
  filter?: number;
  /** The first key below the node or filter (`values`, `property`, `time`, `measure`…). */
  field?: string;
  /** The key below `field` when that is an object (`measure.values` → `values`). */
  subField?: string;
}

/** Splits `conditions.1.values`, `conditions[1].values` or `$.conditions.1.values` into segments. */
function segmentsOf(path: string): string[] {
  return path
    .replace(/^\$\.?/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((segment) => segment !== '');
}

const isIndex = (segment: string | undefined): segment is string => segment !== undefined && /^\d+$/.test(segment);

/** Reads a problem path: the node it names, the filter row, and the field below them. */
export function parseProblemPath(path: string): ProblemTarget {
  const segments = segmentsOf(path);
  const node: number[] = [];
  let at = 0;
  while (segments[at] === 'conditions' && isIndex(segments[at + 1])) {
    node.push(Number(segments[at + 1]));
    at += 2;
  }
  const target: ProblemTarget = { node };
  if (segments[at] === 'filters' && isIndex(segments[at + 1])) {
    target.filter = Number(segments[at + 1]);
    at += 2;
  }
  const field = segments[at];
  if (field !== undefined) target.field = field;
  const subField = segments[at + 1];
  if (field !== undefined && subField !== undefined && !isIndex(subField)) target.subField = subField;
  return target;
}

/**
 * Where a problem shows in a given tree: its target when the tree has that node (and filter row);
 * otherwise the nearest node above that exists, down to the root — a problem is never dropped.
 */
export function locateProblem(tree: ConditionTree, path: string): ProblemTarget {
  const target = parseProblemPath(path);
  let depth = target.node.length;
  while (depth > 0 && nodeAt(tree, target.node.slice(0, depth)) === undefined) depth -= 1;
  if (depth < target.node.length) return { node: target.node.slice(0, depth) };
  if (target.filter !== undefined) {
    const node = nodeAt(tree, target.node);
    const filters = node && node.type === 'event' ? (node.filters ?? []) : [];
    if (target.filter >= filters.length) return { node: target.node, field: 'filters' };
  }
  return target;
}

export interface PlacedProblem extends ConditionProblem {
  field?: string;
  subField?: string;
}

/** The problems of a tree, by where they show: `at(path)` for a node, `atFilter(path, n)` for a filter row. */
export interface ProblemPlacement {
  at(path: NodePath): PlacedProblem[];
  atFilter(path: NodePath, filter: number): PlacedProblem[];
}

const none: PlacedProblem[] = [];

export function placeProblems(tree: ConditionTree, problems: readonly ConditionProblem[] | undefined): ProblemPlacement {
  const byKey = new Map<string, PlacedProblem[]>();
  for (const problem of problems ?? []) {
    const target = locateProblem(tree, problem.path);
    const key = target.filter === undefined ? pathKey(target.node) : `${pathKey(target.node)}#${target.filter}`;
    const placed: PlacedProblem = { ...problem };
    if (target.field !== undefined) placed.field = target.field;
    if (target.subField !== undefined) placed.subField = target.subField;
    byKey.set(key, [...(byKey.get(key) ?? []), placed]);
  }
  return {
    at: (path) => byKey.get(pathKey(path)) ?? none,
    atFilter: (path, filter) => byKey.get(`${pathKey(path)}#${filter}`) ?? none,
  };
}

/** Whether any of `problems` is about one of `fields` (to mark that control as erroneous). */
export function hasFieldProblem(problems: readonly PlacedProblem[], ...fields: string[]): boolean {
  return problems.some((problem) => problem.field !== undefined && fields.includes(problem.field));
}
