import { operatorsByType, type Comparison, type ConditionOperator } from '@huiliu/core/conditions';
import { Select, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { useBuilder } from './builder-context';
import { pickComparison, valueShape, withOperator, type ValueKind } from './condition-tree';
import { defaultRangeFor } from './time-range';
import { TimeRangeInput } from './TimeRangeInput';
import { ValueInput } from './ValueInput';

/**
 * Operator and value(s) of a comparison (property, event-property filter and tag leaves): the
 * operators of the value type only, then the input the operator takes — tags for `eq`/`ne`, one
 * value, two numbers for `between`, a time range for `in`, nothing for 非空/空值/为真/为假.
 */
export function ComparisonInput({
  kind,
  value,
  onChange,
  testId,
  operatorStatus,
  valueStatus,
}: {
  /** Undefined while the property is unknown to the catalogue: only the operator shows. */
  kind: ValueKind | undefined;
  value: Comparison;
  onChange: (comparison: Comparison) => void;
  /** Prefix of the test ids: `<testId>-operator`, `<testId>-values`, `<testId>-range`. */
  testId: string;
  operatorStatus?: 'error';
  valueStatus?: 'error';
}) {
  const { t } = useTranslation();
  const { catalogue } = useBuilder();
  const operators: readonly ConditionOperator[] = kind ? operatorsByType[kind.type] : [value.operator];
  const shape = valueShape(value.operator);
  return (
    <Space size={4} wrap>
      <Select<ConditionOperator>
        value={value.operator}
        onChange={(operator) => kind && onChange(withOperator(value, operator, kind))}
        options={operators.map((operator) => ({ value: operator, label: t(`conditions.operators.${operator}`) }))}
        aria-label={t('conditions.operator.label')}
        data-testid={`${testId}-operator`}
        status={operatorStatus}
        popupMatchSelectWidth={false}
        style={{ minWidth: 100 }}
      />
      {kind && shape === 'range' && (
        <TimeRangeInput
          value={value.range ?? defaultRangeFor(kind)}
          onChange={(range) => onChange({ operator: value.operator, range })}
          timeType={kind.timeType ?? 'date'}
          timeZone={catalogue.timeZone}
          testId={`${testId}-range`}
          status={valueStatus}
        />
      )}
      {kind && shape !== 'range' && shape !== 'none' && (
        <ValueInput
          shape={shape}
          type={kind.type}
          values={value.values}
          onChange={(values) => onChange(pickComparison({ operator: value.operator, values }))}
          testId={`${testId}-values`}
          status={valueStatus}
        />
      )}
    </Space>
  );
}
