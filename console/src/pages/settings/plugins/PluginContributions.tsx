import { Empty, Space, Table, type TableColumnsType, type TableProps, Tag, theme, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  PluginChannelType,
  PluginContributions as Contributions,
  PluginEventProperty,
  PluginEventType,
  PluginInfo,
  PluginJourneyNode,
  PluginNamedItem,
  PluginRoute,
  PluginSchedule,
  PluginUserIdType,
  PropertyType,
} from '../../../api/types';
import type { MessageKey } from '../../../i18n';
import { useLocalized } from '../../../utils/localized';

type SectionKey = keyof Contributions;

/** The order sections are shown in (and their titles). */
const sectionKeys: SectionKey[] = [
  'channelTypes',
  'userIdTypes',
  'eventTypes',
  'triggers',
  'actions',
  'reportModels',
  'presetDashboards',
  'routes',
  'schedules',
  'migrations',
  'olapRelations',
  'permissions',
];

/** How many contributions a plugin made, over every section. */
export function contributionCount(contributions: Contributions): number {
  return sectionKeys.reduce((sum, key) => sum + (contributions[key]?.length ?? 0), 0);
}

const propertyTypeKeys: Record<PropertyType, MessageKey> = {
  string: 'plugins.propertyTypes.string',
  number: 'plugins.propertyTypes.number',
  integer: 'plugins.propertyTypes.integer',
  bool: 'plugins.propertyTypes.bool',
  date: 'plugins.propertyTypes.date',
  datetime: 'plugins.propertyTypes.datetime',
  'string[]': 'plugins.propertyTypes.stringArray',
};

const methodColors: Record<string, string> = { GET: 'blue', POST: 'green', PUT: 'orange', PATCH: 'orange', DELETE: 'red' };

function Code({ children }: { children: ReactNode }) {
  return (
    <Typography.Text code style={{ whiteSpace: 'nowrap' }}>
      {children}
    </Typography.Text>
  );
}

/** A compact table inside a section. */
function SectionTable<T extends object>(props: {
  rowKey: keyof T & string;
  columns: TableColumnsType<T>;
  data: T[];
  expandable?: TableProps<T>['expandable'];
}) {
  return (
    <Table<T>
      size="small"
      rowKey={props.rowKey}
      columns={props.columns}
      dataSource={props.data}
      expandable={props.expandable}
      pagination={false}
      scroll={{ x: 'max-content' }}
    />
  );
}

/** Ids shown as code tags (migrations, OLAP relations, permissions). */
function CodeList({ items }: { items: string[] }) {
  return (
    <Space size={[4, 4]} wrap>
      {items.map((item) => (
        <Tag key={item} style={{ fontFamily: 'monospace' }}>
          {item}
        </Tag>
      ))}
    </Space>
  );
}

/**
 * What one plugin contributed, one section per kind with its count; empty sections are hidden.
 * The expanded content of a row on the plugins page.
 */
