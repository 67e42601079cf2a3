import { ArrowUpOutlined, DeleteOutlined, PlusOutlined, UploadOutlined } from '@ant-design/icons';
import type { ConditionProblem, ConditionTree } from '@huiliu/core/conditions';
import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  App,
  AutoComplete,
  Button,
  Card,
  Checkbox,
  Drawer,
  Form,
  Input,
  InputNumber,
  List,
  Radio,
  Select,
  Space,
  Typography,
  Upload,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { listChannels } from '../../api/channels';
import { isApiError } from '../../api/client';
import { metadataApi, metadataKeys } from '../../api/metadata';
import {
  MANUAL_ONLY_KINDS,
  MAX_LAYERS,
  metricAggregates,
  sentimentEvents,
  tagKinds,
  tagsApi,
  tagValueTypes,
  type Tag,
  type TagFileRef,
  type TagFolder,
  type TagInput,
  type TagKind,
  type TagRule,
  type TagValueType,
} from '../../api/tags';
import { ConditionBuilder } from '../../components/conditions';
import { errorText as translateError } from '../../i18n';
import { useErrorText } from '../../utils/errors';

const emptyTree: ConditionTree = { type: 'and', conditions: [] };

function defaultRule(kind: TagKind): TagRule {
  switch (kind) {
    case 'layered':
      return { layers: [{ value: '', condition: emptyTree }] };
    case 'preference':
      return { event: undefined, property: undefined, rankBy: 'count', topN: 3, days: 30 };
    case 'metric':
      return { event: undefined, aggregate: 'count', days: 30 };
    case 'firstLast':
      return { event: undefined, position: 'first', property: undefined, days: null };
    case 'sql':
      return { sql: 'SELECT contact_id, count(*) AS value FROM event_view GROUP BY contact_id' };
    case 'file':
      return { keyType: 'contactId', files: [] };
    case 'sentiment':
      return { events: [...sentimentEvents] };
  }
}

/** The layers of a layered tag: each a value and a condition; order = priority (first match wins). */
function LayersEditor({
  layers,
  onChange,
  problems,
}: {
  layers: NonNullable<TagRule['layers']>;
  onChange: (layers: NonNullable<TagRule['layers']>) => void;
  problems: ConditionProblem[];
}) {
  const { t } = useTranslation();
  const catalogue = useQuery({ queryKey: metadataKeys.catalogue, queryFn: metadataApi.catalogue });
  const set = (index: number, patch: Partial<(typeof layers)[number]>) =>
    onChange(layers.map((layer, i) => (i === index ? { ...layer, ...patch } : layer)));
  const prefixOf = (index: number) => `rule.layers.${index}.condition`;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text strong>{t('tags.form.layers', { max: MAX_LAYERS })}</Typography.Text>
      {layers.map((layer, index) => (
        <Card
          key={index}
          size="small"
          data-testid={`tag-layer-${index}`}
          title={
            <Input
              value={layer.value}
              placeholder={t('tags.form.layerValue')}
              onChange={(event) => set(index, { value: event.target.value })}
              data-testid={`tag-layer-${index}-value`}
              style={{ maxWidth: 280 }}
            />
          }
          extra={
            <Space>
              <Button
                size="small"
                icon={<ArrowUpOutlined />}
                aria-label={t('tags.form.moveUp')}
                disabled={index === 0}
                onClick={() => {
                  const next = [...layers];
                  [next[index - 1], next[index]] = [next[index]!, next[index - 1]!];
                  onChange(next);
                }}
              />
              <Button
                size="small"
                danger
                icon={<DeleteOutlined />}
                aria-label={t('tags.form.removeLayer')}
                disabled={layers.length === 1}
                onClick={() => onChange(layers.filter((_, i) => i !== index))}
              />
            </Space>
          }
        >
          {catalogue.data && (
            <ConditionBuilder
              value={layer.condition}
              onChange={(condition) => set(index, { condition })}
              catalogue={catalogue.data}
              problems={problems
                .filter((problem) => problem.path === prefixOf(index) || problem.path.startsWith(`${prefixOf(index)}.`))
                .map((problem) => ({ ...problem, path: problem.path.slice(prefixOf(index).length + 1) }))}
            />
          )}
        </Card>
      ))}
      <Button
        icon={<PlusOutlined />}
        disabled={layers.length >= MAX_LAYERS}
        onClick={() => onChange([...layers, { value: '', condition: emptyTree }])}
        data-testid="tag-layer-add"
      >
        {t('tags.form.addLayer')}
      </Button>
    </Space>
  );
}

