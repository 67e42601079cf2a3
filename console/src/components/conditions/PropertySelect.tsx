import type { CatalogueProperty } from '@huiliu/core/conditions';
import { Select, Typography } from 'antd';
import { useTranslation } from 'react-i18next';

interface Option {
  value: string;
  label: string;
}

/** Search by what the operator sees and by the key (`province`, `attr3`). */
export function matchOption(input: string, option?: { label?: unknown; value?: unknown }): boolean {
  const needle = input.trim().toLowerCase();
  return `${String(option?.label ?? '')} ${String(option?.value ?? '')}`.toLowerCase().includes(needle);
}

const sources: CatalogueProperty['source'][] = ['system', 'sdk', 'custom', 'dynamicDate'];

/**
 * A searchable property select: properties grouped as 系统属性 / SDK 预置属性 / 自定义属性 / 动态日期
 * (the anniversary of a date, `dynamic:birthday`, named “生日（动态日期）”).
 */
export function PropertySelect({
  properties,
  value,
  onChange,
  ariaLabel,
  testId,
  status,
}: {
  properties: readonly CatalogueProperty[];
  value: string | undefined;
  onChange: (key: string) => void;
  ariaLabel?: string;
  testId: string;
  status?: 'error';
}) {
  const { t } = useTranslation();
  const optionOf = (property: CatalogueProperty): Option => ({
    value: property.key,
    label: property.source === 'dynamicDate' ? t('conditions.property.dynamicName', { name: property.name }) : property.name,
  });
  const present = sources.filter((source) => properties.some((property) => property.source === source));
  const options =
    present.length > 1
      ? present.map((source) => ({
          label: t(`conditions.property.sources.${source}`),
          title: t(`conditions.property.sources.${source}`),
          options: properties.filter((property) => property.source === source).map(optionOf),
        }))
      : properties.map(optionOf);
  return (
    <Select<string>
      showSearch
      filterOption={matchOption}
      value={value || undefined}
      onChange={onChange}
      options={options}
      placeholder={t('conditions.property.placeholder')}
      aria-label={ariaLabel ?? t('conditions.property.label')}
      data-testid={testId}
      status={status}
      // The ID next to the display name (`金额 amount`), as operators name properties by both.
      optionRender={(option) =>
        option.value !== undefined && option.label !== option.value && typeof option.label === 'string' ? (
          <span>
            {option.label}{' '}
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {String(option.value)}
            </Typography.Text>
          </span>
        ) : (
          option.label
        )
      }
      popupMatchSelectWidth={false}
      style={{ minWidth: 160 }}
    />
  );
}
