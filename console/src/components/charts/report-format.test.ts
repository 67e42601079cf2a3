import { describe, expect, it } from 'vitest';
import { changeRatio, formatAxisValue, formatMetricValue } from './report-format';

describe('report number formats', () => {
  it('writes numbers with thousands separators and at most two decimals', () => {
    expect(formatMetricValue(1234567, 'number', 'zh-CN')).toBe('1,234,567');
    expect(formatMetricValue(1234.5678, 'number', 'en-US')).toBe('1,234.57');
    expect(formatMetricValue(4 / 3, 'number', 'zh-CN')).toBe('1.33');
    expect(formatMetricValue(-2500, 'number', 'zh-CN')).toBe('-2,500');
    expect(formatMetricValue(-0, 'number', 'zh-CN')).toBe('0');
  });

  it('writes a percent metric ×100 with one decimal', () => {
    expect(formatMetricValue(0.12345, 'percent', 'zh-CN')).toBe('12.3%');
    expect(formatMetricValue(1, 'percent', 'zh-CN')).toBe('100.0%');
    expect(formatMetricValue(12.5, 'percent', 'en-US')).toBe('1,250.0%');
    expect(formatMetricValue(0, 'percent', 'zh-CN')).toBe('0.0%');
  });

  it('shows no value (an average of nothing, ÷ 0) as a dash', () => {
    expect(formatMetricValue(null, 'number', 'zh-CN')).toBe('-');
    expect(formatMetricValue(undefined, 'percent', 'zh-CN')).toBe('-');
    expect(formatMetricValue(Number.NaN, 'number', 'zh-CN')).toBe('-');
  });

  it('shortens large axis ticks and keeps percent ticks in percent', () => {
    expect(formatAxisValue(1500, 'number', 'en-US')).toBe('1,500');
    expect(formatAxisValue(120000, 'number', 'en-US')).toBe('120K');
    expect(formatAxisValue(120000, 'number', 'zh-CN')).toBe('12万');
    expect(formatAxisValue(0.25, 'percent', 'zh-CN')).toBe('25%');
  });

  it('computes the change against the previous period only when there is a base', () => {
    expect(changeRatio(150, 100)).toBe(0.5);
    expect(changeRatio(50, 100)).toBe(-0.5);
    expect(changeRatio(5, 0)).toBeNull();
    expect(changeRatio(null, 3)).toBeNull();
    expect(changeRatio(-1, -2)).toBe(0.5);
  });
});
