import {
  AreaChartOutlined,
  BarChartOutlined,
  FundOutlined,
  LineChartOutlined,
  NumberOutlined,
  PieChartOutlined,
  TableOutlined,
} from '@ant-design/icons';
import { chartRefusal, chartTypes, type ChartShape, type ChartType } from '@huiliu/core/reports';
import { Button, Space, Tooltip } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../../i18n';

const icons: Record<ChartType, ReactNode> = {
  line: <LineChartOutlined />,
  timeBar: <BarChartOutlined />,
  stackedBar: <FundOutlined />,
  pie: <PieChartOutlined />,
  stackedArea: <AreaChartOutlined />,
  number: <NumberOutlined />,
  table: <TableOutlined />,
};

/**
 * The chart types of §1.7.2.6: a choice the matrix refuses for this question (metrics × dimensions,
 * by total or by time) is disabled, its reason in the tooltip — it is never sent.
 */
export function ChartSwitcher({
  value,
  shape,
  onChange,
}: {
  value: ChartType;
  shape: ChartShape;
  onChange: (chart: ChartType) => void;
}) {
  const { t } = useTranslation();
  return (
    <Space size={4} wrap role="radiogroup" aria-label={t('reports.chart.label')} data-testid="report-chart-types">
      {chartTypes.map((chart) => {
        const refusal = chartRefusal(chart, shape);
        const name = t(`reports.chart.types.${chart}`);
        return (
          <Tooltip
            key={chart}
            title={refusal ? t('reports.chart.refused', { chart: name, reason: errorText(refusal) ?? refusal }) : name}
          >
            {/* A disabled button fires no hover events: the span carries the tooltip. */}
            <span data-testid={`report-chart-type-${chart}-wrap`}>
              <Button
                size="small"
                role="radio"
                aria-checked={value === chart}
                type={value === chart ? 'primary' : 'default'}
                icon={icons[chart]}
                disabled={refusal !== undefined}
                onClick={() => onChange(chart)}
                data-testid={`report-chart-type-${chart}`}
                data-refusal={refusal}
              >
                {name}
              </Button>
            </span>
          </Tooltip>
        );
      })}
    </Space>
  );
}
