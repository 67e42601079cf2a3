import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import {
  conditionLimits,
  eventAggregates,
  measureOperators,
  type CatalogueEvent,
  type EventAggregate,
  type EventCondition,
  type EventMeasure,
  type EventPropertyFilter,
  type MeasureOperator,
} from '@huiliu/core/conditions';
import { Button, Flex, Radio, Select, Space, theme, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { useBuilder } from './builder-context';
import { hasFieldProblem, type PlacedProblem } from './condition-problems';
import {
  aggregateProperties,
  findEvent,
  findProperty,
  newFilter,
  newMeasure,
  pathKey,
  pickComparison,
  retargetComparison,
  valueKindOf,
  withAggregate,
  withEvent,
  withFilters,
  withMeasureOperator,
  type NodePath,
} from './condition-tree';
import { ComparisonInput } from './ComparisonInput';
import { ProblemList } from './ProblemList';
import { matchOption, PropertySelect } from './PropertySelect';
import { TimeRangeInput } from './TimeRangeInput';
import { ValueInput } from './ValueInput';

const errorIf = (flag: boolean): 'error' | undefined => (flag ? 'error' : undefined);

/**
 * One property filter of an event leaf: property, operator, value(s), remove. Also used on its own
 * (a virtual event's member filters) inside a `BuilderContext` that provides the catalogue.
 */
export function FilterRow({
  event,
  filter,
  onChange,
  onRemove,
  problems,
  testId,
}: {
  event: CatalogueEvent | undefined;
  filter: EventPropertyFilter;
  onChange: (filter: EventPropertyFilter) => void;
  onRemove: () => void;
  problems: readonly PlacedProblem[];
  testId: string;
}) {
  const { t } = useTranslation();
  const properties = event?.properties ?? [];
  const property = findProperty(properties, filter.property);
  const kind = property && valueKindOf(property);
  const comparison = pickComparison(filter);
  return (
    <div data-testid={testId}>
      <Space size={4} wrap>
        <PropertySelect
          properties={properties}
          value={filter.property}
          onChange={(key) => {
            const next = findProperty(properties, key);
            if (next) onChange({ property: key, ...retargetComparison(comparison, kind, valueKindOf(next)) });
          }}
          ariaLabel={t('conditions.event.filters.property')}
          testId={`${testId}-property`}
          status={errorIf(hasFieldProblem(problems, 'property'))}
        />
        <ComparisonInput
          kind={kind}
          value={comparison}
          onChange={(next) => onChange({ property: filter.property, ...next })}
          testId={testId}
          operatorStatus={errorIf(hasFieldProblem(problems, 'operator'))}
          valueStatus={errorIf(hasFieldProblem(problems, 'values', 'range'))}
        />
        <Button
          type="text"
          icon={<DeleteOutlined />}
          onClick={onRemove}
          aria-label={t('conditions.event.filters.remove')}
          title={t('conditions.event.filters.remove')}
          data-testid={`${testId}-remove`}
        />
      </Space>
      <ProblemList problems={problems} testId={`${testId}-problems`} />
    </div>
  );
}

/** 次数 ≥ 2, 总和(金额) > 100…: the aggregate of the matching events and its comparison. */
function MeasureRow({
  event,
  measure,
  onChange,
  onRemove,
  problems,
  testId,
}: {
  event: CatalogueEvent | undefined;
  measure: EventMeasure;
  onChange: (measure: EventMeasure) => void;
  onRemove: () => void;
  problems: readonly PlacedProblem[];
  testId: string;
}) {
  const { t } = useTranslation();
  const properties = event?.properties ?? [];
  const allowed = aggregateProperties(measure.aggregate, properties);
  return (
    <Space size={4} wrap data-testid={testId}>
      <Select<EventAggregate>
        value={measure.aggregate}
        onChange={(aggregate) => onChange(withAggregate(measure, aggregate, properties))}
        options={eventAggregates.map((aggregate) => ({
          value: aggregate,
          label: t(`conditions.aggregates.${aggregate}`),
          disabled: aggregate !== 'count' && aggregateProperties(aggregate, properties).length === 0,
        }))}
        aria-label={t('conditions.event.measure.aggregate')}
        data-testid={`${testId}-aggregate`}
        status={errorIf(hasFieldProblem(problems, 'aggregate'))}
        popupMatchSelectWidth={false}
        style={{ minWidth: 90 }}
      />
      {measure.aggregate !== 'count' && (
        <PropertySelect
          properties={allowed}
          value={measure.property}
          onChange={(property) => onChange({ ...measure, property })}
          ariaLabel={t('conditions.event.measure.property')}
          testId={`${testId}-property`}
          status={errorIf(hasFieldProblem(problems, 'property'))}
        />
      )}
      <Select<MeasureOperator>
        value={measure.operator}
        onChange={(operator) => onChange(withMeasureOperator(measure, operator))}
        options={measureOperators.map((operator) => ({ value: operator, label: t(`conditions.operators.${operator}`) }))}
        aria-label={t('conditions.event.measure.operator')}
        data-testid={`${testId}-operator`}
        status={errorIf(hasFieldProblem(problems, 'operator'))}
        popupMatchSelectWidth={false}
        style={{ minWidth: 100 }}
      />
      <ValueInput
        shape={measure.operator === 'between' ? 'pair' : 'single'}
        type="number"
        values={measure.values}
        onChange={(values) =>
          onChange({ ...measure, values: values.filter((value): value is number => typeof value === 'number') })
        }
        testId={`${testId}-values`}
        status={errorIf(hasFieldProblem(problems, 'values'))}
      />
      <Button
        type="text"
        icon={<DeleteOutlined />}
        onClick={onRemove}
        aria-label={t('conditions.event.measure.remove')}
        title={t('conditions.event.measure.remove')}
        data-testid={`${testId}-remove`}
      />
    </Space>
  );
}

/**
 * 用户行为: did (做过) or did NOT (未做过) an event in a time range, with property filters (且/或)
 * and an optional measure (次数 / 总和 / 平均值 / 最大值 / 最小值 / 去重数 compared with values).
 */
export function EventLeaf({
  leaf,
  onChange,
  path,
  problems,
}: {
  leaf: EventCondition;
  onChange: (leaf: EventCondition) => void;
  path: NodePath;
  problems: readonly PlacedProblem[];
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const { catalogue, problems: placement, disabled } = useBuilder();
  const testId = `condition-${pathKey(path)}`;
  const event = findEvent(catalogue, leaf.event);
  const filters = leaf.filters ?? [];
  const setFilter = (index: number, filter: EventPropertyFilter) =>
    onChange(
      withFilters(
        leaf,
        filters.map((current, at) => (at === index ? filter : current)),
      ),
    );
  const firstFilter = event && newFilter(event);
  const atLimit = filters.length >= conditionLimits.eventFilters;
  const addFilterHint = !firstFilter
    ? t('conditions.event.filters.noProperties')
    : atLimit
      ? t('conditions.event.filters.limit', { max: conditionLimits.eventFilters })
      : undefined;

  return (
    <Flex vertical gap={token.marginXS}>
      <Space size={4} wrap>
        <Select<'did' | 'didNot'>
          value={leaf.did ? 'did' : 'didNot'}
          onChange={(choice) => onChange({ ...leaf, did: choice === 'did' })}
          options={[
            { value: 'did', label: t('conditions.event.did') },
            { value: 'didNot', label: t('conditions.event.didNot') },
          ]}
          aria-label={t('conditions.event.didLabel')}
          data-testid={`${testId}-did`}
          status={errorIf(hasFieldProblem(problems, 'did'))}
          style={{ width: 90 }}
        />
        <Select<string>
          showSearch
          filterOption={matchOption}
          value={leaf.event || undefined}
          onChange={(code) => {
            const next = findEvent(catalogue, code);
            if (next) onChange(withEvent(leaf, next, event));
          }}
          options={catalogue.events.map((candidate) => ({ value: candidate.code, label: candidate.name }))}
          placeholder={t('conditions.event.placeholder')}
          aria-label={t('conditions.event.label')}
          data-testid={`${testId}-event`}
          status={errorIf(hasFieldProblem(problems, 'event'))}
          popupMatchSelectWidth={false}
          style={{ minWidth: 160 }}
        />
        <TimeRangeInput
          value={leaf.time}
          onChange={(time) => onChange({ ...leaf, time })}
          timeType="date"
          timeZone={catalogue.timeZone}
          testId={`${testId}-time`}
          status={errorIf(hasFieldProblem(problems, 'time'))}
        />
      </Space>

      {filters.length > 0 && (
        <Flex gap={token.marginXS} align="flex-start" style={{ paddingInlineStart: token.paddingSM }}>
          {filters.length > 1 && (
            <Radio.Group
              size="small"
              optionType="button"
              value={leaf.filterOp ?? 'and'}
              onChange={(change) => onChange({ ...leaf, filterOp: change.target.value as 'and' | 'or' })}
              options={[
                { value: 'and', label: t('conditions.relation.and') },
                { value: 'or', label: t('conditions.relation.or') },
              ]}
              aria-label={t('conditions.event.filters.relation')}
              data-testid={`${testId}-filter-op`}
            />
          )}
          <Flex vertical gap={token.marginXS}>
            {filters.map((filter, index) => (
              <FilterRow
                key={index}
                event={event}
                filter={filter}
                onChange={(next) => setFilter(index, next)}
                onRemove={() =>
                  onChange(
                    withFilters(
                      leaf,
                      filters.filter((_, at) => at !== index),
                    ),
                  )
                }
                problems={placement.atFilter(path, index)}
                testId={`${testId}-filter-${index}`}
              />
            ))}
          </Flex>
        </Flex>
      )}

      {leaf.measure && (
        <div style={{ paddingInlineStart: token.paddingSM }}>
          <MeasureRow
            event={event}
            measure={leaf.measure}
            onChange={(measure) => onChange({ ...leaf, measure })}
            onRemove={() => {
              const next = { ...leaf };
              delete next.measure;
              onChange(next);
            }}
            problems={problems
              .filter((problem) => problem.field === 'measure')
              .map((problem) => ({ ...problem, field: problem.subField }))}
            testId={`${testId}-measure`}
          />
        </div>
      )}

      <Space size={0} wrap>
        <Tooltip title={addFilterHint}>
          <Button
            type="link"
            size="small"
            icon={<PlusOutlined />}
            disabled={disabled || addFilterHint !== undefined}
            onClick={() => firstFilter && onChange(withFilters(leaf, [...filters, firstFilter]))}
            data-testid={`${testId}-add-filter`}
          >
            {t('conditions.event.filters.add')}
          </Button>
        </Tooltip>
        {!leaf.measure && (
          <Button
            type="link"
            size="small"
            icon={<PlusOutlined />}
            onClick={() => onChange({ ...leaf, measure: newMeasure() })}
            data-testid={`${testId}-add-measure`}
          >
            {t('conditions.event.measure.add')}
          </Button>
        )}
      </Space>
    </Flex>
  );
}
