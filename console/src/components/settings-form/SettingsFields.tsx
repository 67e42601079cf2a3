import { Button, Form, Input, InputNumber, Select, Space, Switch, Tag, Typography } from 'antd';
import type { Rule } from 'antd/es/form';
import { useTranslation } from 'react-i18next';
import type { SettingsFieldSchema, SettingsSchema } from '../../api/types';
import { fieldHelp, fieldLabel, isSecretField } from './settings-values';

export interface SettingsFieldsProps {
  /** The channel type's settings form (JSON Schema, `type: object`). */
  schema: SettingsSchema;
  /** Where the values live in the surrounding antd Form: `['settings']` on 创建连接, `[]` on the channel page. */
  namePrefix?: (string | number)[];
  /** Edit mode: the secret fields that hold a value (shown as 已设置, left blank to keep). */
  secretsSet?: string[];
  /** Edit mode: secret fields the operator marked to be cleared on save. */
  cleared?: string[];
  /** Edit mode: marks or unmarks an optional, set secret to be cleared. */
  onToggleClear?: (field: string) => void;
}

/** The messages of a field's rules, in the console's language. */
interface RuleTexts {
  required: string;
  url: string;
  pattern: string;
  minLength(min: number): string;
  maxLength(max: number): string;
}

function useRuleTexts(): (label: string) => RuleTexts {
  const { t } = useTranslation();
  return (label) => ({
    required: t('connections.settings.required', { label }),
    url: t('connections.settings.url'),
    pattern: t('connections.settings.pattern', { label }),
    minLength: (min) => t('connections.settings.minLength', { label, min }),
    maxLength: (max) => t('connections.settings.maxLength', { label, max }),
  });
}

/** The rules of one field, from its JSON Schema (the server checks them again). */
function rulesOf(field: SettingsFieldSchema, required: boolean, texts: RuleTexts): Rule[] {
  const rules: Rule[] = [];
  const isString = field.type === 'string' || field.type === undefined;
  if (required) rules.push({ required: true, whitespace: isString && !field.enum, message: texts.required });
  if (isString && !field.enum) {
    if (field.format === 'uri') rules.push({ type: 'url', message: texts.url });
    if (field.pattern) {
      try {
        rules.push({ pattern: new RegExp(field.pattern), message: texts.pattern });
      } catch {
        // A pattern JavaScript cannot read: the server checks it.
      }
    }
    if (field.minLength !== undefined) rules.push({ min: field.minLength, message: texts.minLength(field.minLength) });
    if (field.maxLength !== undefined) rules.push({ max: field.maxLength, message: texts.maxLength(field.maxLength) });
  }
  return rules;
}

function enumOptions(values: (string | number)[]) {
  return values.map((value) => ({ value, label: String(value) }));
}

/** What antd's Form.Item gives the control it wraps. */
interface ControlProps {
  value?: unknown;
  checked?: boolean;
  onChange?: (...args: never[]) => void;
  id?: string;
}

/** The input of one non-secret field; passes the Form.Item's value and onChange on to the control. */
function FieldInput({ field, testId, ...control }: { field: SettingsFieldSchema; testId: string } & ControlProps) {
  const { t } = useTranslation();
  // The control's props are typed per control; the Form.Item supplies the matching value.
  const props = { ...control, 'data-testid': testId } as Record<string, unknown>;
  if (field.enum) return <Select options={enumOptions(field.enum)} allowClear {...props} />;
  switch (field.type) {
    case 'boolean':
      return <Switch {...props} />;
    case 'integer':
    case 'number':
      return (
        <InputNumber
          min={field.minimum}
          max={field.maximum}
          precision={field.type === 'integer' ? 0 : undefined}
          style={{ width: 200 }}
          {...props}
        />
      );
    case 'array':
      return field.items?.enum ? (
        <Select mode="multiple" options={enumOptions(field.items.enum)} {...props} />
      ) : (
        <Select mode="tags" open={false} suffixIcon={null} {...props} />
      );
    case 'string':
    case undefined:
      return <Input maxLength={field.maxLength} type={field.format === 'uri' ? 'url' : 'text'} {...props} />;
    default:
      return (
        <Typography.Text type="secondary" data-testid={testId}>
          {t('connections.settings.unsupported')}
        </Typography.Text>
      );
  }
}

