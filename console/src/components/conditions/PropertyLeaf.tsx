import type { Comparison, PropertyCondition } from '@huiliu/core/conditions';
import { Space } from 'antd';
import { useBuilder } from './builder-context';
import { hasFieldProblem, type PlacedProblem } from './condition-problems';
import { findProperty, pickComparison, retargetComparison, valueKindOf } from './condition-tree';
import { ComparisonInput } from './ComparisonInput';
import { PropertySelect } from './PropertySelect';

/** 用户属性: a contact property (system, custom or 动态日期), its operator and value(s). */
export function PropertyLeaf({
  leaf,
  onChange,
  problems,
  testId,
}: {
  leaf: PropertyCondition;
  onChange: (leaf: PropertyCondition) => void;
  problems: readonly PlacedProblem[];
  testId: string;
}) {
  const { catalogue } = useBuilder();
  const property = findProperty(catalogue.contactProperties, leaf.property);
  const kind = property && valueKindOf(property);
  const comparison = pickComparison(leaf);
  const setComparison = (next: Comparison) => onChange({ type: 'property', property: leaf.property, ...next });
  return (
    <Space size={4} wrap>
      <PropertySelect
        properties={catalogue.contactProperties}
        value={leaf.property}
        onChange={(key) => {
          const next = findProperty(catalogue.contactProperties, key);
          if (!next) return;
          onChange({ type: 'property', property: key, ...retargetComparison(comparison, kind, valueKindOf(next)) });
        }}
        testId={`${testId}-property`}
        status={hasFieldProblem(problems, 'property') ? 'error' : undefined}
      />
      <ComparisonInput
        kind={kind}
        value={comparison}
        onChange={setComparison}
        testId={testId}
        operatorStatus={hasFieldProblem(problems, 'operator') ? 'error' : undefined}
        valueStatus={hasFieldProblem(problems, 'values', 'range') ? 'error' : undefined}
      />
    </Space>
  );
}
