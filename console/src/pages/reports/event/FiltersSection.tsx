import { PlusOutlined } from '@ant-design/icons';
import type { CatalogueEvent, ConditionCatalogue, ConditionTree, EventPropertyFilter } from '@huiliu/core/conditions';
import type { EventAnalysisQuery, ReportMetric } from '@huiliu/core/reports';
import { Button, Flex, Radio, theme, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ConditionBuilder, FilterRow } from '../../../components/conditions';
import { newFilter } from '../../../components/conditions/condition-tree';
import { ProblemList } from '../../../components/conditions/ProblemList';
import { commonEventProperties, filterRowProblems, placed, problemsUnder, type QueryProblem } from './query-state';

type Filters = NonNullable<EventAnalysisQuery['filters']>;

const emptyTree: ConditionTree = { type: 'and', conditions: [] };

/**
 * 公共筛选条件 (§3.3): filters on event properties every metric's event carries (且/或), and the
 * user condition builder (properties, behaviour, groups, tags) on who did the events.
 */
export function FiltersSection({
  filters,
  metrics,
  catalogue,
  onChange,
  problems,
}: {
  filters: Filters;
  metrics: ReportMetric[];
  catalogue: ConditionCatalogue;
  onChange: (filters: Filters) => void;
  problems: QueryProblem[];
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  // The common properties as one event the filter rows can read.
  const common: CatalogueEvent = { code: '', name: '', properties: commonEventProperties(catalogue, metrics) };
  const events = filters.events ?? [];
  const first = newFilter(common);
  const setEvents = (next: EventPropertyFilter[]) => {
    const { events: _events, eventsOp, ...rest } = filters;
    void _events;
    onChange(next.length ? { ...rest, events: next, ...(eventsOp ? { eventsOp } : {}) } : rest);
  };
  const eventProblems = problemsUnder(problems, 'filters.events');
  const contactProblems = problemsUnder(problems, 'filters.contacts');
  return (
    <Flex vertical gap={token.marginSM} data-testid="report-filters">
      <Flex vertical gap={token.marginXXS}>
        <Typography.Text type="secondary">{t('reports.filters.events')}</Typography.Text>
        {events.length > 0 && (
          <Flex gap={token.marginXS} align="flex-start">
            {events.length > 1 && (
              <Radio.Group
                size="small"
                optionType="button"
                value={filters.eventsOp ?? 'and'}
                onChange={(change) => onChange({ ...filters, eventsOp: change.target.value as 'and' | 'or' })}
                options={[
                  { value: 'and', label: t('conditions.relation.and') },
                  { value: 'or', label: t('conditions.relation.or') },
                ]}
                aria-label={t('reports.filters.relation')}
                data-testid="report-event-filters-op"
              />
            )}
            <Flex vertical gap={token.marginXXS}>
              {events.map((filter, index) => (
                <FilterRow
                  key={index}
                  event={common}
                  filter={filter}
                  onChange={(next) => setEvents(events.map((current, at) => (at === index ? next : current)))}
                  onRemove={() => setEvents(events.filter((_, at) => at !== index))}
                  problems={filterRowProblems(
                    eventProblems.map((p) => ({ ...p, path: `filters.${p.path}` })),
                    index,
                  )}
                  testId={`report-event-filter-${index}`}
                />
              ))}
            </Flex>
          </Flex>
        )}
        <ProblemList problems={placed(eventProblems.filter((p) => p.path === ''))} testId="report-event-filters-problems" />
        <Tooltip title={first ? undefined : t('reports.filters.noCommon')}>
          <Button
            type="link"
            size="small"
            icon={<PlusOutlined />}
            disabled={!first || events.length >= 20}
            onClick={() => first && setEvents([...events, first])}
            data-testid="report-add-event-filter"
            style={{ alignSelf: 'flex-start' }}
          >
            {t('reports.filters.addEvent')}
          </Button>
        </Tooltip>
      </Flex>
      <Flex vertical gap={token.marginXXS}>
        <Typography.Text type="secondary">{t('reports.filters.contacts')}</Typography.Text>
        <ConditionBuilder
          value={filters.contacts ?? emptyTree}
          onChange={(tree) => {
            const { contacts: _contacts, ...rest } = filters;
            void _contacts;
            onChange(tree.conditions.length ? { ...rest, contacts: tree } : rest);
          }}
          catalogue={catalogue}
          problems={placed(contactProblems)}
        />
      </Flex>
    </Flex>
  );
}
