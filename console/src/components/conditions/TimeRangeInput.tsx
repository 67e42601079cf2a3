import { ThunderboltOutlined } from '@ant-design/icons';
import type { TimeRange, TimeRangeKind } from '@huiliu/core/conditions';
import { Button, DatePicker, Dropdown, InputNumber, Select, Space, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  absoluteValue,
  dateFormat,
  dateTimeFormat,
  defaultRangeOfKind,
  joinOffset,
  splitOffset,
  timeRangeKindGroups,
  timeRangePresets,
  type TimeType,
} from './time-range';

interface TimeRangeInputProps {
  value: TimeRange;
  onChange: (range: TimeRange) => void;
  /** `date` ranges pick days, `datetime` ones instants (absolute kinds only). */
  timeType: TimeType;
  timeZone: string;
  testId: string;
  status?: 'error';
}

type Direction = 'ago' | 'later';

/** N 天前 / N 天后: a day count and its direction, one offset in the range. */
function OffsetInput({
  offset,
  onChange,
  daysLabel,
  directionLabel,
  testId,
  status,
}: {
  offset: number;
  onChange: (offset: number) => void;
  daysLabel: string;
  directionLabel: string;
  testId: string;
  status?: 'error';
}) {
  const { t } = useTranslation();
  // 0 has no sign: remember the direction picked for it, so "0 天后" then 3 gives 3 天后.
  const [zeroDirection, setZeroDirection] = useState<Direction>('ago');
  const { days, direction: signed } = splitOffset(offset);
  const direction = offset === 0 ? zeroDirection : signed;
  return (
    <Space.Compact>
      <InputNumber<number>
        min={0}
        precision={0}
        value={days}
        // An emptied box keeps the last offset until a number is typed (it shows again on blur).
        onChange={(next) => next !== null && onChange(joinOffset(next, direction))}
        aria-label={daysLabel}
        data-testid={`${testId}-days`}
        status={status}
        style={{ width: 80 }}
      />
      <Select<Direction>
        value={direction}
        onChange={(next) => {
          setZeroDirection(next);
          onChange(joinOffset(days, next));
        }}
        options={[
          { value: 'ago', label: t('conditions.time.ago') },
          { value: 'later', label: t('conditions.time.later') },
        ]}
        aria-label={directionLabel}
        data-testid={`${testId}-direction`}
        style={{ width: 90 }}
      />
    </Space.Compact>
  );
}

/** A positive day count (过去 N 天, 未来 N 天). */
function DaysInput({
  days,
  onChange,
  testId,
  status,
}: {
  days: number;
  onChange: (days: number) => void;
  testId: string;
  status?: 'error';
}) {
  const { t } = useTranslation();
  return (
    <InputNumber<number>
      min={1}
      precision={0}
      value={days}
      onChange={(next) => next !== null && onChange(Math.max(1, Math.trunc(next)))}
      suffix={t('conditions.time.daysUnit')}
      aria-label={t('conditions.time.days')}
      data-testid={`${testId}-days`}
      status={status}
      style={{ width: 120 }}
    />
  );
}

const parse = (value: string): Dayjs | null => {
  const parsed = dayjs(value);
  return parsed.isValid() ? parsed : null;
};

/**
 * Every time range of seed §3.3: absolute (between, before, after a date or instant), relative
 * (before / after / on a day N days ago or later, past N days with or without today, next N days,
 * from N to M days ago or later) and quick (今天, 本月) — plus presets (过去7天, 本月…).
 */
