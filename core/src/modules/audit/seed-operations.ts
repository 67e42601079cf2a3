import type { OperationObjectTypeDefinition, OperationTypeDefinition } from '../../kernel/contributions.js';

/**
 * The operations the operation log records, as the seed lists them (§1.11.4.8 支持操作列表) plus
 * SPEC's custom-channel data delete — declared here as data, so the console's filter lists every
 * one of them from the start. The module that performs an operation records it
 * (`OperationLogService.record`); modules and plugins add operations of their own through
 * `auditExtensionPoint`.
 */
export const seedObjectTypes: OperationObjectTypeDefinition[] = [
  { objectType: 'staff', label: { 'zh-CN': '员工', 'en-US': 'Staff' } },
  { objectType: 'role', label: { 'zh-CN': '角色', 'en-US': 'Role' } },
  { objectType: 'channel', label: { 'zh-CN': '连接', 'en-US': 'Connection' } },
  { objectType: 'journey', label: { 'zh-CN': '客户旅程', 'en-US': 'Journey' } },
  { objectType: 'contact', label: { 'zh-CN': '用户', 'en-US': 'User' } },
];

const op = (objectType: string, operation: string, zh: string, en: string): OperationTypeDefinition => ({
  objectType,
  operation,
  label: { 'zh-CN': zh, 'en-US': en },
});

export const seedOperations: OperationTypeDefinition[] = [
  // 员工: 新建、编辑、删除、启用、停用; 登录、修改密码
  op('staff', 'create', '新建', 'Create'),
  op('staff', 'edit', '编辑', 'Edit'),
  op('staff', 'delete', '删除', 'Delete'),
  op('staff', 'enable', '启用', 'Enable'),
  op('staff', 'disable', '停用', 'Disable'),
  op('staff', 'login', '登录', 'Sign in'),
  op('staff', 'changePassword', '修改密码', 'Change password'),
  // 角色: 新建、编辑、删除、启用、停用; 添加员工、删除员工
  op('role', 'create', '新建', 'Create'),
  op('role', 'edit', '编辑', 'Edit'),
  op('role', 'delete', '删除', 'Delete'),
  op('role', 'enable', '启用', 'Enable'),
  op('role', 'disable', '停用', 'Disable'),
  op('role', 'addStaff', '添加员工', 'Add staff'),
  op('role', 'removeStaff', '删除员工', 'Remove staff'),
  // 连接: 新建、删除
  op('channel', 'create', '新建', 'Create'),
  op('channel', 'delete', '删除', 'Delete'),
  // 客户旅程: 新建、编辑、删除、发布、停止
  op('journey', 'create', '新建', 'Create'),
  op('journey', 'edit', '编辑', 'Edit'),
  op('journey', 'delete', '删除', 'Delete'),
  op('journey', 'publish', '发布', 'Publish'),
  op('journey', 'stop', '停止', 'Stop'),
  // 用户: 新建、编辑; 删除微信GDPR数据; 合并; 导入、导出 (+ SPEC: 删除自定义渠道用户数据)
  op('contact', 'create', '新建', 'Create'),
  op('contact', 'edit', '编辑', 'Edit'),
  op('contact', 'wechatGdprDelete', '删除微信GDPR数据', 'Delete WeChat GDPR data'),
  op('contact', 'customChannelDataDelete', '删除自定义渠道用户数据', 'Delete custom channel user data'),
  op('contact', 'merge', '合并', 'Merge'),
  op('contact', 'import', '导入', 'Import'),
  op('contact', 'export', '导出', 'Export'),
];
