import { DownloadOutlined } from '@ant-design/icons';
import { Button, Card, Skeleton, Tooltip } from 'antd';
import { HeatmapChart, MapChart } from 'echarts/charts';
import { VisualMapComponent } from 'echarts/components';
import type { EChartsCoreOption } from 'echarts/core';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { CHART_THEME, echarts, type EChartsType } from '../../../components/charts/echarts';

// Only 用户画像 draws heatmaps and maps: registered here, so they stay in this page's chunk.
echarts.use([HeatmapChart, MapChart, VisualMapComponent]);

let chinaMap: Promise<void> | undefined;

/**
 * The China map (the province GeoJSON of echarts 4.9, Apache-2.0), registered once as `china` the
 * first time a page asks for it: a chunk of its own, out of the main bundle.
 */
export function loadChinaMap(): Promise<void> {
  chinaMap ??= import('echarts4/map/json/china.json').then((module) => {
    const geoJson = (module as { default?: unknown }).default ?? module;
    echarts.registerMap('china', geoJson as Parameters<typeof echarts.registerMap>[1]);
  });
  return chinaMap;
}

/** Whether the China map is registered (loads it). */
export function useChinaMap(): { ready: boolean; error: unknown } {
  const [state, setState] = useState<{ ready: boolean; error: unknown }>({ ready: false, error: undefined });
  useEffect(() => {
    let live = true;
    loadChinaMap().then(
      () => live && setState({ ready: true, error: undefined }),
      (error: unknown) => live && setState({ ready: false, error }),
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}

/** Saves a chart as a PNG (保存为图片, seed §1.7.5: 保存格式为【.png】). */
export function downloadChart(instance: EChartsType, fileName: string): void {
  const url = instance.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' });
  const link = document.createElement('a');
  link.href = url;
  link.download = `${fileName}.png`;
  document.body.appendChild(link);
  link.click();
  link.remove();
}

/** A titled card holding one chart, with its PNG download. */
export function ProfileChart({
  title,
  option,
  fileName,
  height = 320,
  loading = false,
  extra,
  testId,
}: {
  title: string;
  option: EChartsCoreOption;
  fileName: string;
  height?: number;
  loading?: boolean;
  extra?: ReactNode;
  testId: string;
}) {
  const { t, i18n } = useTranslation();
  const instance = useRef<EChartsType>();
  return (
    <Card
      size="small"
      title={title}
      data-testid={testId}
      extra={
        <>
          {extra}
          <Tooltip title={t('reports.profile.savePng')}>
            <Button
              size="small"
              type="text"
              icon={<DownloadOutlined />}
              aria-label={t('reports.profile.savePng')}
              disabled={loading}
              onClick={() => instance.current && downloadChart(instance.current, fileName)}
              data-testid={`${testId}-png`}
            />
          </Tooltip>
        </>
      }
    >
      {loading ? (
        <Skeleton active paragraph={{ rows: 6 }} />
      ) : (
        <ReactEChartsCore
          echarts={echarts}
          theme={CHART_THEME}
          option={option}
          notMerge
          style={{ height, width: '100%' }}
          opts={{ locale: i18n.language.startsWith('zh') ? 'ZH' : 'EN' }}
          onChartReady={(chart: EChartsType) => {
            instance.current = chart;
          }}
        />
      )}
    </Card>
  );
}
