import type { LocalizedText } from './contributions.js';

/**
 * The permission matrix of seed §1.11.4.6.2 (功能权限的定义), checked in as data: one row per row of
 * the seed's tables, in the seed's order (a test counts them). A role grants a set of these rows;
 * core permissions beyond the seed's tables (e.g. cancelling tasks) are declared by their modules
 * and listed apart.
 *
 * - `feature`: the module or connector the row belongs to. A row is configurable only when its
 *   feature is present (declared through `auth.permissions` `addFeature`) and, for connector
 *   features, enabled for the tenant (WeChat rows once an official account is connected).
 * - `fixed`: every role has it and it cannot be removed (用户-查看, 连接-查看, 元数据-查看, 设置-短链接).
 * - `requires`: linked rights selected with this one (any other right of a menu selects its view;
 *   object view and folder view come as a pair — seed's 注意 lines under each menu).
 */
export interface MatrixRow {
  id: string;
  feature: string;
  /** 一级菜单 / 二级菜单 / 权限 — the seed's three columns. */
  menu: LocalizedText;
  submenu: LocalizedText;
  right: LocalizedText;
  /** 说明. */
  description: LocalizedText;
  fixed?: boolean;
  requires?: string[];
  /** Open API apps (bearer tokens) hold it too. */
  openApi?: boolean;
}

const t = (zh: string, en: string): LocalizedText => ({ 'zh-CN': zh, 'en-US': en });

const VIEW = t('查看', 'View');
const EDIT = t('编辑', 'Edit');
const DELETE = t('删除', 'Delete');

const DASHBOARDS = t('仪表盘', 'Dashboards');
const DASHBOARD_FOLDERS = t('仪表盘目录', 'Dashboard folders');
const JOURNEYS = t('客户旅程', 'Customer journeys');
const JOURNEY_FOLDERS = t('客户旅程目录', 'Journey folders');
const CONTACTS = t('用户', 'Contacts');
const GROUPS = t('群组', 'Groups');
const GROUP_FOLDERS = t('群组目录', 'Group folders');
const TAGS_MENU = t('用户标签', 'User tags');
const TAGS = t('标签', 'Tags');
const TAG_FOLDERS = t('标签目录', 'Tag folders');
const REPORTS_MENU = t('报表分析', 'Analytics');
const REPORTS = t('报表', 'Reports');
const ADS_MENU = t('广告追踪', 'Ad tracking');
const ADS = t('广告分析', 'Ad analysis');
const CONNECTIONS_MENU = t('连接管理', 'Connections');
const CONNECTIONS = t('连接', 'Connections');
const METADATA = t('元数据管理', 'Metadata');
const SETTINGS = t('设置', 'Settings');
const WECHAT = t('微信营销', 'WeChat marketing');

/** The pair of an object's view and its folder's view, and what every other right of the menu needs. */
const dashboardViews = ['dashboards.view', 'dashboardFolders.view'];
const journeyViews = ['journeys.view', 'journeyFolders.view'];
const groupViews = ['groups.view', 'groupFolders.view'];
const tagViews = ['tags.view', 'tagFolders.view'];