export function TimeRangeInput({ value, onChange, timeType, timeZone, testId, status }: TimeRangeInputProps) {
  const { t } = useTranslation();
  const format = timeType === 'datetime' ? dateTimeFormat : dateFormat;
  const showTime = timeType === 'datetime';
  const formatPicked = (picked: Dayjs, endOfDay = false) => absoluteValue(picked.format(format), timeType, endOfDay);

  const kindOptions = timeRangeKindGroups.map((group) => ({
    label: t(`conditions.time.kindGroups.${group.id}`),
    title: t(`conditions.time.kindGroups.${group.id}`),
    options: group.kinds.map((kind) => ({ value: kind, label: t(`conditions.time.kinds.${kind}`) })),
  }));

  let fields: ReactNode = null;
  switch (value.kind) {
    case 'between':
      fields = (
        <DatePicker.RangePicker
          showTime={showTime}
          format={format}
          allowClear={false}
          value={[parse(value.from), parse(value.to)]}
          onChange={(dates) => {
            const [from, to] = dates ?? [];
            if (from && to) onChange({ kind: 'between', from: formatPicked(from), to: formatPicked(to, true) });
          }}
          placeholder={[t('conditions.time.startDate'), t('conditions.time.endDate')]}
          data-testid={`${testId}-dates`}
          status={status}
        />
      );
      break;
    case 'before':
    case 'after': {
      const kind = value.kind;
      fields = (
        <Space size={4}>
          <DatePicker
            showTime={showTime}
            format={format}
            allowClear={false}
            value={parse(value.date)}
            onChange={(date: Dayjs | null) => {
              if (date) onChange({ kind, date: formatPicked(date, kind === 'before') });
            }}
            placeholder={t('conditions.time.date')}
            aria-label={t('conditions.time.date')}
            data-testid={`${testId}-date`}
            status={status}
          />
          <Typography.Text type="secondary">{t(`conditions.time.${kind}`)}</Typography.Text>
        </Space>
      );
      break;
    }
    case 'relativeBefore':
    case 'relativeAfter':
    case 'relativeDay': {
      const kind = value.kind;
      const suffix = kind === 'relativeBefore' ? 'before' : kind === 'relativeAfter' ? 'after' : 'sameDay';
      fields = (
        <Space size={4}>
          <OffsetInput
            offset={value.offset}
            onChange={(offset) => onChange({ kind, offset })}
            daysLabel={t('conditions.time.days')}
            directionLabel={t('conditions.time.direction')}
            testId={testId}
            status={status}
          />
          <Typography.Text type="secondary">{t(`conditions.time.${suffix}`)}</Typography.Text>
        </Space>
      );
      break;
    }
    case 'past':
      fields = (
        <Space size={4}>
          <DaysInput days={value.days} onChange={(days) => onChange({ ...value, days })} testId={testId} status={status} />
          <Select<'include' | 'exclude'>
            value={value.includeToday ? 'include' : 'exclude'}
            onChange={(choice) => onChange({ ...value, includeToday: choice === 'include' })}
            options={[
              { value: 'include', label: t('conditions.time.includeToday') },
              { value: 'exclude', label: t('conditions.time.excludeToday') },
            ]}
            aria-label={t('conditions.time.todayLabel')}
            data-testid={`${testId}-today`}
            style={{ width: 110 }}
          />
        </Space>
      );
      break;
    case 'next':
      fields = <DaysInput days={value.days} onChange={(days) => onChange({ ...value, days })} testId={testId} status={status} />;
      break;
    case 'relativeRange':
      fields = (
        <Space size={4}>
          <Typography.Text type="secondary">{t('conditions.time.from')}</Typography.Text>
          <OffsetInput
            offset={value.from}
            onChange={(from) => onChange({ ...value, from })}
            daysLabel={t('conditions.time.fromDays')}
            directionLabel={t('conditions.time.fromDirection')}
            testId={`${testId}-from`}
            status={status}
          />
          <Typography.Text type="secondary">{t('conditions.time.to')}</Typography.Text>
          <OffsetInput
            offset={value.to}
            onChange={(to) => onChange({ ...value, to })}
            daysLabel={t('conditions.time.toDays')}
            directionLabel={t('conditions.time.toDirection')}
            testId={`${testId}-to`}
            status={status}
          />
        </Space>
      );
      break;
    case 'today':
    case 'thisMonth':
      break;
  }

  return (
    <Space size={4} wrap data-testid={testId}>
      <Dropdown
        trigger={['click']}
        menu={{
          items: timeRangePresets.map((preset) => ({ key: preset.id, label: t(`conditions.time.presetNames.${preset.id}`) })),
          onClick: ({ key }) => {
            const preset = timeRangePresets.find((candidate) => candidate.id === key);
            if (preset) onChange({ ...preset.range });
          },
        }}
      >
        <Button
          icon={<ThunderboltOutlined />}
          title={t('conditions.time.presets')}
          aria-label={t('conditions.time.presets')}
          data-testid={`${testId}-presets`}
        />
      </Dropdown>
      <Select<TimeRangeKind>
        value={value.kind}
        onChange={(kind) => onChange(defaultRangeOfKind(kind, timeType, timeZone))}
        options={kindOptions}
        aria-label={t('conditions.time.kind')}
        data-testid={`${testId}-kind`}
        status={status}
        popupMatchSelectWidth={false}
        style={{ minWidth: 130 }}
      />
      {fields}
    </Space>
  );
}
