// The condition builder and the pure helpers a page around it may need.
export { ConditionBuilder, type ConditionBuilderProps } from './ConditionBuilder';
export { locateProblem, parseProblemPath, placeProblems, type ProblemPlacement, type ProblemTarget } from './condition-problems';
export { countLeaves, findEvent, newFilter, newLeaf, type NodePath } from './condition-tree';
export { BuilderContext, type BuilderContextValue } from './builder-context';
export { FilterRow } from './EventLeaf';