export const permissionMatrix: readonly MatrixRow[] = [
  // 仪表盘
  {
    id: 'dashboards.view',
    feature: 'dashboards',
    menu: DASHBOARDS,
    submenu: DASHBOARDS,
    right: VIEW,
    description: t('可查看仪表盘数据。', 'View dashboards and their data.'),
    requires: ['dashboardFolders.view'],
  },
  {
    id: 'dashboards.edit',
    feature: 'dashboards',
    menu: DASHBOARDS,
    submenu: DASHBOARDS,
    right: EDIT,
    description: t('可新建仪表盘，编辑仪表盘，管理仪表盘卡片。', 'Create and edit dashboards and manage their cards.'),
    requires: dashboardViews,
  },
  {
    id: 'dashboards.delete',
    feature: 'dashboards',
    menu: DASHBOARDS,
    submenu: DASHBOARDS,
    right: DELETE,
    description: t('可删除仪表盘。', 'Delete dashboards.'),
    requires: dashboardViews,
  },
  {
    id: 'dashboardFolders.view',
    feature: 'dashboards',
    menu: DASHBOARDS,
    submenu: DASHBOARD_FOLDERS,
    right: VIEW,
    description: t('可查看仪表盘目录。', 'View dashboard folders.'),
    requires: ['dashboards.view'],
  },
  {
    id: 'dashboardFolders.edit',
    feature: 'dashboards',
    menu: DASHBOARDS,
    submenu: DASHBOARD_FOLDERS,
    right: EDIT,
    description: t('可新建仪表盘目录，编辑仪表盘目录。', 'Create and edit dashboard folders.'),
    requires: dashboardViews,
  },
  {
    id: 'dashboardFolders.delete',
    feature: 'dashboards',
    menu: DASHBOARDS,
    submenu: DASHBOARD_FOLDERS,
    right: DELETE,
    description: t('可删除仪表盘目录。', 'Delete dashboard folders.'),
    requires: dashboardViews,
  },
  // 客户旅程
  {
    id: 'journeys.view',
    feature: 'journeys',
    menu: JOURNEYS,
    submenu: JOURNEYS,
    right: VIEW,
    description: t('可查看客户旅程列表。', 'View the journey list.'),
    requires: ['journeyFolders.view'],
  },
  {
    id: 'journeys.edit',
    feature: 'journeys',
    menu: JOURNEYS,
    submenu: JOURNEYS,
    right: EDIT,
    description: t('可新建客户旅程，以及编辑客户旅程。', 'Create and edit journeys.'),
    requires: journeyViews,
  },
  {
    id: 'journeys.delete',
    feature: 'journeys',
    menu: JOURNEYS,
    submenu: JOURNEYS,
    right: DELETE,
    description: t('可删除客户旅程。', 'Delete journeys.'),
    requires: journeyViews,
  },
  {
    id: 'journeyFolders.view',
    feature: 'journeys',
    menu: JOURNEYS,
    submenu: JOURNEY_FOLDERS,
    right: VIEW,
    description: t('可查看客户旅程目录。', 'View journey folders.'),
    requires: ['journeys.view'],
  },
  {
    id: 'journeyFolders.edit',
    feature: 'journeys',
    menu: JOURNEYS,
    submenu: JOURNEY_FOLDERS,
    right: EDIT,
    description: t('可新建客户旅程目录，编辑客户旅程目录。', 'Create and edit journey folders.'),
    requires: journeyViews,
  },
  {
    id: 'journeyFolders.delete',
    feature: 'journeys',
    menu: JOURNEYS,
    submenu: JOURNEY_FOLDERS,
    right: DELETE,
    description: t('可删除客户旅程目录。', 'Delete journey folders.'),
    requires: journeyViews,
  },
  // 用户
  {
    id: 'contacts.view',
    feature: 'contacts',
    menu: CONTACTS,
    submenu: CONTACTS,
    right: t('查看（默认）', 'View (default)'),
    description: t('可查看用户列表，搜索用户，以及查看用户详情。', 'List, search and open contacts.'),
    fixed: true,
  },
  {
    id: 'contacts.edit',
    feature: 'contacts',
    menu: CONTACTS,
    submenu: CONTACTS,
    right: EDIT,
    description: t('可新建用户，编辑用户，以及设置用户列表显示列。', 'Create and edit contacts and choose list columns.'),
    requires: ['contacts.view'],
  },
  {
    id: 'contacts.import',
    feature: 'contacts',
    menu: CONTACTS,
    submenu: CONTACTS,
    right: t('导入', 'Import'),
    description: t('可导入用户。', 'Import contacts.'),
    requires: ['contacts.view'],
  },
  {
    id: 'contacts.export',
    feature: 'contacts',
    menu: CONTACTS,
    submenu: CONTACTS,
    right: t('导出', 'Export'),
    description: t('可导出用户。', 'Export contacts.'),
    requires: ['contacts.view'],
  },
  {
    id: 'contacts.merge',
    feature: 'contacts',
    menu: CONTACTS,
    submenu: CONTACTS,
    right: t('合并用户', 'Merge contacts'),
    description: t('可设置合并用户。', 'Merge contacts and set the merge rules.'),
    requires: ['contacts.view'],
  },
  {
    id: 'contacts.unmasked',
    feature: 'contacts',
    menu: CONTACTS,
    submenu: CONTACTS,
    right: t('数据不脱敏', 'Unmasked data'),
    description: t('可使设置加密的用户属性不脱敏展示（即不显示“***”）。', 'See masked contact fields in clear text (not “***”).'),
    requires: ['contacts.view'],
  },
  // 群组
  {
    id: 'groups.view',
    feature: 'groups',
    menu: GROUPS,
    submenu: GROUPS,
    right: VIEW,
    description: t('可查看或搜索群组，以及查看群组详情。', 'List, search and open groups.'),
    requires: ['groupFolders.view'],
  },
  {
    id: 'groups.edit',
    feature: 'groups',
    menu: GROUPS,
    submenu: GROUPS,
    right: EDIT,
    description: t('可新建群组，编辑群组以及对群组进行计算。', 'Create, edit and compute groups.'),
    requires: groupViews,
  },
  {
    id: 'groups.delete',
    feature: 'groups',
    menu: GROUPS,
    submenu: GROUPS,
    right: DELETE,
    description: t('可删除群组。', 'Delete groups.'),
    requires: groupViews,
  },
  {
    id: 'groupFolders.view',
    feature: 'groups',
    menu: GROUPS,
    submenu: GROUP_FOLDERS,
    right: VIEW,
    description: t('可查看群组目录。', 'View group folders.'),
    requires: ['groups.view'],
  },
  {
    id: 'groupFolders.edit',
    feature: 'groups',
    menu: GROUPS,
    submenu: GROUP_FOLDERS,
    right: EDIT,
    description: t('可新建群组目录，编辑群组目录。', 'Create and edit group folders.'),
    requires: groupViews,
  },
  {
    id: 'groupFolders.delete',
    feature: 'groups',
    menu: GROUPS,
    submenu: GROUP_FOLDERS,
    right: DELETE,
    description: t('可删除群组目录。', 'Delete group folders.'),
    requires: groupViews,
  },
  // 用户标签
  {
    id: 'tags.view',
    feature: 'tags',
    menu: TAGS_MENU,
    submenu: TAGS,
    right: VIEW,
    description: t('可搜索或查看用户标签，以及查看或刷新用户标签数据。', 'List, search and open tags and refresh their data.'),
    requires: ['tagFolders.view'],
  },
  {
    id: 'tags.edit',
    feature: 'tags',
    menu: TAGS_MENU,
    submenu: TAGS,
    right: EDIT,
    description: t('可新建用户标签，编辑用户标签，以及重新计算用户标签。', 'Create, edit and recompute tags.'),
    requires: tagViews,
  },
  {
    id: 'tags.delete',
    feature: 'tags',
    menu: TAGS_MENU,
    submenu: TAGS,
    right: DELETE,
    description: t('可删除用户标签。', 'Delete tags.'),
    requires: tagViews,
  },
  {
    id: 'tags.export',
    feature: 'tags',
    menu: TAGS_MENU,
    submenu: TAGS,
    right: t('导出', 'Export'),
    description: t('可导出用户标签数据。', 'Export tag data.'),
    requires: tagViews,
  },
  {
    id: 'tagFolders.view',
    feature: 'tags',
    menu: TAGS_MENU,
    submenu: TAG_FOLDERS,
    right: VIEW,
    description: t('可查看用户标签目录。', 'View tag folders.'),
    requires: ['tags.view'],
  },
  {
    id: 'tagFolders.edit',
    feature: 'tags',
    menu: TAGS_MENU,
    submenu: TAG_FOLDERS,
    right: EDIT,
    description: t('可新建用户标签目录，编辑用户标签目录。', 'Create and edit tag folders.'),
    requires: tagViews,
  },
  {
    id: 'tagFolders.delete',
    feature: 'tags',
    menu: TAGS_MENU,
    submenu: TAG_FOLDERS,
    right: DELETE,
    description: t('可删除用户标签目录。', 'Delete tag folders.'),
    requires: tagViews,
  },
  // 报表分析
  {
    id: 'reports.view',
    feature: 'reports',
    menu: REPORTS_MENU,
    submenu: REPORTS,
    right: VIEW,
    description: t('可查看所有类型的报表数据，以及刷新报表数据。', 'View every kind of report and refresh it.'),
  },
  {
    id: 'reports.edit',
    feature: 'reports',
    menu: REPORTS_MENU,
    submenu: REPORTS,
    right: EDIT,
    description: t('可新建报表，编辑报表，以及导出报表数据。', 'Create and edit reports and export their data.'),
    requires: ['reports.view'],
  },
  {
    id: 'reports.delete',
    feature: 'reports',
    menu: REPORTS_MENU,
    submenu: REPORTS,
    right: DELETE,
    description: t('可删除报表。', 'Delete reports.'),
    requires: ['reports.view'],
  },
  // 广告追踪
  {
    id: 'ads.view',
    feature: 'ads',
    menu: ADS_MENU,
    submenu: ADS,
    right: VIEW,
    description: t('可查看广告分析数据。', 'View ad analysis.'),
  },
  {
    id: 'ads.manage',
    feature: 'ads',
    menu: ADS_MENU,
    submenu: ADS,
    right: t('管理', 'Manage'),
    description: t('可设置广告分析，以及导出广告分析数据。', 'Configure ad analysis and export its data.'),
    requires: ['ads.view'],
  },
  // 连接管理
  {
    id: 'connections.view',
    openApi: true,
    feature: 'connections',
    menu: CONNECTIONS_MENU,
    submenu: CONNECTIONS,
    right: t('查看（默认）', 'View (default)'),
    description: t(
      '可查看所有连接，以及选择连接账号（不可进入连接详情页）。',
      'List connections and pick accounts (details need Edit).',
    ),
    fixed: true,
  },
  {
    id: 'connections.edit',
    openApi: true,
    feature: 'connections',
    menu: CONNECTIONS_MENU,
    submenu: CONNECTIONS,
    right: EDIT,
    description: t('可新建连接，编辑连接，以及使用连接内功能。', 'Create and edit connections and use their features.'),
    requires: ['connections.view'],
  },
  {
    id: 'connections.delete',
    feature: 'connections',
    menu: CONNECTIONS_MENU,
    submenu: CONNECTIONS,
    right: DELETE,
    description: t('可删除连接。', 'Delete connections.'),
    requires: ['connections.view'],
  },
  // 元数据管理
  {
    id: 'metadata.view',
    openApi: true,
    feature: 'metadata',
    menu: METADATA,
    submenu: METADATA,
    right: t('查看（默认）', 'View (default)'),
    description: t('可搜索或查看各类元数据列表，以及查看自定义图元。', 'List and search metadata and view custom journey nodes.'),
    fixed: true,
  },
  {
    id: 'metadata.manage',
    openApi: true,
    feature: 'metadata',
    menu: METADATA,
    submenu: METADATA,
    right: t('管理', 'Manage'),
    description: t(
      '可对各类元数据进行新建、编辑、导出等操作，以及设置自定义图元。',
      'Create, edit and export metadata and set custom nodes.',
    ),
    requires: ['metadata.view'],
  },
  // 设置
  {
    id: 'settings.shortLinks',
    feature: 'shortLinks',
    menu: SETTINGS,
    submenu: t('网站追踪', 'Web tracking'),
    right: t('短链接（默认）', 'Short links (default)'),
    description: t(
      '可新建、搜索/筛选、复制短链接；可管理短链接分组。',
      'Create, search and copy short links and manage their groups.',
    ),
    fixed: true,
  },
  {
    id: 'settings.privateApps',
    feature: 'privateApps',
    menu: SETTINGS,
    submenu: t('App集成设置', 'App integration'),
    right: t('私有App设置', 'Private apps'),
    description: t('可新建、编辑私有App。', 'Create and edit private apps.'),
  },
  {
    id: 'settings.sftpSites',
    feature: 'sftpSites',
    menu: SETTINGS,
    submenu: t('App集成设置', 'App integration'),
    right: t('SFTP站点设置', 'SFTP sites'),
    description: t('可添加、编辑、连接SFTP站点。', 'Add, edit and connect SFTP sites.'),
  },
  {
    id: 'settings.authorizations',
    feature: 'authorizations',
    menu: SETTINGS,
    submenu: t('App集成设置', 'App integration'),
    right: t('授权设置', 'Authorizations'),
    description: t('可新建、编辑、更新授权。', 'Create, edit and renew authorizations.'),
  },
  {
    id: 'settings.usage',
    feature: 'usage',
    menu: SETTINGS,
    submenu: t('使用情况', 'Usage'),
    right: VIEW,
    description: t('可查看系统使用情况。', 'View the tenant’s usage.'),
  },
  // 微信营销 (需有微信公众号连接后，才可设置)
  {
    id: 'wechat.massSend',
    feature: 'wechat',
    menu: WECHAT,
    submenu: t('触达', 'Outreach'),
    right: t('群发', 'Mass send'),
    description: t('可新建、编辑、取消群发。', 'Create, edit and cancel mass sends.'),
  },
  {
    id: 'wechat.templateMessages',
    feature: 'wechat',
    menu: WECHAT,
    submenu: t('触达', 'Outreach'),
    right: t('模版消息通知', 'Template messages'),
    description: t('可新建、筛选模版消息。', 'Create and filter template messages.'),
  },
  {
    id: 'wechat.subscriptionNotices',
    feature: 'wechat',
    menu: WECHAT,
    submenu: t('触达', 'Outreach'),
    right: t('订阅通知', 'Subscription notices'),
    description: t('可新建、筛选订阅通知。', 'Create and filter subscription notices.'),
  },
  {
    id: 'wechat.qrCodes',
    feature: 'wechat',
    menu: WECHAT,
    submenu: t('二维码管理', 'QR codes'),
    right: t('带参二维码', 'Parametric QR codes'),
    description: t(
      '可新建、搜索/筛选、编辑/下载二维码；可管理二维码分组。',
      'Create, search, edit and download QR codes and manage their groups.',
    ),
  },
  {
    id: 'wechat.personalQrCodes',
    feature: 'wechat',
    menu: WECHAT,
    submenu: t('二维码管理', 'QR codes'),
    right: t('一人一码', 'Per-person QR codes'),
    description: t(
      '可搜索/筛选，下载一人一码；可管理二维码分组。',
      'Search and download per-person codes and manage their groups.',
    ),
  },
  {
    id: 'wechat.menus',
    feature: 'wechat',
    menu: WECHAT,
    submenu: t('基础设置', 'Basics'),
    right: t('菜单管理', 'Menus'),
    description: t('可添加、编辑公众号菜单。', 'Add and edit official-account menus.'),
  },
  {
    id: 'wechat.cards',
    feature: 'wechat',
    menu: WECHAT,
    submenu: t('基础设置', 'Basics'),
    right: t('卡券管理', 'Cards'),
    description: t('可同步微信卡券或查看卡券详情。', 'Sync WeChat cards and view their details.'),
  },
  {
    id: 'wechat.materials',
    feature: 'wechat',
    menu: WECHAT,
    submenu: t('基础设置', 'Basics'),
    right: t('图文素材', 'Articles'),
    description: t('可查看图文素材，设置图文说明。', 'View article materials and set their descriptions.'),
  },
  {
    id: 'wechat.menuConversations',
    feature: 'wechat',
    menu: WECHAT,
    submenu: t('基础设置', 'Basics'),
    right: t('菜单会话', 'Menu conversations'),
    description: t('可新建、编辑、删除菜单会话。', 'Create, edit and delete menu conversations.'),
  },
  {
    id: 'wechat.tags',
    feature: 'wechat',
    menu: WECHAT,
    submenu: t('基础设置', 'Basics'),
    right: t('微信标签', 'WeChat tags'),
    description: t('微信标签页所有操作均可用。', 'Everything on the WeChat tags page.'),
  },
  {
    id: 'wechatReports.view',
    feature: 'wechat',
    menu: WECHAT,
    submenu: t('微信分析', 'WeChat analytics'),
    right: VIEW,
    description: t('可查看微信各类分析数据。', 'View every WeChat analysis.'),
  },
  {
    id: 'wechatReports.edit',
    feature: 'wechat',
    menu: WECHAT,
    submenu: t('微信分析', 'WeChat analytics'),
    right: EDIT,
    description: t('可编辑微信各类分析，以及导出数据。', 'Edit WeChat analyses and export their data.'),
    requires: ['wechatReports.view'],
  },
  {
    id: 'wechatReports.delete',
    feature: 'wechat',
    menu: WECHAT,
    submenu: t('微信分析', 'WeChat analytics'),
    right: DELETE,
    description: t('可删除微信各类分析。', 'Delete WeChat analyses.'),
    requires: ['wechatReports.view'],
  },
];

