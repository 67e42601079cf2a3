import { DeleteOutlined, FilterOutlined, PlusOutlined } from '@ant-design/icons';
import type { CatalogueEvent, ConditionCatalogue } from '@huiliu/core/conditions';
import {
  metricAggregates,
  reportLimits,
  type EventMetric,
  type FormulaMetric,
  type MetricAggregate,
  type ReportMetric,
} from '@huiliu/core/reports';
import { Button, Flex, Input, Radio, Select, Space, Tag, theme, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { FilterRow } from '../../../components/conditions';
import { newFilter } from '../../../components/conditions/condition-tree';
import { ProblemList } from '../../../components/conditions/ProblemList';
import { matchOption, PropertySelect } from '../../../components/conditions/PropertySelect';
import {
  addMetric,
  filterRowProblems,
  hasProblem,
  isEventMetric,
  metricProperties,
  needsProperty,
  newEventMetric,
  newFormula,
  placed,
  problemsUnder,
  withMetricAggregate,
  withMetricEvent,
  withMetricFilters,
  type QueryProblem,
} from './query-state';

const errorIf = (flag: boolean): 'error' | undefined => (flag ? 'error' : undefined);

/** A metric's id as formulas name it. */
export function MetricId({ id }: { id: string }) {
  return (
    <Tag color="blue" style={{ marginInlineEnd: 0, minWidth: 24, textAlign: 'center' }}>
      {id}
    </Tag>
  );
}

/** 事件 / 虚拟事件, searchable by name and code. */
export function EventSelect({
  catalogue,
  value,
  onChange,
  testId,
  status,
}: {
  catalogue: ConditionCatalogue;
  value: string;
  onChange: (event: CatalogueEvent) => void;
  testId: string;
  status?: 'error';
}) {
  const { t } = useTranslation();
  const option = (event: CatalogueEvent) => ({ value: event.code, label: event.name });
  const real = catalogue.events.filter((event) => !event.virtual);
  const virtual = catalogue.events.filter((event) => event.virtual);
  return (
    <Select<string>
      showSearch
      filterOption={matchOption}
      value={value || undefined}
      onChange={(code) => {
        const event = catalogue.events.find((candidate) => candidate.code === code);
        if (event) onChange(event);
      }}
      options={
        virtual.length
          ? [
              { label: t('reports.metric.events'), title: 'events', options: real.map(option) },
              { label: t('reports.metric.virtualEvents'), title: 'virtual', options: virtual.map(option) },
            ]
          : real.map(option)
      }
      placeholder={t('reports.metric.eventPlaceholder')}
      aria-label={t('reports.metric.event')}
      data-testid={testId}
      status={status}
      popupMatchSelectWidth={false}
      style={{ minWidth: 150, maxWidth: 220 }}
    />
  );
}

/** One event metric: event, aggregate, property (when the aggregate takes one), filters. */
function EventMetricRow({
  metric,
  catalogue,
  onChange,
  onRemove,
  problems,
  testId,
}: {
  metric: EventMetric;
  catalogue: ConditionCatalogue;
  onChange: (metric: EventMetric) => void;
  onRemove?: () => void;
  problems: QueryProblem[];
  testId: string;
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const event = catalogue.events.find((candidate) => candidate.code === metric.event);
  const filters = metric.filters ?? [];
  const firstFilter = event && newFilter(event);
  const setFilters = (next: typeof filters) => onChange(withMetricFilters(metric, next));
  const own = problems.filter((problem) => !problem.path.startsWith('filters.'));
  return (
    <Flex vertical gap={token.marginXXS} data-testid={testId} data-metric={metric.id}>
      <Space size={4} wrap>
        <MetricId id={metric.id} />
        <EventSelect
          catalogue={catalogue}
          value={metric.event}
          onChange={(next) => onChange(withMetricEvent(metric, next, event))}
          testId={`${testId}-event`}
          status={errorIf(hasProblem(problems, 'event'))}
        />
        <Select<MetricAggregate>
          value={metric.aggregate}
          onChange={(aggregate) => onChange(withMetricAggregate(metric, aggregate, event))}
          options={metricAggregates.map((aggregate) => ({
            value: aggregate,
            label: t(`reports.aggregates.${aggregate}`),
            disabled: needsProperty(aggregate) && metricProperties(aggregate, event).length === 0,
          }))}
          aria-label={t('reports.metric.aggregate')}
          data-testid={`${testId}-aggregate`}
          status={errorIf(hasProblem(problems, 'aggregate'))}
          popupMatchSelectWidth={false}
          style={{ minWidth: 100 }}
        />
        {needsProperty(metric.aggregate) && (
          <PropertySelect
            properties={metricProperties(metric.aggregate, event)}
            value={metric.property}
            onChange={(property) => onChange({ ...metric, property })}
            ariaLabel={t('reports.metric.property')}
            testId={`${testId}-property`}
            status={errorIf(hasProblem(problems, 'property'))}
          />
        )}
        <Tooltip title={firstFilter ? t('reports.metric.addFilter') : t('reports.metric.noProperties')}>
          <Button
            type="text"
            size="small"
            icon={<FilterOutlined />}
            disabled={!firstFilter}
            onClick={() => firstFilter && setFilters([...filters, firstFilter])}
            aria-label={t('reports.metric.addFilter')}
            data-testid={`${testId}-add-filter`}
          />
        </Tooltip>
        {onRemove && (
          <Button
            type="text"
            size="small"
            icon={<DeleteOutlined />}
            onClick={onRemove}
            aria-label={t('reports.metric.remove')}
            title={t('reports.metric.remove')}
            data-testid={`${testId}-remove`}
          />
        )}
      </Space>
      <ProblemList problems={placed(own)} testId={`${testId}-problems`} />
      {filters.length > 0 && (
        <Flex gap={token.marginXS} align="flex-start" style={{ paddingInlineStart: 32 }}>
          {filters.length > 1 && (
            <Radio.Group
              size="small"
              optionType="button"
              value={metric.filterOp ?? 'and'}
              onChange={(change) => onChange({ ...metric, filterOp: change.target.value as 'and' | 'or' })}
              options={[
                { value: 'and', label: t('conditions.relation.and') },
                { value: 'or', label: t('conditions.relation.or') },
              ]}
              aria-label={t('reports.metric.filterRelation')}
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

/** 自定义指标: name, formula over the ids before it, number or percent. */
function FormulaRow({
  metric,
  ids,
  onChange,
  onRemove,
  problems,
  testId,
}: {
  metric: FormulaMetric;
  ids: string[];
  onChange: (metric: FormulaMetric) => void;
  onRemove: () => void;
  problems: QueryProblem[];
  testId: string;
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  return (
    <Flex vertical gap={token.marginXXS} data-testid={testId} data-metric={metric.id}>
      <Space size={4} wrap>
        <MetricId id={metric.id} />
        <Input
          value={metric.name}
          onChange={(change) => onChange({ ...metric, name: change.target.value })}
          maxLength={50}
          placeholder={t('reports.formula.namePlaceholder')}
          aria-label={t('reports.formula.name')}
          data-testid={`${testId}-name`}
          status={errorIf(hasProblem(problems, 'name'))}
          style={{ width: 140 }}
        />
        <Input
          value={metric.formula}
          onChange={(change) => onChange({ ...metric, formula: change.target.value })}
          maxLength={reportLimits.formulaLength}
          placeholder={t('reports.formula.placeholder')}
          aria-label={t('reports.formula.formula')}
          data-testid={`${testId}-formula`}
          status={errorIf(hasProblem(problems, 'formula'))}
          style={{ width: 150, fontFamily: 'monospace' }}
        />
        <Select<'number' | 'percent'>
          value={metric.format ?? 'number'}
          onChange={(format) => onChange({ ...metric, format })}
          options={(['number', 'percent'] as const).map((format) => ({
            value: format,
            label: t(`reports.formula.formats.${format}`),
          }))}
          aria-label={t('reports.formula.format')}
          data-testid={`${testId}-format`}
          popupMatchSelectWidth={false}
          style={{ minWidth: 80 }}
        />
        <Button
          type="text"
          size="small"
          icon={<DeleteOutlined />}
          onClick={onRemove}
          aria-label={t('reports.formula.remove')}
          title={t('reports.formula.remove')}
          data-testid={`${testId}-remove`}
        />
      </Space>
      <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM, paddingInlineStart: 32 }}>
        {t('reports.formula.hint', { ids: ids.join(' ') })}
      </Typography.Text>
      <ProblemList problems={placed(problems)} testId={`${testId}-problems`} />
    </Flex>
  );
}

/** 指标: event metrics (A, B, …) then 自定义指标, with their add buttons (10 in all). */
export function MetricsSection({
  metrics,
  catalogue,
  onChange,
  problems,
}: {
  metrics: ReportMetric[];
  catalogue: ConditionCatalogue;
  onChange: (metrics: ReportMetric[]) => void;
  problems: QueryProblem[];
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const eventCount = metrics.filter(isEventMetric).length;
  const full = metrics.length >= reportLimits.metrics;
  const replace = (index: number, metric: ReportMetric) => onChange(metrics.map((m, at) => (at === index ? metric : m)));
  const remove = (index: number) => onChange(metrics.filter((_, at) => at !== index));
  const limit = full ? t('reports.metric.limit', { max: reportLimits.metrics }) : undefined;
  return (
    <Flex vertical gap={token.marginSM} data-testid="report-metrics">
      {metrics.map((metric, index) => {
        const own = problemsUnder(problems, `metrics.${index}`);
        return metric.kind === 'event' ? (
          <EventMetricRow
            key={metric.id}
            metric={metric}
            catalogue={catalogue}
            onChange={(next) => replace(index, next)}
            onRemove={eventCount > 1 ? () => remove(index) : undefined}
            problems={own}
            testId={`report-metric-${metric.id}`}
          />
        ) : (
          <FormulaRow
            key={metric.id}
            metric={metric}
            ids={metrics.slice(0, index).map((m) => m.id)}
            onChange={(next) => replace(index, next)}
            onRemove={() => remove(index)}
            problems={own}
            testId={`report-metric-${metric.id}`}
          />
        );
      })}
      <Space size={0} wrap>
        <Tooltip title={limit}>
          <Button
            type="link"
            size="small"
            icon={<PlusOutlined />}
            disabled={full}
            onClick={() => {
              const metric = newEventMetric(catalogue, metrics);
              if (metric) onChange(addMetric(metrics, metric));
            }}
            data-testid="report-add-metric"
          >
            {t('reports.metric.add')}
          </Button>
        </Tooltip>
        <Tooltip title={limit}>
          <Button
            type="link"
            size="small"
            icon={<PlusOutlined />}
            disabled={full}
            onClick={() => {
              const formula = newFormula(metrics, t('reports.formula.defaultName'));
              if (formula) onChange(addMetric(metrics, formula));
            }}
            data-testid="report-add-formula"
          >
            {t('reports.formula.add')}
          </Button>
        </Tooltip>
      </Space>
    </Flex>
  );
}
