import { DeleteOutlined, FilterOutlined, PlusOutlined } from '@ant-design/icons';
import type { ConditionCatalogue, EventPropertyFilter } from '@huiliu/core/conditions';
import { funnelLimits, type FunnelExclusion, type FunnelStep } from '@huiliu/core/reports';
import { Button, Flex, Input, Radio, Select, Space, Tag, theme, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { FilterRow } from '../../../components/conditions';
import { newFilter } from '../../../components/conditions/condition-tree';
import { ProblemList } from '../../../components/conditions/ProblemList';
import { EventSelect } from '../event/MetricsSection';
import { filterRowProblems, placed, problemsUnder } from '../event/query-state';
import { canRemoveStep, type QueryProblem } from './funnel-state';

const errorIf = (flag: boolean): 'error' | undefined => (flag ? 'error' : undefined);

/** An event (or virtual event) with its filters: a step, or an exclusion (归因分析: its target and touches). */
export function EventWithFilters<T extends FunnelStep | FunnelExclusion>({
  value,
  catalogue,
  onChange,
  problems,
  testId,
  prefix,
  suffix,
}: {
  value: T;
  catalogue: ConditionCatalogue;
  onChange: (value: T) => void;
  problems: QueryProblem[];
  testId: string;
  prefix: React.ReactNode;
  suffix?: React.ReactNode;
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const event = catalogue.events.find((candidate) => candidate.code === value.event);
  const filters = value.filters ?? [];
  const firstFilter = event && newFilter(event);
  const setFilters = (next: EventPropertyFilter[]) => {
    const { filters: _filters, filterOp, ...rest } = value;
    void _filters;
    onChange((next.length ? { ...rest, filters: next, ...(filterOp ? { filterOp } : {}) } : rest) as T);
  };
  const own = problems.filter((p) => !p.path.startsWith('filters.'));
  return (
    <Flex vertical gap={token.marginXXS} data-testid={testId}>
      <Space size={4} wrap>
        {prefix}
        <EventSelect
          catalogue={catalogue}
          value={value.event}
          // Another event: its filters no longer apply.
          onChange={(next) => {
            const { filters: _filters, filterOp: _op, ...rest } = value;
            void _filters;
            void _op;
            onChange({ ...rest, event: next.code } as T);
          }}
          testId={`${testId}-event`}
          status={errorIf(own.some((p) => p.path === 'event'))}
        />
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
        {suffix}
      </Space>
      <ProblemList problems={placed(own)} testId={`${testId}-problems`} />
      {filters.length > 0 && (
        <Flex gap={token.marginXS} align="flex-start" style={{ paddingInlineStart: 32 }}>
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

/**
 * 漏斗步骤 (§1.7.3.2.2): 2–8 steps, each an event or virtual event with filters and an optional
 * display name; the default two cannot be deleted. Below them, 排除步骤: "did not do X between
 * step i and step i+1".
 */
export function StepsSection({
  steps,
  exclusions,
  catalogue,
  onSteps,
  onAddStep,
  onRemoveStep,
  onExclusions,
  problems,
}: {
  steps: FunnelStep[];
  exclusions: FunnelExclusion[];
  catalogue: ConditionCatalogue;
  onSteps: (steps: FunnelStep[]) => void;
  onAddStep: () => void;
  onRemoveStep: (index: number) => void;
  onExclusions: (exclusions: FunnelExclusion[]) => void;
  problems: QueryProblem[];
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const full = steps.length >= funnelLimits.maxSteps;
  const stepsProblem = problems.filter((p) => p.path === 'steps');
  return (
    <Flex vertical gap={token.marginXS} data-testid="funnel-steps">
      {steps.map((step, index) => (
        <EventWithFilters
          key={index}
          value={step}
          catalogue={catalogue}
          onChange={(next) => onSteps(steps.map((s, at) => (at === index ? next : s)))}
          problems={problemsUnder(problems, `steps.${index}`)}
          testId={`funnel-step-${index}`}
          prefix={
            <Tag color="blue" style={{ marginInlineEnd: 0, minWidth: 24, textAlign: 'center' }}>
              {index + 1}
            </Tag>
          }
          suffix={
            <>
              <Input
                size="small"
                value={step.name ?? ''}
                onChange={(change) => onSteps(steps.map((s, at) => (at === index ? { ...s, name: change.target.value } : s)))}
                placeholder={t('reports.funnelAnalysis.stepName')}
                aria-label={t('reports.funnelAnalysis.stepName')}
                maxLength={50}
                style={{ width: 110 }}
                data-testid={`funnel-step-${index}-name`}
              />
              {canRemoveStep(index) && (
                <Button
                  type="text"
                  size="small"
                  icon={<DeleteOutlined />}
                  onClick={() => onRemoveStep(index)}
                  aria-label={t('reports.funnelAnalysis.removeStep')}
                  title={t('reports.funnelAnalysis.removeStep')}
                  data-testid={`funnel-step-${index}-remove`}
                />
              )}
            </>
          }
        />
      ))}
      <ProblemList problems={placed(stepsProblem.map((p) => ({ ...p, path: '' })))} testId="funnel-steps-problems" />
      <Tooltip title={full ? t('reports.funnelAnalysis.stepLimit', { max: funnelLimits.maxSteps }) : undefined}>
        <Button
          type="dashed"
          icon={<PlusOutlined />}
          disabled={full}
          onClick={onAddStep}
          data-testid="funnel-add-step"
          style={{ alignSelf: 'flex-start' }}
        >
          {t('reports.funnelAnalysis.addStep')}
        </Button>
      </Tooltip>
      <Typography.Text type="secondary">{t('reports.funnelAnalysis.exclusions')}</Typography.Text>
      {exclusions.map((exclusion, index) => (
        <EventWithFilters
          key={index}
          value={exclusion}
          catalogue={catalogue}
          onChange={(next) => onExclusions(exclusions.map((x, at) => (at === index ? next : x)))}
          problems={problemsUnder(problems, `exclusions.${index}`)}
          testId={`funnel-exclusion-${index}`}
          prefix={
            <Select<number>
              size="small"
              value={exclusion.afterStep}
              onChange={(afterStep) => onExclusions(exclusions.map((x, at) => (at === index ? { ...x, afterStep } : x)))}
              options={steps.slice(0, -1).map((_, k) => ({
                value: k + 1,
                label: t('reports.funnelAnalysis.between', { from: k + 1, to: k + 2 }),
              }))}
              aria-label={t('reports.funnelAnalysis.exclusionAt')}
              status={errorIf(problems.some((p) => p.path === `exclusions.${index}.afterStep`))}
              data-testid={`funnel-exclusion-${index}-after`}
              popupMatchSelectWidth={false}
            />
          }
          suffix={
            <Button
              type="text"
              size="small"
              icon={<DeleteOutlined />}
              onClick={() => onExclusions(exclusions.filter((_, at) => at !== index))}
              aria-label={t('reports.funnelAnalysis.removeExclusion')}
              title={t('reports.funnelAnalysis.removeExclusion')}
              data-testid={`funnel-exclusion-${index}-remove`}
            />
          }
        />
      ))}
      <Button
        type="dashed"
        size="small"
        icon={<PlusOutlined />}
        disabled={exclusions.length >= funnelLimits.exclusions}
        onClick={() => onExclusions([...exclusions, { event: steps[0]!.event, afterStep: 1 }])}
        data-testid="funnel-add-exclusion"
        style={{ alignSelf: 'flex-start' }}
      >
        {t('reports.funnelAnalysis.addExclusion')}
      </Button>
    </Flex>
  );
}
