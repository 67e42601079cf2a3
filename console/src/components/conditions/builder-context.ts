import type { ConditionCatalogue } from '@huiliu/core/conditions';
import { createContext, useContext } from 'react';
import type { ProblemPlacement } from './condition-problems';

/** What every editor of one builder shares: the catalogue and where the server's problems go. */
export interface BuilderContextValue {
  catalogue: ConditionCatalogue;
  problems: ProblemPlacement;
  /** Read-only: controls are disabled (antd's `componentDisabled`), and so are add buttons. */
  disabled: boolean;
}

export const BuilderContext = createContext<BuilderContextValue | undefined>(undefined);

export function useBuilder(): BuilderContextValue {
  const value = useContext(BuilderContext);
  if (!value) throw new Error('Condition editors render inside <ConditionBuilder>');
  return value;
}