/** 快速选择: preset roles to start from (the seed's 系统预置了几类角色); adjusted freely after picking. */
export interface RolePreset {
  key: string;
  name: LocalizedText;
  /** Rows chosen by a predicate over the matrix, so a preset follows the matrix. */
  permissions: string[];
}

const ids = (predicate: (row: MatrixRow) => boolean) => permissionMatrix.filter(predicate).map((row) => row.id);
const action = (row: MatrixRow) => row.id.slice(row.id.indexOf('.') + 1);

export const rolePresets: readonly RolePreset[] = [
  {
    key: 'operationsManager',
    name: t('运营经理', 'Operations manager'),
    // Everything of the matrix except clear-text contact data.
    permissions: ids((row) => row.id !== 'contacts.unmasked'),
  },
  {
    key: 'operationsSpecialist',
    name: t('运营专员', 'Operations specialist'),
    permissions: ids(
      (row) =>
        ['view', 'edit'].includes(action(row)) ||
        ['wechat.massSend', 'wechat.templateMessages', 'wechat.subscriptionNotices', 'wechat.qrCodes'].includes(row.id),
    ),
  },
  {
    key: 'analyst',
    name: t('数据分析师', 'Data analyst'),
    permissions: ids(
      (row) =>
        action(row) === 'view' ||
        ['reports.edit', 'dashboards.edit', 'groups.edit', 'tags.edit', 'tags.export', 'contacts.export'].includes(row.id) ||
        row.id === 'wechatReports.edit',
    ),
  },
  { key: 'viewer', name: t('只读', 'Read only'), permissions: ids((row) => action(row) === 'view' || Boolean(row.fixed)) },
];
