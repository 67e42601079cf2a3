import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChartLabels } from './report-option';

/** The texts the chart and table mappings need, in the console language. */
export function useChartLabels(): ChartLabels {
  const { t } = useTranslation();
  return useMemo(
    () => ({ empty: t('reports.chart.empty'), previous: t('reports.chart.previous'), total: t('reports.chart.total') }),
    [t],
  );
}
