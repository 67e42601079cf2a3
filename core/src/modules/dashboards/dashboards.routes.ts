import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { localeOf } from '../../server/error-responses.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs, id, idParams, localizedText, shortText } from '../../server/schemas.js';
import type { TimeRange } from '../conditions/condition.types.js';
import { reportResultSchema, runOptionsSchema, savedReportQuerySchema } from '../reports/saved-reports.schemas.js';
import type { DashboardsService } from './dashboards.service.js';
import { cardSizes, dashboardLimits, positionDirections, type CardSize, type PositionDirection } from './dashboards.types.js';

const FOLDERS = '/api/v1/console/dashboard-folders';
const DASHBOARDS = '/api/v1/console/dashboards';

const nameSchema = shortText(dashboardLimits.nameMax).label('DashboardName');
const folderNameSchema = shortText(dashboardLimits.folderNameMax).label('DashboardFolderName');
const sizeSchema = Joi.string()
  .valid(...cardSizes)
  .label('DashboardCardSize')
  .description('S small (a third of the row), M medium (half), L large (the whole row)');
const departmentPayload = (label: string) => Joi.object<{ departmentId: string }>({ departmentId: id().required() }).label(label);
const positionPayload = (label: string) =>
  Joi.object<{ direction: PositionDirection }>({
    direction: Joi.string()
      .valid(...positionDirections)
      .required()
      .label('DashboardPositionDirection')
      .description('top 置顶, up 上移, down 下移 (past the previous / next one the caller sees)'),
  }).label(label);

const folderParams = idParams('dashboardFolderId');
const dashboardParams = idParams('dashboardId');
const cardParams = idParams('dashboardId', 'cardId');

