import { PlusOutlined } from '@ant-design/icons';
import type { ConditionCatalogue } from '@huiliu/core/conditions';
import type { RetentionEvent } from '@huiliu/core/reports';
import { Button, Flex, Radio, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { FilterRow } from '../../../components/conditions';
import { newFilter } from '../../../components/conditions/condition-tree';
import { ProblemList } from '../../../components/conditions/ProblemList';
import { EventSelect } from '../event/MetricsSection';
import { filterRowProblems, hasProblem, placed, type QueryProblem } from '../event/query-state';

const FILTERS_MAX = 20;

/** 初始行为 / 后续行为: an event or virtual event and its property filters (且/或). */
export function RetentionEventSection({
  value,
  catalogue,
  onChange,
  problems,
  testId,
}: {
  value: RetentionEvent;
  catalogue: ConditionCatalogue;
  onChange: (value: RetentionEvent) => void;
  /** Problems relative to this event (`event`, `filters.0.values`…). */
  problems: QueryProblem[];
  testId: string;
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const event = catalogue.events.find((candidate) => candidate.code === value.event);
  const filters = value.filters ?? [];
  const first = event && newFilter(event);
  const setFilters = (next: typeof filters) => onChange(next.length ? { ...value, filters: next } : { event: value.event });
  const own = problems.filter((problem) => !problem.path.startsWith('filters.'));
  return (
    <Flex vertical gap={token.marginXXS} data-testid={testId}>
      <Flex gap={token.marginXS} align="center" wrap>
        <EventSelect
          catalogue={catalogue}
          value={value.event}
          // Another event: its own properties, so the filters go.
          onChange={(next) => onChange(next.code === value.event ? value : { event: next.code })}
          testId={`${testId}-event`}
          status={hasProblem(problems, 'event') ? 'error' : undefined}
        />
        <Button
          type="link"
          size="small"
          icon={<PlusOutlined />}
          disabled={!first || filters.length >= FILTERS_MAX}
          onClick={() => first && setFilters([...filters, first])}
          data-testid={`${testId}-add-filter`}
        >
          {t('reports.retentionAnalysis.addFilter')}
        </Button>
      </Flex>
      <ProblemList problems={placed(own)} testId={`${testId}-problems`} />
      {filters.length > 0 && (
        <Flex gap={token.marginXS} align="flex-start" style={{ paddingInlineStart: 16 }}>
          {filters.length > 1 && (
            <Radio.Group
              size="small"
              optionType="button"
              value={value.filterOp ?? 'and'}
              onChange={(change) => onChange({ ...value, filterOp: change.target.value as 'and' | 'or' })}
              options={[
                { value: 'and', label: t('conditions.relation.and') },
                { value: 'or', label: t('conditions.relation.or') },
              ]}
              aria-label={t('reports.retentionAnalysis.filterRelation')}
              data-testid={`${testId}-filter-op`}
            />
          )}
          <Flex vertical gap={token.marginXXS}>
            {filters.map((filter, index) => (
              <FilterRow
                key={index}
                event={event}
                filter={filter}
                onChange={(next) => setFilters(filters.map((current, at) => (at === index ? next : current)))}
                onRemove={() => setFilters(filters.filter((_, at) => at !== index))}
                problems={filterRowProblems(problems, index)}
                testId={`${testId}-filter-${index}`}
              />
            ))}
          </Flex>
        </Flex>
      )}
    </Flex>
  );
}
