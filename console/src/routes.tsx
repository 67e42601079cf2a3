import {
  ApartmentOutlined,
  ApiOutlined,
  AreaChartOutlined,
  ClusterOutlined,
  DashboardOutlined,
  DatabaseOutlined,
  HomeOutlined,
  SettingOutlined,
  TagsOutlined,
  TeamOutlined,
} from '@ant-design/icons';
import { lazy, type ReactNode } from 'react';
import { matchPath } from 'react-router-dom';
import type { MessageKey, PluginMessageKey } from './i18n';
import { pluginPageRoutes } from './plugins/registry';

const HomePage = lazy(() => import('./pages/home/HomePage'));
const ConnectionsPage = lazy(() => import('./pages/connections/ConnectionsPage'));
const ChannelDetailPage = lazy(() => import('./pages/connections/ChannelDetailPage'));
const AppsPage = lazy(() => import('./pages/settings/apps/AppsPage'));
const PluginsPage = lazy(() => import('./pages/settings/plugins/PluginsPage'));
const NotificationsPage = lazy(() => import('./pages/settings/notifications/NotificationsPage'));
const ContactFieldsPage = lazy(() => import('./pages/metadata/ContactFieldsPage'));
const EventPropertiesPage = lazy(() => import('./pages/metadata/EventPropertiesPage'));
const EventsPage = lazy(() => import('./pages/metadata/EventsPage'));
const VirtualEventsPage = lazy(() => import('./pages/metadata/VirtualEventsPage'));
const DictionariesPage = lazy(() => import('./pages/metadata/DictionariesPage'));
const DimensionTablesPage = lazy(() => import('./pages/metadata/DimensionTablesPage'));
const DataQualityPage = lazy(() => import('./pages/metadata/DataQualityPage'));
const ContactsPage = lazy(() => import('./pages/contacts/ContactsPage'));
const MergesPage = lazy(() => import('./pages/contacts/MergesPage'));
const ContactDetailPage = lazy(() => import('./pages/contacts/detail/ContactDetailPage'));
const GroupsPage = lazy(() => import('./pages/groups/GroupsPage'));
const GroupDetailPage = lazy(() => import('./pages/groups/GroupDetailPage'));
const ExclusiveGroupsPage = lazy(() => import('./pages/exclusive-groups/ExclusiveGroupsPage'));
const StaffPage = lazy(() => import('./pages/settings/advanced/StaffPage'));
const RolesPage = lazy(() => import('./pages/settings/advanced/RolesPage'));
const FieldMaskingPage = lazy(() => import('./pages/settings/advanced/FieldMaskingPage'));
const DepartmentsPage = lazy(() => import('./pages/settings/advanced/DepartmentsPage'));
const OperationLogPage = lazy(() => import('./pages/settings/advanced/OperationLogPage'));
const UsagePage = lazy(() => import('./pages/settings/usage/UsagePage'));
const TagsPage = lazy(() => import('./pages/tags/TagsPage'));
const DashboardsPage = lazy(() => import('./pages/dashboards/DashboardsPage'));
const EventAnalysisPage = lazy(() => import('./pages/reports/event/EventAnalysisPage'));
const RetentionAnalysisPage = lazy(() => import('./pages/reports/retention/RetentionAnalysisPage'));
const UserAnalysisPage = lazy(() => import('./pages/reports/user/UserAnalysisPage'));
const DistributionAnalysisPage = lazy(() => import('./pages/reports/distribution/DistributionAnalysisPage'));
const ProfilePage = lazy(() => import('./pages/reports/profile/ProfilePage'));
const LtvAnalysisPage = lazy(() => import('./pages/reports/ltv/LtvAnalysisPage'));
const AttributionAnalysisPage = lazy(() => import('./pages/reports/attribution/AttributionAnalysisPage'));
const CustomQueryPage = lazy(() => import('./pages/reports/custom-query/CustomQueryPage'));
const FunnelAnalysisPage = lazy(() => import('./pages/reports/funnel/FunnelAnalysisPage'));
const PathAnalysisPage = lazy(() => import('./pages/reports/path/PathAnalysisPage'));
const ReportsPage = lazy(() => import('./pages/reports/ReportsPage'));

