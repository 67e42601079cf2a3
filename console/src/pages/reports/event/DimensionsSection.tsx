import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import type { ConditionCatalogue } from '@huiliu/core/conditions';
import { reportLimits, type ReportDimension, type ReportMetric } from '@huiliu/core/reports';
import { Button, Checkbox, Flex, Select, Space, theme, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ProblemList } from '../../../components/conditions/ProblemList';
import { matchOption, propertyOption } from '../../../components/conditions/PropertySelect';
import {
  commonEventProperties,
  defaultRanges,
  dimensionFromKey,
  dimensionKey,
  dimensionType,
  hasProblem,
  parseRanges,
  placed,
  problemsUnder,
  type QueryProblem,
} from './query-state';

const errorIf = (flag: boolean): 'error' | undefined => (flag ? 'error' : undefined);

/**
 * 按…查看 (§3.2): event properties every metric's event carries, user properties, user tags; a
 * numeric one groups by value or by editable range boundaries. Several = their Cartesian product.
 */
export function DimensionsSection({
  dimensions,
  metrics,
  catalogue,
  onChange,
  problems,
}: {
  dimensions: ReportDimension[];
  metrics: ReportMetric[];
  catalogue: ConditionCatalogue;
  onChange: (dimensions: ReportDimension[]) => void;
  problems: QueryProblem[];
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const common = commonEventProperties(catalogue, metrics);
  const used = new Set(dimensions.map(dimensionKey));
  const options = [
    {
      label: t('reports.dimension.eventProperties'),
      title: 'event',
      options: common.map((p) => propertyOption(p, `event:${p.key}`, p.name)),
    },
    {
      label: t('reports.dimension.contactProperties'),
      title: 'contact',
      options: catalogue.contactProperties
        .filter((p) => p.source !== 'dynamicDate')
        .map((p) => propertyOption(p, `contact:${p.key}`, p.name)),
    },
    {
      label: t('reports.dimension.tags'),
      title: 'tag',
      options: catalogue.tags.map((tag) => ({ value: `tag:${tag.id}`, label: tag.name, text: tag.name, disabled: false })),
    },
  ].filter((group) => group.options.length > 0);
  const withDisabled = (current: string) =>
    options.map((group) => ({
      ...group,
      // A masked field (ADR 0069) stays disabled, even as the current choice.
      options: group.options.map((option) => ({
        ...option,
        disabled: option.disabled || (option.value !== current && used.has(option.value)),
      })),
    }));
  const firstFree = options.flatMap((group) => group.options).find((option) => !option.disabled && !used.has(option.value));
  const full = dimensions.length >= reportLimits.dimensions;
  const replace = (index: number, dimension: ReportDimension) =>
    onChange(dimensions.map((d, at) => (at === index ? dimension : d)));

  return (
    <Flex vertical gap={token.marginXS} data-testid="report-dimensions">
      {dimensions.length === 0 && (
        <Typography.Text type="secondary" data-testid="report-dimensions-overall">
          {t('reports.dimension.overall')}
        </Typography.Text>
      )}
      {dimensions.map((dimension, index) => {
        const key = dimensionKey(dimension);
        const own = problemsUnder(problems, `dimensions.${index}`);
        const numeric = dimensionType(dimension, catalogue, metrics) === 'number';
        const testId = `report-dimension-${index}`;
        return (
          <Flex vertical gap={token.marginXXS} key={`${key}-${index}`} data-testid={testId}>
            <Space size={4} wrap>
              <Select<string>
                showSearch
                filterOption={matchOption}
                value={key}
                onChange={(next) => {
                  const chosen = dimensionFromKey(next);
                  if (chosen) replace(index, chosen);
                }}
                options={withDisabled(key)}
                placeholder={t('reports.dimension.placeholder')}
                data-testid={`${testId}-property`}
                status={errorIf(hasProblem(own, 'property') || hasProblem(own, 'tagId'))}
                popupMatchSelectWidth={false}
                style={{ minWidth: 180 }}
              />
              {numeric && (
                <Checkbox
                  checked={dimension.ranges !== undefined}
                  onChange={(change) => {
                    const { ranges: _ranges, ...rest } = dimension;
                    void _ranges;
                    replace(index, change.target.checked ? { ...rest, ranges: [...defaultRanges] } : rest);
                  }}
                  data-testid={`${testId}-by-ranges`}
                >
                  {t('reports.dimension.ranges')}
                </Checkbox>
              )}
              <Button
                type="text"
                size="small"
                icon={<DeleteOutlined />}
                onClick={() => onChange(dimensions.filter((_, at) => at !== index))}
                aria-label={t('reports.dimension.remove')}
                title={t('reports.dimension.remove')}
                data-testid={`${testId}-remove`}
              />
            </Space>
            {numeric && dimension.ranges && (
              <Flex vertical style={{ paddingInlineStart: token.paddingSM }}>
                <Select<string[]>
                  mode="tags"
                  value={dimension.ranges.map(String)}
                  onChange={(tokens) => {
                    const ranges = parseRanges(tokens);
                    if (ranges.length) replace(index, { ...dimension, ranges });
                  }}
                  tokenSeparators={[',', '，', ' ']}
                  open={false}
                  suffixIcon={null}
                  placeholder={t('reports.dimension.rangesPlaceholder')}
                  data-testid={`${testId}-ranges`}
                  status={errorIf(hasProblem(own, 'ranges'))}
                  style={{ minWidth: 240, maxWidth: 360 }}
                />
                <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                  {t('reports.dimension.rangesHint', { count: dimension.ranges.length, groups: dimension.ranges.length + 1 })}
                </Typography.Text>
              </Flex>
            )}
            <ProblemList problems={placed(own)} testId={`${testId}-problems`} />
          </Flex>
        );
      })}
      <Tooltip title={full ? t('reports.dimension.limit', { max: reportLimits.dimensions }) : undefined}>
        <Button
          type="link"
          size="small"
          icon={<PlusOutlined />}
          disabled={full || !firstFree}
          onClick={() => {
            const chosen = firstFree && dimensionFromKey(firstFree.value);
            if (chosen) onChange([...dimensions, chosen]);
          }}
          data-testid="report-add-dimension"
          style={{ alignSelf: 'flex-start' }}
        >
          {t('reports.dimension.add')}
        </Button>
      </Tooltip>
    </Flex>
  );
}