/** Event + property pickers from the condition catalogue (the tenant's events and their properties). */
function useEvents() {
  const catalogue = useQuery({ queryKey: metadataKeys.catalogue, queryFn: metadataApi.catalogue });
  return (catalogue.data?.events ?? []).filter((event) => !event.virtual);
}

function EventRuleFields({ kind, rule, onChange }: { kind: TagKind; rule: TagRule; onChange: (rule: TagRule) => void }) {
  const { t } = useTranslation();
  const events = useEvents();
  const event = events.find((candidate) => candidate.code === rule.event);
  const properties = (event?.properties ?? []).filter((property) => !property.lookup);
  const numeric = properties.filter((property) => property.type === 'number');
  const propertyOptions = (list: typeof properties) =>
    list.map((property) => ({ value: property.key, label: `${property.name} (${property.key})` }));
  return (
    <>
      <Form.Item label={t('tags.form.event')} required>
        <Select
          showSearch
          optionFilterProp="label"
          value={rule.event}
          onChange={(value: string) => onChange({ ...rule, event: value, property: undefined, rankProperty: undefined })}
          options={events.map((candidate) => ({ value: candidate.code, label: `${candidate.name} (${candidate.code})` }))}
          data-testid="tag-rule-event"
        />
      </Form.Item>
      {kind === 'metric' && (
        <Form.Item label={t('tags.form.aggregate')} required>
          <Select
            value={rule.aggregate}
            onChange={(aggregate) => onChange({ ...rule, aggregate })}
            options={metricAggregates.map((aggregate) => ({ value: aggregate, label: t(`tags.form.aggregates.${aggregate}`) }))}
            data-testid="tag-rule-aggregate"
          />
        </Form.Item>
      )}
      {kind === 'firstLast' && (
        <Form.Item label={t('tags.form.position')} required>
          <Radio.Group
            value={rule.position}
            onChange={(change) => onChange({ ...rule, position: change.target.value as 'first' | 'last' })}
            options={[
              { value: 'first', label: t('tags.form.first') },
              { value: 'last', label: t('tags.form.last') },
            ]}
          />
        </Form.Item>
      )}
      {(kind !== 'metric' || rule.aggregate !== 'count') && (
        <Form.Item label={t('tags.form.property')} required>
          <Select
            showSearch
            optionFilterProp="label"
            value={rule.property}
            onChange={(property: string) => onChange({ ...rule, property })}
            options={propertyOptions(kind === 'metric' && rule.aggregate !== 'distinctCount' ? numeric : properties)}
            data-testid="tag-rule-property"
          />
        </Form.Item>
      )}
      {kind === 'preference' && (
        <>
          <Form.Item label={t('tags.form.rankBy')}>
            <Radio.Group
              value={rule.rankBy ?? 'count'}
              onChange={(change) => onChange({ ...rule, rankBy: change.target.value as 'count' | 'sum' })}
              options={[
                { value: 'count', label: t('tags.form.rankByCount') },
                { value: 'sum', label: t('tags.form.rankBySum') },
              ]}
            />
          </Form.Item>
          {rule.rankBy === 'sum' && (
            <Form.Item label={t('tags.form.rankProperty')} required>
              <Select
                value={rule.rankProperty}
                onChange={(rankProperty: string) => onChange({ ...rule, rankProperty })}
                options={propertyOptions(numeric)}
              />
            </Form.Item>
          )}
          <Form.Item label={t('tags.form.topN')} required>
            <InputNumber min={1} max={10} value={rule.topN} onChange={(topN) => onChange({ ...rule, topN: topN ?? 1 })} />
          </Form.Item>
        </>
      )}
      <Form.Item label={t('tags.form.days')} help={t('tags.form.daysHelp')}>
        <InputNumber
          min={1}
          max={3650}
          value={rule.days ?? null}
          onChange={(days) => onChange({ ...rule, days: days ?? null })}
          data-testid="tag-rule-days"
        />
      </Form.Item>
    </>
  );
}