/**
 * The console's pages and menu, in one place. A module adds its entry here: a node with an
 * `element` is a page (and a menu item), a node with `children` only is a menu folder (hidden
 * when none of its children is visible). `permission` hides the entry and guards the page.
 * `hideInMenu` pages (details, plugin pages) are routed but not in the menu; the menu entry whose
 * path prefixes theirs stays selected.
 */
export interface AppRoute {
  path: string;
  /** A console message key; plugin pages use their own (`plugin.<id>.…`). */
  name: MessageKey | PluginMessageKey;
  icon?: ReactNode;
  permission?: string;
  element?: ReactNode;
  children?: AppRoute[];
  hideInMenu?: boolean;
  /** The plugin whose page it is: hidden and refused while the platform operator has it disabled for the tenant (ADR 0041). */
  pluginId?: string;
}

export const appRoutes: AppRoute[] = [
  { path: '/', name: 'menu.home', icon: <HomeOutlined />, element: <HomePage /> },
  // CONSOLE.md's order: 首页, 仪表盘, 用户, … 微信营销, 连接管理, 元数据管理, 设置 (only existing modules are shown).
  // 仪表盘 (§1.3): all dashboards in their folders; /dashboards/:id opens one beside the tree.
  {
    path: '/dashboards',
    name: 'menu.dashboards',
    icon: <DashboardOutlined />,
    permission: 'dashboards.view',
    element: <DashboardsPage />,
  },
  {
    path: '/dashboards/:dashboardId',
    name: 'dashboards.detail',
    permission: 'dashboards.view',
    element: <DashboardsPage />,
    hideInMenu: true,
  },
  // 用户 (§1.4): 合并管理 — candidates and settings changes need contacts.merge (hidden per tab and action).
  {
    path: '/contacts',
    name: 'menu.contacts',
    icon: <TeamOutlined />,
    children: [
      { path: '/contacts/all', name: 'menu.allContacts', permission: 'contacts.view', element: <ContactsPage /> },
      { path: '/contacts/merges', name: 'menu.merges', permission: 'contacts.view', element: <MergesPage /> },
      // 用户详情 (§1.4.10): opened from the list (the static /contacts/all and /contacts/merges rank before it).
      {
        path: '/contacts/:contactId',
        name: 'contacts.detail.title',
        permission: 'contacts.view',
        element: <ContactDetailPage />,
        hideInMenu: true,
      },
    ],
  },
  // 用户群组 (§1.5): the list with its folders; /groups/new?condition=<json> opens 新建动态组 prefilled.
  { path: '/groups', name: 'menu.groups', icon: <ClusterOutlined />, permission: 'groups.view', element: <GroupsPage /> },
  {
    path: '/groups/new',
    name: 'groups.dynamic.createTitle',
    permission: 'groups.edit',
    element: <GroupsPage />,
    hideInMenu: true,
  },
  { path: '/groups/:groupId', name: 'groups.detail', permission: 'groups.view', element: <GroupDetailPage />, hideInMenu: true },
  // 互斥组 (SPEC §4) and the group picker with 临时群组 (§1.7.10), ADR 0049.
  {
    path: '/exclusive-groups',
    name: 'menu.exclusiveGroups',
    icon: <ApartmentOutlined />,
    permission: 'groups.view',
    element: <ExclusiveGroupsPage />,
  },
  // 用户标签 (§1.6): tags, folders (标签体系) and reports on one page; changes per permission.
  { path: '/tags', name: 'menu.tags', icon: <TagsOutlined />, permission: 'tags.view', element: <TagsPage /> },
  // 报表分析 (§1.7): one entry per report model; /analytics/event/:reportId opens a saved report.
  {
    path: '/analytics',
    name: 'menu.analytics',
    icon: <AreaChartOutlined />,
    children: [
      { path: '/analytics/event', name: 'menu.eventAnalysis', permission: 'reports.view', element: <EventAnalysisPage /> },
      {
        path: '/analytics/event/:reportId',
        name: 'reports.event.title',
        permission: 'reports.view',
        element: <EventAnalysisPage />,
        hideInMenu: true,
      },
      { path: '/analytics/funnel', name: 'menu.funnelAnalysis', permission: 'reports.view', element: <FunnelAnalysisPage /> },
      {
        path: '/analytics/funnel/:reportId',
        name: 'reports.funnelAnalysis.title',
        permission: 'reports.view',
        element: <FunnelAnalysisPage />,
        hideInMenu: true,
      },
      { path: '/analytics/user', name: 'menu.userAnalysis', permission: 'reports.view', element: <UserAnalysisPage /> },
      {
        path: '/analytics/user/:reportId',
        name: 'reports.userAnalysis.title',
        permission: 'reports.view',
        element: <UserAnalysisPage />,
        hideInMenu: true,
      },
      // 用户画像 (§1.7.5): 时域分析 and 地域分析 as tabs of one page; not for dashboards.
      { path: '/analytics/profile', name: 'menu.profile', permission: 'reports.view', element: <ProfilePage /> },
      {
        path: '/analytics/profile/:reportId',
        name: 'reports.profile.title',
        permission: 'reports.view',
        element: <ProfilePage />,
        hideInMenu: true,
      },
      {
        path: '/analytics/distribution',
        name: 'menu.distributionAnalysis',
        permission: 'reports.view',
        element: <DistributionAnalysisPage />,
      },
      {
        path: '/analytics/distribution/:reportId',
        name: 'reports.distributionAnalysis.title',
        permission: 'reports.view',
        element: <DistributionAnalysisPage />,
        hideInMenu: true,
      },
      {
        path: '/analytics/retention',
        name: 'menu.retentionAnalysis',
        permission: 'reports.view',
        element: <RetentionAnalysisPage />,
      },
      {
        path: '/analytics/retention/:reportId',
        name: 'reports.retentionAnalysis.title',
        permission: 'reports.view',
        element: <RetentionAnalysisPage />,
        hideInMenu: true,
      },
      { path: '/analytics/path', name: 'menu.pathAnalysis', permission: 'reports.view', element: <PathAnalysisPage /> },
      {
        path: '/analytics/path/:reportId',
        name: 'reports.pathAnalysis.title',
        permission: 'reports.view',
        element: <PathAnalysisPage />,
        hideInMenu: true,
      },
      {
        path: '/analytics/attribution',
        name: 'menu.attributionAnalysis',
        permission: 'reports.view',
        element: <AttributionAnalysisPage />,
      },
      {
        path: '/analytics/attribution/:reportId',
        name: 'reports.attributionAnalysis.title',
        permission: 'reports.view',
        element: <AttributionAnalysisPage />,
        hideInMenu: true,
      },
      { path: '/analytics/ltv', name: 'menu.ltvAnalysis', permission: 'reports.view', element: <LtvAnalysisPage /> },
      {
        path: '/analytics/ltv/:reportId',
        name: 'reports.ltvAnalysis.title',
        permission: 'reports.view',
        element: <LtvAnalysisPage />,
        hideInMenu: true,
      },
      // 自定义查询 (seed §1.7.12; ADR 0062).
      { path: '/analytics/sql', name: 'menu.customQuery', permission: 'reports.view', element: <CustomQueryPage /> },
      {
        path: '/analytics/sql/:reportId',
        name: 'reports.customQuery.title',
        permission: 'reports.view',
        element: <CustomQueryPage />,
        hideInMenu: true,
      },
      // 所有报表: every saved report the caller sees, of every model (rename, department, delete).
      { path: '/analytics/reports', name: 'menu.allReports', permission: 'reports.view', element: <ReportsPage /> },
    ],
  },
  {
    path: '/connections',
    name: 'menu.connections',
    icon: <ApiOutlined />,
    permission: 'connections.view',
    element: <ConnectionsPage />,
  },
  {
    path: '/connections/:channelId',
    name: 'menu.connectionDetail',
    // 连接-查看 lists connections but cannot open them.
    permission: 'connections.edit',
    element: <ChannelDetailPage />,
    hideInMenu: true,
  },
  // 元数据管理 (§1.10): every role views (元数据-查看); changes need 元数据-管理 (hidden per action).
  {
    path: '/metadata',
    name: 'menu.metadata',
    icon: <DatabaseOutlined />,
    children: [
      {
        path: '/metadata/contact-fields',
        name: 'menu.contactFields',
        permission: 'metadata.view',
        element: <ContactFieldsPage />,
      },
      {
        path: '/metadata/event-properties',
        name: 'menu.eventProperties',
        permission: 'metadata.view',
        element: <EventPropertiesPage />,
      },
      { path: '/metadata/events', name: 'menu.events', permission: 'metadata.view', element: <EventsPage /> },
      {
        path: '/metadata/virtual-events',
        name: 'menu.virtualEvents',
        permission: 'metadata.view',
        element: <VirtualEventsPage />,
      },
      { path: '/metadata/dictionaries', name: 'menu.dictionaries', permission: 'metadata.view', element: <DictionariesPage /> },
      {
        path: '/metadata/dimension-tables',
        name: 'menu.dimensionTables',
        permission: 'metadata.view',
        element: <DimensionTablesPage />,
      },
      // What could not load (quarantine, replay) and what loaded with a problem (counted).
      {
        path: '/metadata/data-quality',
        name: 'menu.dataQuality',
        permission: 'metadata.view',
        element: <DataQualityPage />,
      },
    ],
  },
  {
    path: '/settings',
    name: 'menu.settings',
    icon: <SettingOutlined />,
    children: [
      {
        path: '/settings/integration',
        name: 'menu.integration',
        children: [
          {
            path: '/settings/apps',
            name: 'menu.privateApps',
            permission: 'settings.privateApps',
            element: <AppsPage />,
          },
        ],
      },
      // 高级设置 (§1.11.4): super staff only — 员工, 角色, 部门, 联系人字段加密, 操作日志.
      {
        path: '/settings/advanced',
        name: 'menu.advanced',
        children: [
          { path: '/settings/advanced/staff', name: 'menu.staff', permission: 'staff.manage', element: <StaffPage /> },
          { path: '/settings/advanced/roles', name: 'menu.roles', permission: 'staff.manage', element: <RolesPage /> },
          {
            path: '/settings/advanced/field-masking',
            name: 'menu.fieldMasking',
            permission: 'masking.manage',
            element: <FieldMaskingPage />,
          },
          {
            path: '/settings/advanced/departments',
            name: 'menu.departments',
            permission: 'departments.manage',
            element: <DepartmentsPage />,
          },
          {
            path: '/settings/advanced/operation-log',
            name: 'menu.operationLog',
            permission: 'operationLog.view',
            element: <OperationLogPage />,
          },
        ],
      },
      // 使用情况 (§1.11.5): expiry, tracked users (TU), events per month.
      { path: '/settings/usage', name: 'menu.usage', permission: 'settings.usage', element: <UsagePage /> },
      {
        path: '/settings/system',
        name: 'menu.system',
        children: [
          {
            path: '/settings/plugins',
            name: 'menu.plugins',
            permission: 'plugins.view',
            element: <PluginsPage />,
          },
        ],
      },
      // Every staff member's own notifications (task results); the task list needs tasks.view.
      {
        path: '/settings/notifications',
        name: 'menu.notifications',
        element: <NotificationsPage />,
      },
    ],
  },
  // Pages of first-party plugins' console entries (e.g. a custom channel's app).
  ...pluginPageRoutes.map(({ pluginId, path, name, permission, Page }): AppRoute => ({
    path,
    name,
    permission,
    element: <Page />,
    hideInMenu: true,
    pluginId,
  })),
];

