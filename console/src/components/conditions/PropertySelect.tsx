import { LockOutlined } from '@ant-design/icons';
import type { CatalogueProperty } from '@huiliu/core/conditions';
import { Select, Tooltip, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** A property as a picker lists it. */
export interface PropertyOption {
  value: string;
  label: ReactNode;
  /** What the option shows, as text: the search matches it (a masked option's label is a node). */
  text: string;
  disabled: boolean;
}

/** Search by what the operator sees and by the key (`province`, `attr3`). */
export function matchOption(input: string, option?: { label?: unknown; value?: unknown; text?: unknown }): boolean {
  const needle = input.trim().toLowerCase();
  return `${String(option?.text ?? option?.label ?? '')} ${String(option?.value ?? '')}`.toLowerCase().includes(needle);
}

/** A contact property masked for the caller (ADR 0069): a lock before its name, why on hover. */
function MaskedPropertyLabel({ name }: { name: string }) {
  const { t } = useTranslation();
  return (
    <Tooltip title={t('conditions.property.masked')}>
      <span data-masked="true">
        <LockOutlined style={{ marginInlineEnd: 4, fontSize: 12 }} />
        {name}
      </span>
    </Tooltip>
  );
}

/**
 * A property as an option of any property picker — the condition builders' and the reports' metric
 * and dimension pickers alike. A contact property of a field masked for the caller (the catalogue's
 * `masked`, ADR 0069) is disabled, with a lock and 「该字段已脱敏」 as its tooltip: the server refuses
 * a filter, a dimension or a measure on it.
 */
export function propertyOption(property: CatalogueProperty, value: string, text: string): PropertyOption {
  const masked = property.masked === true;
  return { value, label: masked ? <MaskedPropertyLabel name={text} /> : text, text, disabled: masked };
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
  const optionOf = (property: CatalogueProperty): PropertyOption =>
    propertyOption(
      property,
      property.key,
      property.source === 'dynamicDate' ? t('conditions.property.dynamicName', { name: property.name }) : property.name,
    );
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
        option.value !== undefined && (option.data as PropertyOption).text !== option.value ? (
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