export function PluginContributions({ plugin }: { plugin: PluginInfo }) {
  const { t } = useTranslation();
  const text = useLocalized();
  const { token } = theme.useToken();
  const contributions = plugin.contributions;

  const nameColumn = <T extends { name: PluginNamedItem['name'] }>(): TableColumnsType<T>[number] => ({
    title: t('plugins.fields.name'),
    key: 'name',
    render: (_, item) => text(item.name),
  });

  const propertyColumns: TableColumnsType<PluginEventProperty> = [
    { title: t('plugins.fields.propertyId'), dataIndex: 'id', render: (id: string) => <Code>{id}</Code> },
    nameColumn<PluginEventProperty>(),
    {
      title: t('plugins.fields.propertyType'),
      dataIndex: 'type',
      render: (type: PropertyType) => (
        <Space size={4}>
          <span>{propertyTypeKeys[type] ? t(propertyTypeKeys[type]) : type}</span>
          <Typography.Text type="secondary">{type}</Typography.Text>
        </Space>
      ),
    },
  ];

  const renderPermission = (permission: string) =>
    permission === 'public' || permission === 'authenticated' ? (
      <Space size={4}>
        <Code>{permission}</Code>
        <Typography.Text type="secondary">{t(`plugins.permission.${permission}`)}</Typography.Text>
      </Space>
    ) : (
      <Code>{permission}</Code>
    );

  const journeyNodeColumns: TableColumnsType<PluginJourneyNode> = [
    { title: t('plugins.fields.key'), dataIndex: 'key', render: (key: string) => <Code>{key}</Code> },
    nameColumn<PluginJourneyNode>(),
  ];
  const namedColumns: TableColumnsType<PluginNamedItem> = [
    { title: t('plugins.fields.id'), dataIndex: 'id', render: (id: string) => <Code>{id}</Code> },
    nameColumn<PluginNamedItem>(),
  ];

  const sections: Record<SectionKey, () => ReactNode> = {
    channelTypes: () => (
      <SectionTable<PluginChannelType>
        rowKey="type"
        data={contributions.channelTypes}
        columns={[
          { title: t('plugins.fields.channelType'), dataIndex: 'type', render: (type: string) => <Code>{type}</Code> },
          nameColumn<PluginChannelType>(),
          {
            title: t('plugins.fields.userIdType'),
            dataIndex: 'userIdTypes',
            render: (ids: string[]) =>
              ids.length === 0 ? <Typography.Text type="secondary">—</Typography.Text> : <CodeList items={ids} />,
          },
        ]}
      />
    ),
    userIdTypes: () => (
      <SectionTable<PluginUserIdType>
        rowKey="id"
        data={contributions.userIdTypes}
        columns={[
          { title: t('plugins.fields.id'), dataIndex: 'id', render: (id: string) => <Code>{id}</Code> },
          nameColumn<PluginUserIdType>(),
          {
            title: t('plugins.fields.scope'),
            dataIndex: 'scope',
            render: (scope: PluginUserIdType['scope']) => t(`plugins.scope.${scope}`),
          },
        ]}
      />
    ),
    eventTypes: () => (
      <SectionTable<PluginEventType>
        rowKey="code"
        data={contributions.eventTypes}
        columns={[
          { title: t('plugins.fields.eventCode'), dataIndex: 'code', render: (code: string) => <Code>{code}</Code> },
          nameColumn<PluginEventType>(),
          { title: t('plugins.fields.channelType'), dataIndex: 'channelType', render: (type: string) => <Code>{type}</Code> },
          {
            title: t('plugins.fields.direction'),
            dataIndex: 'direction',
            render: (direction: PluginEventType['direction']) => (
              <Tag color={direction === 'outbound' ? 'purple' : 'cyan'}>{t(`plugins.direction.${direction}`)}</Tag>
            ),
          },
          {
            title: t('plugins.fields.properties'),
            key: 'properties',
            render: (_, event) => t('plugins.propertyCount', { total: event.properties.length }),
          },
        ]}
        expandable={{
          rowExpandable: (event) => event.properties.length > 0,
          expandedRowRender: (event) => (
            <div data-testid={`plugin-event-properties-${event.code}`}>
              <SectionTable<PluginEventProperty> rowKey="id" data={event.properties} columns={propertyColumns} />
            </div>
          ),
        }}
      />
    ),
    triggers: () => <SectionTable<PluginJourneyNode> rowKey="key" data={contributions.triggers} columns={journeyNodeColumns} />,
    actions: () => <SectionTable<PluginJourneyNode> rowKey="key" data={contributions.actions} columns={journeyNodeColumns} />,
    reportModels: () => <SectionTable<PluginNamedItem> rowKey="id" data={contributions.reportModels} columns={namedColumns} />,
    presetDashboards: () => (
      <SectionTable<PluginNamedItem> rowKey="id" data={contributions.presetDashboards} columns={namedColumns} />
    ),
    routes: () => (
      <SectionTable<PluginRoute & { key: string }>
        rowKey="key"
        data={contributions.routes.map((route) => ({ ...route, key: `${route.method} ${route.path}` }))}
        columns={[
          {
            title: t('plugins.fields.method'),
            dataIndex: 'method',
            render: (method: string) => (
              <Tag color={methodColors[method] ?? 'default'} style={{ fontFamily: 'monospace' }}>
                {method}
              </Tag>
            ),
          },
          { title: t('plugins.fields.path'), dataIndex: 'path', render: (path: string) => <Code>{path}</Code> },
          { title: t('plugins.fields.permission'), dataIndex: 'permission', render: renderPermission },
        ]}
      />
    ),
    schedules: () => (
      <SectionTable<PluginSchedule>
        rowKey="key"
        data={contributions.schedules}
        columns={[
          { title: t('plugins.fields.schedule'), dataIndex: 'key', render: (key: string) => <Code>{key}</Code> },
          { title: t('plugins.fields.cron'), dataIndex: 'cron', render: (cron: string) => <Code>{cron}</Code> },
        ]}
      />
    ),
    migrations: () => <CodeList items={contributions.migrations} />,
    olapRelations: () => <CodeList items={contributions.olapRelations} />,
    permissions: () => <CodeList items={contributions.permissions} />,
  };

  const shown = sectionKeys.filter((key) => (contributions[key]?.length ?? 0) > 0);

  return (
    // width 0 + min-width 100%: the sections take the row's width without widening the plugins
    // table; wide section tables scroll inside it.
    <div data-testid={`plugin-contributions-${plugin.id}`} style={{ width: 0, minWidth: '100%' }}>
      {shown.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('plugins.noContributions')} />
      ) : (
        <div
          style={{ border: `1px solid ${token.colorBorderSecondary}`, borderRadius: token.borderRadiusLG, overflow: 'hidden' }}
        >
          {shown.map((key, index) => (
            <div
              key={key}
              data-testid={`plugin-section-${key}`}
              style={{ display: 'flex', borderTop: index === 0 ? undefined : `1px solid ${token.colorBorderSecondary}` }}
            >
              <div
                style={{
                  flex: '0 0 176px',
                  padding: `${token.paddingXS}px ${token.padding}px`,
                  background: token.colorFillAlter,
                  borderRight: `1px solid ${token.colorBorderSecondary}`,
                }}
              >
                <Space size={6}>
                  <span>{t(`plugins.sections.${key}`)}</span>
                  <Typography.Text type="secondary" data-testid={`plugin-section-count-${key}`}>
                    {contributions[key].length}
                  </Typography.Text>
                </Space>
              </div>
              <div style={{ flex: '1 1 auto', minWidth: 0, padding: `${token.paddingXS}px ${token.padding}px` }}>
                {/* A sibling element: antd indents a table that is the only child inside another table's row. */}
                <span hidden />
                {sections[key]()}
              </div>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