const folderSchema = Joi.object({
  id: id().required(),
  parentId: id().allow(null).required(),
  name: Joi.string().required(),
  depth: Joi.number().integer().min(1).max(dashboardLimits.folderDepth).required(),
  position: Joi.number().integer().required().description('order among its siblings, 0 first'),
  departmentId: id().allow(null).required().description('所属部门 (ADR 0023); null: visible to everyone'),
  createdBy: id().allow(null).required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('DashboardFolder');
const folderListSchema = Joi.object({
  items: Joi.array().items(folderSchema).label('DashboardFolderItems').required(),
}).label('DashboardFolderList');

const summaryKeys = {
  id: id().required(),
  folderId: id().allow(null).required(),
  name: Joi.string().required(),
  position: Joi.number().integer().required().description('order among the dashboards of its folder, 0 first'),
  departmentId: id().allow(null).required().description('所属部门 (ADR 0023); null: visible to everyone'),
  cardCount: Joi.number().integer().required(),
  createdBy: id().allow(null).required(),
  updatedBy: id().allow(null).required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
};
const summarySchema = Joi.object(summaryKeys).label('DashboardSummary');
const summaryListSchema = Joi.object({
  items: Joi.array().items(summarySchema).label('DashboardSummaryItems').required(),
}).label('DashboardList');

const cardReportSchema = Joi.object({
  id: id().required(),
  name: Joi.string().required(),
  model: Joi.string().required(),
  modelName: Joi.string().allow(null).required(),
  query: savedReportQuerySchema.required(),
  timeRange: Joi.boolean().required().description('whether a temporary time range applies (路径分析: no)'),
}).label('DashboardCardReport');
const cardSchema = Joi.object({
  id: id().required(),
  reportId: id().required(),
  size: sizeSchema.required(),
  position: Joi.number().integer().required(),
  status: Joi.string()
    .valid('ok', 'forbidden')
    .required()
    .label('DashboardCardStatus')
    .description('forbidden: 无权限 — the caller does not see the report’s department; no report is given'),
  report: cardReportSchema.description('only when status is ok'),
}).label('DashboardCard');
const dashboardSchema = Joi.object({
  ...summaryKeys,
  cards: Joi.array().items(cardSchema).label('DashboardCards').required(),
}).label('Dashboard');

const presetSchema = Joi.object({
  id: Joi.string().required(),
  name: localizedText().required(),
  plugin: Joi.string().required(),
  reports: Joi.number().integer().required(),
  dashboards: Joi.number().integer().required().description('dashboards it makes with the tenant’s cards quota'),
}).label('DashboardPreset');

/** 仪表盘 and 仪表盘目录 in the console (seed §1.3; ADR 0053); 仪表盘/仪表盘目录-查看/编辑/删除 of §1.11.4.6.2. */
export function dashboardsRoutes(dashboards: DashboardsService): PluginRoute[] {
  return [
    // ---- folders ----
    moduleRoute({
      method: 'GET',
      path: FOLDERS,
      access: { permission: 'dashboardFolders.view' },
      options: {
        description: '仪表盘目录 / The folders the caller sees (up to 4 levels), by depth and position; the folder picker',
        response: { schema: folderListSchema },
      },
      handler: async (request) => ({ items: await dashboards.folders(principalOf(request)) }),
    }),
    moduleRoute<unknown, unknown, { name: string; parentId?: string | null }>({
      method: 'POST',
      path: FOLDERS,
      access: { permission: 'dashboardFolders.edit' },
      options: {
        description:
          '新建目录 / 新建子目录 (4 levels at most: 400 dashboard_folder_too_deep; 409 dashboard_folder_name_taken among siblings)',
        validate: {
          payload: Joi.object({ name: folderNameSchema.required(), parentId: id().allow(null) }).label('DashboardFolderInput'),
        },
        response: { status: { 201: folderSchema } },
      },
      handler: async (request, h) => h.response(await dashboards.createFolder(principalOf(request), request.payload)).code(201),
    }),
    moduleRoute<{ dashboardFolderId: string }, unknown, { name?: string; parentId?: string | null }>({
      method: 'PATCH',
      path: `${FOLDERS}/{dashboardFolderId}`,
      access: { permission: 'dashboardFolders.edit' },
      options: {
        description:
          '编辑目录 / 移至目录: rename, or move with its sub-folders and dashboards (never into itself, never deeper than 4 levels)',
        validate: {
          params: folderParams,
          payload: Joi.object({ name: folderNameSchema, parentId: id().allow(null) })
            .min(1)
            .label('DashboardFolderPatch'),
        },
        response: { schema: folderSchema },
      },
      handler: (request) => dashboards.updateFolder(principalOf(request), request.params.dashboardFolderId, request.payload),
    }),
    moduleRoute<{ dashboardFolderId: string }>({
      method: 'DELETE',
      path: `${FOLDERS}/{dashboardFolderId}`,
      access: { permission: 'dashboardFolders.delete' },
      options: {
        description: '删除目录 / Delete an empty folder (409 dashboard_folder_not_empty while it holds folders or dashboards)',
        validate: { params: folderParams },
      },
      handler: async (request, h) => {
        await dashboards.deleteFolder(principalOf(request), request.params.dashboardFolderId);
        return h.response().code(204);
      },
    }),
    moduleRoute<{ dashboardFolderId: string }, unknown, { direction: PositionDirection }>({
      method: 'POST',
      path: `${FOLDERS}/{dashboardFolderId}/position`,
      access: { permission: 'dashboardFolders.edit' },
      options: {
        description: '置顶 / 上移 / 下移 a folder among its siblings; answers the siblings in their new order',
        validate: { params: folderParams, payload: positionPayload('DashboardFolderPosition') },
        response: { schema: folderListSchema },
      },
      handler: async (request) => ({
        items: await dashboards.moveFolder(principalOf(request), request.params.dashboardFolderId, request.payload.direction),
      }),
    }),
    moduleRoute<{ dashboardFolderId: string }, unknown, { departmentId: string }>({
      method: 'PUT',
      path: `${FOLDERS}/{dashboardFolderId}/department`,
      access: { permission: 'dashboardFolders.edit' },
      options: {
        description: '更新所属部门 / A folder’s department: its sub-folders and their dashboards follow (ADR 0023)',
        validate: { params: folderParams, payload: departmentPayload('DashboardFolderDepartment') },
        response: { schema: folderSchema },
      },
      handler: (request) =>
        dashboards.reassignFolder(principalOf(request), request.params.dashboardFolderId, request.payload.departmentId),
    }),

    // ---- dashboards ----
    moduleRoute<unknown, { folderId?: string; root?: boolean; keyword?: string }>({
      method: 'GET',
      path: DASHBOARDS,
      access: { permission: 'dashboards.view' },
      options: {
        description: '所有仪表盘 / Dashboards the caller sees: of one folder (folderId), of none (root=true) or all; by name',
        validate: {
          query: Joi.object({
            folderId: id(),
            root: Joi.boolean(),
            keyword: Joi.string().allow('').max(dashboardLimits.nameMax),
          }).label('DashboardListQuery'),
        },
        response: { schema: summaryListSchema },
      },
      handler: async (request) => ({
        items: await dashboards.list(principalOf(request), {
          folderId: request.query.root ? null : request.query.folderId,
          keyword: request.query.keyword,
        }),
      }),
    }),
    moduleRoute({
      method: 'GET',
      path: `${DASHBOARDS}/quota`,
      access: { permission: 'dashboards.view' },
      options: {
        description: '仪表盘配额 / Dashboards the tenant has and may have, and reports per dashboard (set by platform operators)',
        response: {
          schema: Joi.object({
            dashboards: Joi.object({ used: Joi.number().integer().required(), max: Joi.number().integer().required() })
              .label('DashboardQuotaUse')
              .required(),
            cardsPerDashboard: Joi.number().integer().required(),
          }).label('DashboardQuota'),
        },
      },
      handler: (request) => dashboards.quota(principalOf(request).tenantId),
    }),
    moduleRoute<{ dashboardId: string }>({
      method: 'GET',
      path: `${DASHBOARDS}/{dashboardId}`,
      access: { permission: 'dashboards.view' },
      options: {
        description:
          '打开仪表盘 / A dashboard and its cards; a card whose report the caller does not see is status forbidden (无权限)',
        validate: { params: dashboardParams },
        response: { schema: dashboardSchema },
      },
      handler: (request) => dashboards.get(principalOf(request), request.params.dashboardId),
    }),
    moduleRoute<unknown, unknown, { name: string; folderId?: string | null }>({
      method: 'POST',
      path: DASHBOARDS,
      access: { permission: 'dashboards.edit' },
      options: {
        description: '新建仪表盘 / Create a dashboard in a folder or in none (409 dashboard_quota_exceeded)',
        validate: {
          payload: Joi.object({ name: nameSchema.required(), folderId: id().allow(null) }).label('DashboardInput'),
        },
        response: { status: { 201: dashboardSchema } },
      },
      handler: async (request, h) => h.response(await dashboards.create(principalOf(request), request.payload)).code(201),
    }),
    moduleRoute<{ dashboardId: string }, unknown, { name?: string; folderId?: string | null }>({
      method: 'PATCH',
      path: `${DASHBOARDS}/{dashboardId}`,
      access: { permission: 'dashboards.edit' },
      options: {
        description: '重命名 / 添加至目录 (folderId; null: out of every folder): a folder with a department gives it (ADR 0023)',
        validate: {
          params: dashboardParams,
          payload: Joi.object({ name: nameSchema, folderId: id().allow(null) })
            .min(1)
            .label('DashboardPatch'),
        },
        response: { schema: dashboardSchema },
      },
      handler: (request) => dashboards.update(principalOf(request), request.params.dashboardId, request.payload),
    }),
    moduleRoute<{ dashboardId: string }>({
      method: 'DELETE',
      path: `${DASHBOARDS}/{dashboardId}`,
      access: { permission: 'dashboards.delete' },
      options: {
        description: '删除仪表盘 / Delete a dashboard and its cards (its saved reports stay)',
        validate: { params: dashboardParams },
      },
      handler: async (request, h) => {
        await dashboards.remove(principalOf(request), request.params.dashboardId);
        return h.response().code(204);
      },
    }),
    moduleRoute<{ dashboardId: string }, unknown, { direction: PositionDirection }>({
      method: 'POST',
      path: `${DASHBOARDS}/{dashboardId}/position`,
      access: { permission: 'dashboards.edit' },
      options: {
        description: '置顶 / 上移 / 下移 a dashboard within its folder; answers the folder’s dashboards in their new order',
        validate: { params: dashboardParams, payload: positionPayload('DashboardPosition') },
        response: { schema: summaryListSchema },
      },
      handler: async (request) => ({
        items: await dashboards.move(principalOf(request), request.params.dashboardId, request.payload.direction),
      }),
    }),
    moduleRoute<{ dashboardId: string }, unknown, { departmentId: string }>({
      method: 'PUT',
      path: `${DASHBOARDS}/{dashboardId}/department`,
      access: { permission: 'dashboards.edit' },
      options: {
        description: '更新所属部门 / A dashboard’s department (refused while its folder has one: it follows the folder)',
        validate: { params: dashboardParams, payload: departmentPayload('DashboardDepartment') },
        response: { schema: dashboardSchema },
      },
      handler: (request) => dashboards.reassign(principalOf(request), request.params.dashboardId, request.payload.departmentId),
    }),

    // ---- cards ----
    moduleRoute<{ dashboardId: string }, unknown, { reportId: string; size?: CardSize }>({
      method: 'POST',
      path: `${DASHBOARDS}/{dashboardId}/cards`,
      access: { permission: 'dashboards.edit' },
      options: {
        description:
          '添加报表 / Put a saved report on the dashboard: 409 dashboard_report_duplicate, dashboard_cards_full; 400 report_not_dashboardable',
        validate: {
          params: dashboardParams,
          payload: Joi.object({ reportId: id().required(), size: sizeSchema }).label('DashboardCardInput'),
        },
        response: { status: { 201: cardSchema } },
      },
      handler: async (request, h) =>
        h.response(await dashboards.addCard(principalOf(request), request.params.dashboardId, request.payload)).code(201),
    }),
    moduleRoute<{ dashboardId: string }, unknown, { cardIds: string[] }>({
      method: 'PUT',
      path: `${DASHBOARDS}/{dashboardId}/cards/order`,
      access: { permission: 'dashboards.edit' },
      options: {
        description: '调整报表顺序 / The dashboard’s cards in a new order: every card once (400 dashboard_cards_order_invalid)',
        validate: {
          params: dashboardParams,
          payload: Joi.object({ cardIds: Joi.array().items(id()).max(100).required().label('DashboardCardIds') }).label(
            'DashboardCardOrder',
          ),
        },
        response: { schema: dashboardSchema },
      },
      handler: (request) => dashboards.orderCards(principalOf(request), request.params.dashboardId, request.payload.cardIds),
    }),
    moduleRoute<{ dashboardId: string; cardId: string }, unknown, { size: CardSize }>({
      method: 'PATCH',
      path: `${DASHBOARDS}/{dashboardId}/cards/{cardId}`,
      access: { permission: 'dashboards.edit' },
      options: {
        description: '调整大小 / Resize a card (S, M, L)',
        validate: { params: cardParams, payload: Joi.object({ size: sizeSchema.required() }).label('DashboardCardPatch') },
        response: { schema: cardSchema },
      },
      handler: (request) =>
        dashboards.resizeCard(principalOf(request), request.params.dashboardId, request.params.cardId, request.payload.size),
    }),
    moduleRoute<{ dashboardId: string; cardId: string }>({
      method: 'DELETE',
      path: `${DASHBOARDS}/{dashboardId}/cards/{cardId}`,
      access: { permission: 'dashboards.edit' },
      options: {
        description: '移除报表 / Take a card off the dashboard (the saved report stays)',
        validate: { params: cardParams },
      },
      handler: async (request, h) => {
        await dashboards.removeCard(principalOf(request), request.params.dashboardId, request.params.cardId);
        return h.response().code(204);
      },
    }),
    moduleRoute<{ dashboardId: string; cardId: string }, unknown, { force: boolean; timeRange?: TimeRange }>({
      method: 'POST',
      path: `${DASHBOARDS}/{dashboardId}/cards/{cardId}/run`,
      access: { permission: 'dashboards.view' },
      options: {
        description:
          '查看卡片数据 / Run a card’s report: 强制刷新 (force) and a temporary time range (ignored by models without one); 403 无权限',
        validate: { params: cardParams, payload: runOptionsSchema },
        response: { schema: reportResultSchema },
      },
      handler: (request) =>
        dashboards.runCard(principalOf(request), request.params.dashboardId, request.params.cardId, request.payload),
    }),

    // ---- preset dashboards ----
    moduleRoute({
      method: 'GET',
      path: '/api/v1/console/dashboard-presets',
      access: { permission: 'dashboards.view' },
      options: {
        description: '预置仪表盘 / The preset dashboards of the plugins enabled for the tenant',
        response: {
          schema: Joi.object({ items: Joi.array().items(presetSchema).label('DashboardPresetItems').required() }).label(
            'DashboardPresetList',
          ),
        },
      },
      handler: async (request) => ({ items: await dashboards.presets(principalOf(request).tenantId) }),
    }),
    moduleRoute<unknown, unknown, { presetId: string; folderId: string }>({
      method: 'POST',
      path: '/api/v1/console/dashboard-presets/install',
      access: { permission: 'dashboards.edit' },
      options: {
        description:
          '添加预置仪表盘 / Install a preset into a folder: its reports saved, on dashboards of at most the cards quota each; all or nothing (409 report_quota_exceeded, dashboard_quota_exceeded)',
        validate: {
          payload: Joi.object({ presetId: Joi.string().max(100).required(), folderId: id().required() }).label(
            'DashboardPresetInstall',
          ),
        },
        response: {
          status: {
            201: Joi.object({
              dashboards: Joi.array().items(summarySchema).label('DashboardPresetDashboards').required(),
              reports: Joi.number().integer().required(),
            }).label('DashboardPresetInstallation'),
          },
        },
      },
      handler: async (request, h) =>
        h.response(await dashboards.installPreset(principalOf(request), request.payload, localeOf(request))).code(201),
    }),
  ];
}