/**
 * A channel type's settings form rendered from its JSON Schema (any plugin's, ADR 0039), inside an
 * antd Form: strings (uri, pattern, length), numbers and integers (min/max), booleans, enums,
 * arrays of strings, nested objects; secret fields as password inputs that never show a value —
 * 已设置 when one is stored, blank to keep it.
 */
export function SettingsFields({ schema, namePrefix = [], secretsSet = [], cleared = [], onToggleClear }: SettingsFieldsProps) {
  const { t, i18n } = useTranslation();
  const ruleTexts = useRuleTexts();
  const required = new Set(schema.required ?? []);
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([key, field]) => {
        const label = fieldLabel(key, field, i18n.language);
        const help = fieldHelp(field, i18n.language);
        const name = [...namePrefix, key];
        // The same test id on 创建连接 (under `settings`) and on the channel page.
        const testId = `settings-field-${name.filter((part, index) => index > 0 || part !== 'settings').join('-')}`;
        if (field.type === 'object' && field.properties) {
          return (
            <fieldset key={key} style={{ border: 'none', margin: 0, padding: 0 }} data-testid={testId}>
              <Typography.Text strong>{label}</Typography.Text>
              {help && <Typography.Paragraph type="secondary">{help}</Typography.Paragraph>}
              <div style={{ paddingInlineStart: 16 }}>
                <SettingsFields schema={{ ...field, type: 'object' }} namePrefix={name} />
              </div>
            </fieldset>
          );
        }
        if (isSecretField(field)) {
          const isSet = secretsSet.includes(key);
          const clearing = cleared.includes(key);
          return (
            <Form.Item
              key={key}
              label={
                <Space size={4}>
                  <span>{label}</span>
                  {isSet && !clearing && (
                    <Tag color="green" data-testid={`${testId}-set`}>
                      {t('connections.settings.secretTag')}
                    </Tag>
                  )}
                </Space>
              }
              extra={
                help || clearing ? (
                  <>
                    {help && <div>{help}</div>}
                    {clearing && <div data-testid={`${testId}-clearing`}>{t('connections.settings.secretWillClear')}</div>}
                  </>
                ) : undefined
              }
              required={required.has(key)}
            >
              <Space.Compact style={{ width: '100%' }}>
                <Form.Item
                  name={name}
                  noStyle
                  rules={rulesOf(field, required.has(key) && (!isSet || clearing), ruleTexts(label))}
                >
                  <Input.Password
                    autoComplete="new-password"
                    disabled={clearing}
                    placeholder={isSet && !clearing ? t('connections.settings.secretSet') : undefined}
                    data-testid={testId}
                  />
                </Form.Item>
                {isSet && !required.has(key) && onToggleClear && (
                  <Button onClick={() => onToggleClear(key)} data-testid={`${testId}-clear`}>
                    {clearing ? t('connections.settings.secretClearUndo') : t('connections.settings.secretClear')}
                  </Button>
                )}
              </Space.Compact>
            </Form.Item>
          );
        }
        return (
          <Form.Item
            key={key}
            name={name}
            label={label}
            extra={help}
            rules={rulesOf(field, required.has(key) && field.type !== 'boolean', ruleTexts(label))}
            // The schema's default where the form has no value yet (a new channel; the form's own initial values win).
            initialValue={field.default}
            valuePropName={field.type === 'boolean' ? 'checked' : 'value'}
          >
            <FieldInput field={field} testId={testId} />
          </Form.Item>
        );
      })}
    </>
  );
}
