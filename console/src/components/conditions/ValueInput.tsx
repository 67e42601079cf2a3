import type { ConditionValueType } from '@huiliu/core/conditions';
import { Input, InputNumber, Select, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ValueShape } from './condition-tree';

type Values = (string | number)[];

interface ValueInputProps {
  shape: Exclude<ValueShape, 'none' | 'range'>;
  type: ConditionValueType;
  values: Values | undefined;
  onChange: (values: Values) => void;
  testId: string;
  status?: 'error';
}

/** A finite number from a typed text (`'12.5'` → 12.5), or undefined. */
export function toNumber(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const number = Number(text.trim());
  return Number.isFinite(number) ? number : undefined;
}

/**
 * The values of a comparison as its operator takes them: several tags for `eq`/`ne` and the list
 * operators (free text for strings, numbers for numbers), one value for `contains`/`lt`…, two
 * numbers for `between`.
 */
export function ValueInput({ shape, type, values, onChange, testId, status }: ValueInputProps) {
  const { t } = useTranslation();
  const numeric = type === 'number';
  if (shape === 'list') {
    return (
      <Select<string[]>
        mode="tags"
        value={(values ?? []).map(String)}
        onChange={(texts) =>
          onChange(
            numeric
              ? texts.map(toNumber).filter((number): number is number => number !== undefined)
              : texts.map((text) => text.trim()).filter((text) => text !== ''),
          )
        }
        tokenSeparators={[',', '，', '\n']}
        open={false}
        suffixIcon={null}
        placeholder={t(numeric ? 'conditions.value.numberListPlaceholder' : 'conditions.value.listPlaceholder')}
        aria-label={t('conditions.value.label')}
        data-testid={testId}
        status={status}
        style={{ minWidth: 220 }}
      />
    );
  }
  if (shape === 'pair') {
    return <NumberPair values={values} onChange={onChange} testId={testId} status={status} />;
  }
  if (numeric) {
    return (
      <InputNumber<number>
        value={typeof values?.[0] === 'number' ? values[0] : undefined}
        onChange={(number) => onChange(number === null ? [] : [number])}
        placeholder={t('conditions.value.placeholder')}
        aria-label={t('conditions.value.label')}
        data-testid={testId}
        status={status}
        style={{ width: 140 }}
      />
    );
  }
  return (
    <Input
      value={values?.[0] === undefined ? '' : String(values[0])}
      onChange={(event) => onChange(event.target.value === '' ? [] : [event.target.value])}
      placeholder={t('conditions.value.placeholder')}
      aria-label={t('conditions.value.label')}
      data-testid={testId}
      status={status}
      style={{ width: 200 }}
    />
  );
}

/**
 * Two numbers, low and high (a closed range). Half a pair is kept here while the operator types;
 * the comparison gets `[low, high]` once both are there, `[]` until then.
 */
export function NumberPair({
  values,
  onChange,
  testId,
  status,
}: {
  values: Values | undefined;
  onChange: (values: number[]) => void;
  testId: string;
  status?: 'error';
}) {
  const { t } = useTranslation();
  const [low, high] = values ?? [];
  const [draft, setDraft] = useState<[number | null, number | null]>([
    typeof low === 'number' ? low : null,
    typeof high === 'number' ? high : null,
  ]);
  useEffect(() => {
    // A complete pair from outside wins over the draft; a complete draft the value no longer holds
    // (a reset, or this input now showing another row) is dropped. A half-typed draft stays.
    if (typeof low === 'number' && typeof high === 'number') setDraft([low, high]);
    else setDraft((current) => (current[0] !== null && current[1] !== null ? [null, null] : current));
  }, [low, high]);
  const update = (next: [number | null, number | null]) => {
    setDraft(next);
    onChange(next[0] !== null && next[1] !== null ? [next[0], next[1]] : []);
  };
  return (
    <Space size={4} data-testid={testId}>
      <InputNumber<number>
        value={draft[0]}
        onChange={(number) => update([number, draft[1]])}
        placeholder={t('conditions.value.min')}
        aria-label={t('conditions.value.min')}
        status={status}
        style={{ width: 110 }}
      />
      <Typography.Text type="secondary">{t('conditions.value.to')}</Typography.Text>
      <InputNumber<number>
        value={draft[1]}
        onChange={(number) => update([draft[0], number])}
        placeholder={t('conditions.value.max')}
        aria-label={t('conditions.value.max')}
        status={status}
        style={{ width: 110 }}
      />
    </Space>
  );
}