/** 外部文件: the user-ID type (fixed once saved) and the uploaded files, each read on upload. */
function FileRuleFields({
  rule,
  valueType,
  fixed,
  onChange,
}: {
  rule: TagRule;
  valueType: TagValueType;
  fixed: boolean;
  onChange: (rule: TagRule) => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const channels = useQuery({ queryKey: ['channels', 'all'], queryFn: () => listChannels({ page: 1, pageSize: 100 }) });
  const [problems, setProblems] = useState<string[]>([]);
  const files = rule.files ?? [];
  return (
    <>
      <Form.Item label={t('tags.form.keyType')} required>
        <Radio.Group
          disabled={fixed}
          value={rule.keyType}
          onChange={(change) =>
            onChange({
              ...rule,
              keyType: change.target.value as 'contactId' | 'account',
              channelId: undefined,
              idType: undefined,
            })
          }
          options={[
            { value: 'contactId', label: t('tags.form.keyContactId') },
            { value: 'account', label: t('tags.form.keyAccount') },
          ]}
        />
      </Form.Item>
      {rule.keyType === 'account' && (
        <Space>
          <Form.Item label={t('tags.form.channel')} required>
            <Select
              disabled={fixed}
              style={{ minWidth: 200 }}
              value={rule.channelId}
              onChange={(channelId: string) => onChange({ ...rule, channelId })}
              options={(channels.data?.items ?? []).map((channel) => ({ value: channel.id, label: channel.name }))}
            />
          </Form.Item>
          <Form.Item label={t('tags.form.idType')} required>
            <AutoComplete
              disabled={fixed}
              style={{ minWidth: 180 }}
              value={rule.idType}
              onChange={(idType: string) => onChange({ ...rule, idType })}
              options={['externalId', 'wechat.openId', 'wechat.unionId'].map((value) => ({ value }))}
            />
          </Form.Item>
        </Space>
      )}
      <Form.Item
        label={t('tags.form.files')}
        required
        extra={valueType === 'string[]' ? t('tags.form.fileArrayHint') : undefined}
      >
        <Upload
          accept=".csv,.xlsx"
          showUploadList={false}
          customRequest={({ file }) => {
            void (async () => {
              try {
                const uploaded = await tagsApi.uploadFile(valueType, file as File);
                const ref: TagFileRef = {
                  fileId: uploaded.fileId,
                  name: uploaded.name,
                  rows: uploaded.rows,
                  invalidRows: uploaded.invalidRows,
                };
                onChange({ ...rule, files: [...files, ref] });
                setProblems(
                  uploaded.problems
                    .slice(0, 20)
                    .map((problem) =>
                      t('tags.form.fileProblem', { line: problem.line, reason: translateError(problem.code) ?? problem.code }),
                    ),
                );
              } catch (error) {
                message.error(errorText(error));
              }
            })();
          }}
        >
          <Button icon={<UploadOutlined />} data-testid="tag-file-upload">
            {t('tags.form.upload')}
          </Button>
        </Upload>
        <List
          size="small"
          dataSource={files}
          renderItem={(file) => (
            <List.Item
              actions={[
                <Button
                  key="remove"
                  size="small"
                  type="link"
                  danger
                  onClick={() => onChange({ ...rule, files: files.filter((f) => f.fileId !== file.fileId) })}
                >
                  {t('tags.actions.delete')}
                </Button>,
              ]}
              data-testid="tag-file"
            >
              {file.name} · {t('tags.form.fileRows', { rows: file.rows, invalid: file.invalidRows })}
            </List.Item>
          )}
        />
        {problems.length > 0 && <Alert type="warning" showIcon message={problems.join('；')} data-testid="tag-file-problems" />}
      </Form.Item>
    </>
  );
}

/** 新建 / 编辑用户标签: the kind's rule editor; saving never computes (seed §1.6.2.5). */
export function TagEditorDrawer({
  tag,
  folders,
  defaultFolderId,
  onClose,
  onSaved,
}: {
  tag: Tag | null;
  folders: TagFolder[];
  defaultFolderId: string | null;
  onClose: () => void;
  onSaved: (tag: Tag) => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [code, setCode] = useState(tag?.code ?? 'tag_');
  const [name, setName] = useState(tag?.name ?? '');
  const [folderId, setFolderId] = useState<string | null>(tag ? tag.folderId : defaultFolderId);
  const [kind, setKind] = useState<TagKind>(tag?.kind ?? 'layered');
  const [valueType, setValueType] = useState<TagValueType>(tag?.valueType ?? 'string');
  const [updateMode, setUpdateMode] = useState(tag?.updateMode ?? 'manual');
  const [rule, setRule] = useState<TagRule>(tag?.rule ?? defaultRule('layered'));
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const manualOnly = MANUAL_ONLY_KINDS.includes(kind);
  const choosesType = kind === 'sql' || kind === 'file';

  const problems: ConditionProblem[] = isApiError(error)
    ? error.details.map((detail) => ({
        path: Array.isArray(detail.path) ? detail.path.join('.') : detail.path,
        code: detail.code as ConditionProblem['code'],
        message: detail.message,
      }))
    : [];

  const save = async () => {
    setSaving(true);
    setError(null);
    const input: TagInput = {
      code,
      name,
      folderId,
      kind,
      ...(choosesType ? { valueType } : {}),
      updateMode: manualOnly ? 'manual' : updateMode,
      rule,
    };
    try {
      const saved = tag ? await tagsApi.update(tag.id, input) : await tagsApi.create(input);
      message.success(t('tags.form.saved'));
      onSaved(saved);
    } catch (failure) {
      setError(failure);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Drawer
      open
      width={880}
      title={tag ? t('tags.form.editTitle') : t('tags.form.createTitle')}
      onClose={onClose}
      destroyOnClose
      extra={
        <Button type="primary" loading={saving} onClick={() => void save()} data-testid="tag-save">
          {t('tags.form.save')}
        </Button>
      }
      data-testid="tag-editor"
    >
      <Form layout="vertical">
        {error !== null && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 16 }}
            message={errorText(error)}
            description={problems.length > 1 ? problems.map((p) => p.message ?? p.code).join('；') : undefined}
            data-testid="tag-editor-error"
          />
        )}
        <Form.Item label={t('tags.form.name')} required>
          <Input value={name} maxLength={64} onChange={(event) => setName(event.target.value)} data-testid="tag-name" />
        </Form.Item>
        <Form.Item label={t('tags.form.code')} required help={t('tags.form.codeHelp')}>
          <Input
            value={code}
            disabled={tag !== null}
            maxLength={64}
            onChange={(event) => setCode(event.target.value)}
            data-testid="tag-code"
          />
        </Form.Item>
        <Form.Item label={t('tags.form.folder')}>
          <Select
            allowClear
            value={folderId ?? undefined}
            onChange={(value?: string) => setFolderId(value ?? null)}
            options={folders.map((folder) => ({ value: folder.id, label: folder.name }))}
          />
        </Form.Item>
        <Form.Item label={t('tags.form.kind')} required>
          <Select
            disabled={tag !== null}
            value={kind}
            onChange={(next: TagKind) => {
              setKind(next);
              setRule(defaultRule(next));
              if (next === 'file' || next === 'sql') setValueType(next === 'file' ? 'string' : 'number');
            }}
            options={tagKinds.map((value) => ({ value, label: t(`tags.kinds.${value}`) }))}
            data-testid="tag-kind"
          />
        </Form.Item>
        <Form.Item label={t('tags.form.updateMode')} help={manualOnly ? t('tags.form.manualOnly') : undefined}>
          <Radio.Group
            disabled={manualOnly}
            value={manualOnly ? 'manual' : updateMode}
            onChange={(change) => setUpdateMode(change.target.value as 'manual' | 'daily')}
            options={[
              { value: 'manual', label: t('tags.updateModes.manual') },
              { value: 'daily', label: t('tags.updateModes.daily') },
            ]}
          />
        </Form.Item>
        {choosesType && (
          <Form.Item label={t('tags.form.valueType')} required>
            <Select
              disabled={tag !== null && kind === 'file'}
              value={valueType}
              onChange={(value: TagValueType) => setValueType(value)}
              options={tagValueTypes.map((value) => ({ value, label: t(`tags.valueTypes.${value}`) }))}
              data-testid="tag-value-type"
            />
          </Form.Item>
        )}
        {kind === 'layered' && (
          <LayersEditor layers={rule.layers ?? []} onChange={(layers) => setRule({ ...rule, layers })} problems={problems} />
        )}
        {(kind === 'preference' || kind === 'metric' || kind === 'firstLast') && (
          <EventRuleFields kind={kind} rule={rule} onChange={setRule} />
        )}
        {kind === 'sql' && (
          <Form.Item label={t('tags.form.sql')} required help={t('tags.form.sqlHelp')}>
            <Input.TextArea
              rows={8}
              value={rule.sql}
              onChange={(event) => setRule({ sql: event.target.value })}
              style={{ fontFamily: 'monospace' }}
              data-testid="tag-sql"
            />
          </Form.Item>
        )}
        {kind === 'file' && <FileRuleFields rule={rule} valueType={valueType} fixed={tag !== null} onChange={setRule} />}
        {kind === 'sentiment' && (
          <Form.Item label={t('tags.form.sentimentEvents')} required>
            <Checkbox.Group
              value={rule.events}
              onChange={(events) => setRule({ events: events as string[] })}
              options={sentimentEvents.map((event) => ({ value: event, label: t(`tags.form.sentimentEventNames.${event}`) }))}
            />
          </Form.Item>
        )}
      </Form>
    </Drawer>
  );
}