/** The `data-testid` of a route's menu entry: `menu.privateApps` → `menu-privateApps`. */
export function menuTestId(route: Pick<AppRoute, 'name'>): string {
  return route.name.replace(/\./g, '-');
}

/**
 * The routes a staff member may see; folders without visible children are dropped, and so are the
 * pages of plugins disabled for the tenant (`Session.disabledPlugins`).
 */
export function visibleRoutes(
  routes: AppRoute[],
  allowed: (permission: string | undefined) => boolean,
  disabledPlugins: readonly string[] = [],
): AppRoute[] {
  return routes.flatMap((route) => {
    if (!allowed(route.permission)) return [];
    if (route.pluginId !== undefined && disabledPlugins.includes(route.pluginId)) return [];
    if (!route.children) return [route];
    const children = visibleRoutes(route.children, allowed, disabledPlugins);
    if (children.length === 0 && !route.element) return [];
    return [{ ...route, children }];
  });
}

/** Every route that renders a page, flattened for react-router. */
export function pageRoutes(routes: AppRoute[]): AppRoute[] {
  return routes.flatMap((route) => [...(route.element ? [route] : []), ...pageRoutes(route.children ?? [])]);
}

/** The permission the page at `pathname` needs: undefined when it needs none or no page is there. */
export function pagePermission(pathname: string): string | undefined {
  return pageRoutes(appRoutes).find((route) => matchPath(route.path, pathname) !== null)?.permission;
}
