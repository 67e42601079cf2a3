import { PlusOutlined } from '@ant-design/icons';
import type { ConditionProblem, ConditionTree, EventPropertyFilter } from '@huiliu/core/conditions';
import { DrawerForm, type ProFormInstance, ProFormText, ProFormTextArea } from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { App, Button, Card, Flex, Form, Radio, Select, Tooltip, Typography, theme } from 'antd';
import { useContext, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api/client';
import {
  METADATA_DESCRIPTION_MAX,
  METADATA_NAME_MAX,
  metadataApi,
  metadataKeys,
  useEventTypes,
  VIRTUAL_EVENT_MEMBERS_MAX,
  type VirtualEvent,
  type VirtualEventInput,
} from '../../api/metadata';
import { BuilderContext, FilterRow, findEvent, newFilter, placeProblems } from '../../components/conditions';
import { matchOption } from '../../components/conditions/PropertySelect';
import { useLocalized } from '../../utils/localized';
import { testId } from '../../utils/test-id';
import { RemoveRowButton, useDrawerFormProps } from './scaffold';
import { useReportFormError } from './shared';

interface MemberRow {
  event: string | undefined;
  filters: EventPropertyFilter[];
  filterOp: 'and' | 'or';
}

interface VirtualEventValues {
  name: string;
  description?: string;
  members: MemberRow[];
}

const emptyMember = (): MemberRow => ({ event: undefined, filters: [], filterOp: 'and' });

/** The member filters as an event leaf's (the server validates them so); `members.<i>` ↔ `conditions.<i>`. */
function pseudoTree(members: MemberRow[]): ConditionTree {
  return {
    type: 'and',
    conditions: members.map((member) => ({
      type: 'event' as const,
      did: true,
      event: member.event ?? '',
      time: { kind: 'today' as const },
      filters: member.filters ?? [],
    })),
  };
}

/** A member's property filters: the condition builder's filter rows, with its catalogue and problems. */
function MemberFilters({
  value = [],
  onChange,
  eventCode,
  index,
}: {
  value?: EventPropertyFilter[];
  onChange?: (filters: EventPropertyFilter[]) => void;
  eventCode: string | undefined;
  index: number;
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const builder = useContext(BuilderContext);
  const form = Form.useFormInstance();
  // Each change starts from the form's current filters (not this render's), so two changes in one
  // tick (a select's change and a blur) cannot undo each other.
  const latest = () => (form.getFieldValue(['members', index, 'filters']) as EventPropertyFilter[] | undefined) ?? value;
  // Without the catalogue the rows cannot be edited (they need its properties): say so.
  if (!builder) {
    return value.length > 0 ? (
      <Typography.Text type="secondary">{t('metadata.virtualEvents.filterCount', { count: value.length })}</Typography.Text>
    ) : null;
  }
  const event = eventCode ? findEvent(builder.catalogue, eventCode) : undefined;
  const first = event && newFilter(event);
  const hint = eventCode && !first ? t('metadata.virtualEvents.form.members.noProperties') : undefined;
  return (
    <Flex vertical gap={token.marginXS}>
      {value.map((filter, at) => (
        <FilterRow
          key={at}
          event={event}
          filter={filter}
          onChange={(next) => onChange?.(latest().map((current, i) => (i === at ? next : current)))}
          onRemove={() => onChange?.(latest().filter((_, i) => i !== at))}
          problems={builder.problems.atFilter([index], at)}
          testId={`virtual-member-${index}-filter-${at}`}
        />
      ))}
      <div>
        <Tooltip title={hint}>
          <Button
            type="link"
            size="small"
            icon={<PlusOutlined />}
            disabled={!first}
            onClick={() => first && onChange?.([...latest(), first])}
            data-testid={`virtual-member-${index}-add-filter`}
          >
            {t('metadata.virtualEvents.form.members.addFilter')}
          </Button>
        </Tooltip>
      </div>
    </Flex>
  );
}

/** 新建 / 编辑 a virtual event (§1.10.10.2): name, description, member events with optional filters. */
export function VirtualEventDrawer({
  virtualEvent,
  onClose,
  onSaved,
}: {
  virtualEvent: VirtualEvent | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const text = useLocalized();
  const { message } = App.useApp();
  const [form] = Form.useForm<VirtualEventValues>();
  const formRef = useRef<ProFormInstance<VirtualEventValues>>(undefined);
  const reportError = useReportFormError();
  const formProps = useDrawerFormProps({
    editing: virtualEvent !== null,
    onClose,
    drawerTestId: 'virtual-event-drawer',
    submitTestId: 'virtual-event-submit',
  });
  const events = useEventTypes();
  const catalogue = useQuery({ queryKey: metadataKeys.catalogue, queryFn: metadataApi.catalogue });
  const [problems, setProblems] = useState<ConditionProblem[]>([]);
  const members = (Form.useWatch('members', form) ?? []) as MemberRow[];

  const eventOptions = (['custom', 'system'] as const)
    .map((source) => ({
      label: t(`metadata.virtualEvents.form.groups.${source}`),
      title: t(`metadata.virtualEvents.form.groups.${source}`),
      options: (events.data ?? [])
        .filter((event) => event.source === source)
        .map((event) => ({
          value: event.code,
          label: `${event.source === 'custom' ? event.name : text(event.names)}（${event.code}）`,
        })),
    }))
    .filter((group) => group.options.length > 0);

  const context = useMemo(
    () =>
      catalogue.data
        ? { catalogue: catalogue.data, problems: placeProblems(pseudoTree(members), problems), disabled: false }
        : undefined,
    [catalogue.data, members, problems],
  );

  const initialValues: Partial<VirtualEventValues> = virtualEvent
    ? {
        name: virtualEvent.name,
        description: virtualEvent.description ?? undefined,
        members: virtualEvent.members.map((member) => ({
          event: member.event,
          filters: member.filters ?? [],
          filterOp: member.filterOp ?? 'and',
        })),
      }
    : { members: [emptyMember()] };

  return (
    <DrawerForm<VirtualEventValues>
      {...formProps}
      form={form}
      formRef={formRef}
      title={virtualEvent ? t('metadata.virtualEvents.edit.title') : t('metadata.virtualEvents.create.title')}
      width={820}
      initialValues={initialValues}
      onValuesChange={() => problems.length > 0 && setProblems([])}
      onFinish={async (values) => {
        const body: VirtualEventInput = {
          name: values.name.trim(),
          description: values.description?.trim() || null,
          members: (values.members ?? []).map((member) => {
            const filters = member.filters ?? [];
            return {
              event: member.event ?? '',
              ...(filters.length > 0 ? { filters } : {}),
              ...(filters.length > 1 ? { filterOp: member.filterOp ?? 'and' } : {}),
            };
          }),
        };
        try {
          if (virtualEvent) await metadataApi.updateVirtualEvent(virtualEvent.id, body);
          else await metadataApi.createVirtualEvent(body);
          message.success(virtualEvent ? t('metadata.virtualEvents.edit.success') : t('metadata.virtualEvents.create.success'));
          onSaved();
          return true;
        } catch (error) {
          if (isApiError(error)) {
            setProblems(
              error.details
                .map((detail) => ({ ...detail, path: Array.isArray(detail.path) ? detail.path.join('.') : detail.path }))
                .filter((detail) => /^members\.\d+\.filters/.test(detail.path))
                .map((detail) => ({
                  path: detail.path.replace(/^members\./, 'conditions.'),
                  code: detail.code as ConditionProblem['code'],
                  message: detail.message ?? '',
                })),
            );
          }
          const shown = reportError(formRef.current, error, {
            mapPath: (path) => (path[2] === 'filters' ? [] : path),
          });
          // Filter problems show on their rows: say so once as well.
          if (shown && isApiError(error, 'metadata_virtual_event_invalid')) message.error(error.message);
          return false;
        }
      }}
    >
      <ProFormText
        name="name"
        label={t('metadata.virtualEvents.form.name.label')}
        placeholder={t('metadata.virtualEvents.form.name.placeholder')}
        fieldProps={{ maxLength: METADATA_NAME_MAX, showCount: true, ...testId('virtual-event-name') }}
        rules={[{ required: true, whitespace: true, message: t('metadata.virtualEvents.form.name.required') }]}
      />
      <ProFormTextArea
        name="description"
        label={t('metadata.virtualEvents.form.description.label')}
        fieldProps={{ maxLength: METADATA_DESCRIPTION_MAX, showCount: true, rows: 2, ...testId('virtual-event-description') }}
      />
      <Form.Item label={t('metadata.virtualEvents.form.members.label')} required>
        <BuilderContext.Provider value={context}>
          <Form.List
            name="members"
            rules={[
              {
                validator: async (_, value: MemberRow[] | undefined) => {
                  if (!value || value.length === 0) throw new Error(t('metadata.virtualEvents.form.members.min'));
                },
              },
            ]}
          >
            {(rows, { add, remove }, { errors }) => (
              <Flex vertical gap={token.marginSM} data-testid="virtual-members">
                {rows.map((row) => {
                  const member = members[row.name];
                  return (
                    <Card
                      key={row.key}
                      size="small"
                      data-testid={`virtual-member-${row.name}`}
                      extra={
                        <RemoveRowButton
                          disabled={rows.length === 1}
                          onClick={() => remove(row.name)}
                          testId={`virtual-member-${row.name}-remove`}
                        />
                      }
                      title={
                        <Form.Item
                          name={[row.name, 'event']}
                          rules={[{ required: true, message: t('metadata.virtualEvents.form.members.required') }]}
                          style={{ marginBottom: 0, paddingBlock: token.paddingXS }}
                        >
                          <Select<string>
                            showSearch
                            filterOption={matchOption}
                            loading={events.isPending}
                            options={eventOptions}
                            placeholder={t('metadata.virtualEvents.form.members.placeholder')}
                            aria-label={t('metadata.virtualEvents.form.members.event')}
                            data-testid={`virtual-member-${row.name}-event`}
                            popupMatchSelectWidth={false}
                            style={{ minWidth: 280 }}
                          />
                        </Form.Item>
                      }
                    >
                      <Flex gap={token.marginXS} align="flex-start">
                        {(member?.filters?.length ?? 0) > 1 && (
                          <Form.Item name={[row.name, 'filterOp']} noStyle>
                            <Radio.Group
                              size="small"
                              optionType="button"
                              options={[
                                { value: 'and', label: t('conditions.relation.and') },
                                { value: 'or', label: t('conditions.relation.or') },
                              ]}
                              aria-label={t('conditions.event.filters.relation')}
                              data-testid={`virtual-member-${row.name}-filter-op`}
                            />
                          </Form.Item>
                        )}
                        <Form.Item name={[row.name, 'filters']} noStyle>
                          <MemberFilters eventCode={member?.event} index={row.name} />
                        </Form.Item>
                      </Flex>
                    </Card>
                  );
                })}
                <Form.ErrorList errors={errors} />
                <div>
                  <Tooltip
                    title={
                      rows.length >= VIRTUAL_EVENT_MEMBERS_MAX
                        ? t('metadata.virtualEvents.form.members.max', { max: VIRTUAL_EVENT_MEMBERS_MAX })
                        : undefined
                    }
                  >
                    <Button
                      type="dashed"
                      icon={<PlusOutlined />}
                      disabled={rows.length >= VIRTUAL_EVENT_MEMBERS_MAX}
                      onClick={() => add(emptyMember())}
                      data-testid="virtual-member-add"
                    >
                      {t('metadata.virtualEvents.form.members.add')}
                    </Button>
                  </Tooltip>
                </div>
                {catalogue.error && (
                  <Typography.Text type="warning">{t('metadata.virtualEvents.form.members.catalogueFailed')}</Typography.Text>
                )}
              </Flex>
            )}
          </Form.List>
        </BuilderContext.Provider>
      </Form.Item>
    </DrawerForm>
  );
}
