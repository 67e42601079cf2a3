/**
 * Stable error codes and their operator-facing messages — the one catalogue: the server answers
 * them by Accept-Language and the console builds its `errors.<code>` i18n texts from them
 * (published as `@huiliu/core/messages`). A code is snake_case so it can be an i18n key. Messages
 * may interpolate `{name}` parameters (the console converts them to i18next's `{{name}}`).
 *
 * Keep this module free of imports: the console bundles it for the browser.
 */
export type Locale = 'zh-CN' | 'en-US';
export const locales: readonly Locale[] = ['zh-CN', 'en-US'];
export const defaultLocale: Locale = 'zh-CN';

export const errorMessages = {
  validation_failed: {
    'zh-CN': '请求参数不正确，请检查后重试',
    'en-US': 'Some values in the request are not valid; check them and try again',
  },
  invalid_json: { 'zh-CN': '请求体不是合法的 JSON', 'en-US': 'The request body is not valid JSON' },
  payload_too_large: { 'zh-CN': '提交的内容过大', 'en-US': 'The request body is too large' },
  unsupported_media_type: { 'zh-CN': '不支持的内容类型', 'en-US': 'Unsupported content type' },
  not_found: { 'zh-CN': '请求的内容不存在', 'en-US': 'The requested item does not exist' },
  route_not_found: { 'zh-CN': '接口不存在', 'en-US': 'No such API route' },
  method_not_allowed: { 'zh-CN': '不支持该请求方法', 'en-US': 'Method not allowed' },
  unauthenticated: {
    'zh-CN': '未登录或登录已失效，请重新登录',
    'en-US': 'You are not signed in or your session has expired; sign in again',
  },
  forbidden: { 'zh-CN': '没有权限执行此操作', 'en-US': 'You do not have permission to do this' },
  csrf_token_invalid: {
    'zh-CN': '页面已过期，请刷新页面后重试',
    'en-US': 'This page has expired; reload it and try again',
  },
  internal_error: { 'zh-CN': '服务器内部错误，请稍后重试', 'en-US': 'Internal server error; try again later' },
  too_many_requests: { 'zh-CN': '请求过于频繁，请稍后再试', 'en-US': 'Too many requests; try again later' },
  database_unavailable: {
    'zh-CN': '数据库暂时无法访问，请稍后重试',
    'en-US': 'The database is temporarily unavailable; try again shortly',
  },
  server_busy: { 'zh-CN': '服务器繁忙，请稍后重试', 'en-US': 'The server is busy; try again shortly' },
  content_type_required: {
    'zh-CN': '请求体需要 Content-Type 请求头（如 application/json）',
    'en-US': 'A request body needs a Content-Type header (such as application/json)',
  },
  console_only_route: {
    'zh-CN': '该接口仅供控制台登录使用，Open API 的 access token 不能调用',
    'en-US': 'This route is for console sessions only; Open API access tokens cannot call it',
  },
  origin_not_allowed: {
    'zh-CN': '请求来源不被允许，请从控制台页面登录',
    'en-US': 'Requests from this origin are not allowed; sign in from the console',
  },
  current_password_wrong: { 'zh-CN': '当前密码不正确', 'en-US': 'The current password is wrong' },
  too_many_login_attempts: {
    'zh-CN': '登录失败次数过多，请 {minutes} 分钟后再试',
    'en-US': 'Too many failed sign-ins; try again in {minutes} minutes',
  },
  setup_token_invalid: {
    'zh-CN': '初始化令牌不正确，请核对服务启动日志中打印的令牌',
    'en-US': 'The setup token is wrong; use the token printed in the server log',
  },
  setup_already_done: {
    'zh-CN': '系统已完成初始化，请直接登录',
    'en-US': 'Setup is already done; sign in instead',
  },
  email_taken: { 'zh-CN': '该邮箱已被使用', 'en-US': 'This email is already in use' },
  invalid_credentials: { 'zh-CN': '邮箱或密码错误', 'en-US': 'Wrong email or password' },
  staff_disabled: {
    'zh-CN': '该账号已被停用，请联系高级员工',
    'en-US': 'This account is disabled; contact your super staff',
  },
  staff_not_found: { 'zh-CN': '员工不存在', 'en-US': 'Staff member not found' },
  super_staff_protected: {
    'zh-CN': '高级员工由系统开通，不能在这里修改、停用或删除',
    'en-US': 'Super staff are provisioned with the tenant and cannot be changed, disabled or deleted here',
  },
  staff_self_protected: {
    'zh-CN': '不能停用或删除自己的账号',
    'en-US': 'You cannot disable or delete your own account',
  },
  role_not_found: { 'zh-CN': '角色不存在', 'en-US': 'Role not found' },
  staff_role_required: { 'zh-CN': '请为员工选择至少一个角色', 'en-US': 'Choose at least one role for the staff member' },
  staff_roles_too_many: { 'zh-CN': '一名员工最多可以有 {max} 个角色', 'en-US': 'A staff member can have at most {max} roles' },
  staff_last_role: {
    'zh-CN': '员工 {staffId} 只有这一个角色：请先为其添加其他角色再移出',
    'en-US': 'Staff member {staffId} has no other role: give them another role before removing this one',
  },
  role_name_taken: { 'zh-CN': '已有同名角色', 'en-US': 'A role with this name already exists' },
  permission_unknown: { 'zh-CN': '权限 {permission} 不存在', 'en-US': 'Unknown permission {permission}' },
  permission_not_assignable: {
    'zh-CN': '权限 {permission} 不能分配给角色（仅限高级员工、未开通的功能或默认权限）',
    'en-US': 'Permission {permission} cannot be given to a role (super staff only, or a feature the tenant has not enabled)',
  },
  mfa_code_invalid: {
    'zh-CN': '验证码不正确或已使用，请输入身份验证器中当前的 6 位验证码',
    'en-US': 'The code is wrong or already used; enter the current 6-digit code of your authenticator app',
  },
  mfa_challenge_invalid: {
    'zh-CN': '验证已过期或失败次数过多，请重新登录',
    'en-US': 'This verification has expired or failed too often; sign in again',
  },
  mfa_not_bound: {
    'zh-CN': '尚未绑定多因素验证设备',
    'en-US': 'No multi-factor authentication device is bound yet',
  },
  // 部门与数据权限 (§1.11.4.5.5, ADR 0023)
  department_not_found: { 'zh-CN': '部门不存在或已被删除', 'en-US': 'The department does not exist or was deleted' },
  department_name_taken: {
    'zh-CN': '同级已有名为「{name}」的部门',
    'en-US': 'A department named "{name}" already exists at this level',
  },
  department_cycle: {
    'zh-CN': '不能把部门移到它自己或它的子部门下',
    'en-US': 'A department cannot be moved under itself or one of its sub-departments',
  },
  department_limit_reached: {
    'zh-CN': '部门数量已达上限（{limit} 个）',
    'en-US': 'The tenant already has the maximum of {limit} departments',
  },
  department_has_children: {
    'zh-CN': '该部门下还有子部门，请先删除或移走子部门',
    'en-US': 'The department still has sub-departments; delete or move them first',
  },
  department_has_staff: {
    'zh-CN': '该部门下还有员工，请先把员工分配到其他部门',
    'en-US': 'The department still has staff members; assign them to another department first',
  },
  department_in_use: {
    'zh-CN': '仍有业务对象（仪表盘、客户旅程、报表等）属于该部门，请先更改它们的所属部门',
    'en-US': 'Business objects (dashboards, journeys, reports…) still belong to this department; change their department first',
  },
  department_org_disabled: {
    'zh-CN': '未开启组织架构，无法更改所属部门',
    'en-US': 'The organisation structure is off, so departments of objects cannot be changed',
  },
  department_set_by_folder: {
    'zh-CN': '所在文件夹已分配所属部门，不可单独更改其中对象的所属部门',
    'en-US': 'Its folder has a department; an object in it cannot get another one',
  },
  department_set_by_parent_folder: {
    'zh-CN': '父文件夹已分配所属部门，不可更改子文件夹的所属部门',
    'en-US': 'The parent folder has a department; the sub-folder cannot get another one',
  },
  department_outside_own: {
    'zh-CN': '仅可更改为您所在的部门或其下的子部门',
    'en-US': 'You can choose only your own department or one below it',
  },
  department_no_access: {
    'zh-CN': '无权限：该内容属于其他部门',
    'en-US': 'No permission: this belongs to another department',
  },
  password_too_weak: {
    'zh-CN': '密码至少 {min} 位，且需同时包含字母和数字',
    'en-US': 'The password needs at least {min} characters with letters and digits',
  },
  password_reset_token_invalid: {
    'zh-CN': '重置链接无效或已过期，请重新申请重置密码',
    'en-US': 'This reset link is invalid or has expired; ask for a new one',
  },
  mail_send_failed: {
    'zh-CN': '邮件发送失败，请检查 SMTP 配置或稍后重试',
    'en-US': 'The mail could not be sent; check the SMTP settings or try again later',
  },
  tenant_not_found: { 'zh-CN': '租户不存在', 'en-US': 'Tenant not found' },
  time_zone_invalid: { 'zh-CN': '时区 {timeZone} 不存在', 'en-US': 'Unknown time zone {timeZone}' },
  time_zone_locked: {
    'zh-CN': '租户已收到事件数据，时区不可再修改',
    'en-US': 'The tenant has received events; its time zone can no longer change',
  },
  channel_type_unknown: { 'zh-CN': '渠道类型 {type} 不存在', 'en-US': 'Unknown channel type {type}' },
  channel_type_not_manual: {
    'zh-CN': '{type} 类型的连接不能手动创建，请通过授权流程接入',
    'en-US': 'Channels of type {type} cannot be created by hand; connect them through their authorization flow',
  },
  channel_key_required: { 'zh-CN': '请填写 {label}', 'en-US': '{label} is required' },
  channel_key_taken: {
    'zh-CN': '{label} {key} 已被本租户的其他连接使用',
    'en-US': '{label} {key} is already used by another channel of this tenant',
  },
  channel_not_found: { 'zh-CN': '连接不存在或已被删除', 'en-US': 'The channel does not exist or was deleted' },
  olap_declaration_invalid: { 'zh-CN': '分析库结构声明不正确', 'en-US': 'The analytics schema declaration is invalid' },
  olap_batch_invalid: { 'zh-CN': '写入分析库的数据批次不正确', 'en-US': 'The analytics load batch is invalid' },
  olap_argument_invalid: { 'zh-CN': '分析库请求参数不正确', 'en-US': 'Invalid analytics request' },
  olap_schema_conflict: { 'zh-CN': '字段 {columns} 的类型不能修改', 'en-US': 'The type of {columns} cannot change' },
  olap_tenant_not_declared: { 'zh-CN': '该租户的分析库尚未初始化', 'en-US': 'This tenant’s analytics store is not set up yet' },
  olap_query_timeout: {
    'zh-CN': '查询超过 {seconds} 秒，已中止',
    'en-US': 'The query ran longer than {seconds} s and was stopped',
  },
  olap_closed: { 'zh-CN': '分析库已关闭', 'en-US': 'The analytics store is closed' },
  olap_already_open: { 'zh-CN': '分析库文件已被本进程打开', 'en-US': 'The analytics store file is already open in this process' },
  olap_sql_invalid: {
    'zh-CN': 'SQL 必须是一条能解析的 SELECT 查询（{name}）',
    'en-US': 'The SQL must be a single SELECT query that parses ({name})',
  },
  olap_sql_refused: {
    'zh-CN': 'SQL 不能使用 {name}：只能查询分析库的逻辑关系和它自己定义的 CTE',
    'en-US': 'The SQL may not use {name}: it may read only the analytics relations and its own CTEs',
  },
  olap_busy: { 'zh-CN': '分析库写入繁忙，请稍后重试', 'en-US': 'The analytics store is busy writing; try again shortly' },
  condition_invalid: {
    'zh-CN': '筛选条件有 {count} 处错误，请修改后重试',
    'en-US': 'The conditions have {count} problem(s); fix them and try again',
  },
  condition_contact_ids_invalid: { 'zh-CN': '联系人 ID 不正确', 'en-US': 'A contact id is not valid' },
  condition_virtual_event_invalid: {
    'zh-CN': '虚拟事件的定义已失效（其成员事件的筛选条件不再成立），请在元数据管理中修改该虚拟事件',
    'en-US':
      'The virtual event’s definition is no longer valid (a member event’s filter no longer holds); edit it in metadata management',
  },
  condition_measure_unsatisfiable: {
    'zh-CN': '「做过」表示至少一次，次数不可能为 0；要筛选没做过的用户，请选择「未做过」',
    'en-US': '"Did" means at least once, so the count cannot be 0; use "did not" for contacts who never did it',
  },
  condition_malformed: { 'zh-CN': '条件格式不正确', 'en-US': 'This condition is not well-formed' },
  condition_nesting_too_deep: {
    'zh-CN': '条件最多支持两层嵌套',
    'en-US': 'Conditions nest at most two levels deep',
  },
  condition_group_empty: { 'zh-CN': '条件组中至少需要一个条件', 'en-US': 'A condition group needs at least one condition' },
  condition_too_large: {
    'zh-CN': '条件过多或取值过长（最多 100 个条件，每个条件最多 500 个值）',
    'en-US': 'Too many conditions or values (at most 100 conditions and 500 values per condition)',
  },
  condition_property_unknown: { 'zh-CN': '用户属性不存在', 'en-US': 'No such contact property' },
  condition_event_unknown: { 'zh-CN': '事件不存在', 'en-US': 'No such event' },
  condition_event_property_unknown: { 'zh-CN': '该事件没有这个属性', 'en-US': 'The event has no such property' },
  condition_group_unknown: { 'zh-CN': '用户群组不存在', 'en-US': 'No such user group' },
  condition_tag_unknown: { 'zh-CN': '用户标签不存在', 'en-US': 'No such user tag' },
  condition_operator_invalid: {
    'zh-CN': '该属性类型不支持此判断类型',
    'en-US': 'This operator does not apply to the property’s type',
  },
  condition_value_type_invalid: { 'zh-CN': '取值的类型不正确', 'en-US': 'The value has the wrong type' },
  condition_values_empty: { 'zh-CN': '请填写取值', 'en-US': 'Enter a value' },
  condition_values_count: {
    'zh-CN': '取值个数不正确（区间需要两个值）',
    'en-US': 'Wrong number of values (a range takes two)',
  },
  condition_range_reversed: {
    'zh-CN': '区间的起点不能大于终点',
    'en-US': 'The start of the range is after its end',
  },
  condition_range_invalid: {
    'zh-CN': '相对时间的天数不正确',
    'en-US': 'The number of days of the relative time is out of range',
  },
  condition_aggregate_property_required: {
    'zh-CN': '请选择要统计的事件属性',
    'en-US': 'Choose the event property to aggregate',
  },
  condition_aggregate_invalid: {
    'zh-CN': '该属性不能做此统计（求和、均值、最大值、最小值需要数值属性）',
    'en-US': 'This aggregate does not apply (sum, average, max and min need a numeric property)',
  },
  task_not_found: { 'zh-CN': '任务不存在', 'en-US': 'Task not found' },
  notification_not_found: { 'zh-CN': '通知不存在', 'en-US': 'Notification not found' },
  file_not_found: { 'zh-CN': '文件不存在', 'en-US': 'File not found' },
  file_expired: {
    'zh-CN': '文件已过期（导出文件保留 3 天），请重新导出',
    'en-US': 'The file has expired (exports are kept 3 days); export again',
  },
  task_lease_expired: {
    'zh-CN': '执行任务的进程中途退出，任务已失败，请重新提交',
    'en-US': 'The process running the task stopped; the task failed, submit it again',
  },
  task_running: {
    'zh-CN': '已有同类任务正在进行，请等待其完成',
    'en-US': 'A task of this kind is already running; wait for it to finish',
  },
  app_not_found: { 'zh-CN': '应用不存在或已被删除', 'en-US': 'The app does not exist or was deleted' },
  app_credentials_invalid: {
    'zh-CN': 'appKey 或 appSecret 不正确',
    'en-US': 'Wrong appKey or appSecret',
  },
  app_disabled: { 'zh-CN': '该应用已停用', 'en-US': 'This app is disabled' },
  token_invalid: {
    'zh-CN': 'access token 无效或已过期',
    'en-US': 'The access token is invalid or expired',
  },
  // ---- metadata (元数据管理, §1.10) ----
  metadata_contact_field_not_found: { 'zh-CN': '自定义字段不存在', 'en-US': 'The custom field does not exist' },
  metadata_contact_field_undeletable: {
    'zh-CN': '自定义字段创建后无法删除',
    'en-US': 'Custom fields cannot be deleted once created',
  },
  metadata_contact_field_limit: {
    'zh-CN': '自定义字段最多 {limit} 个',
    'en-US': 'A tenant can have at most {limit} custom fields',
  },
  metadata_anniversary_limit: {
    'zh-CN': '自定义字段中最多能创建 {limit} 个纪念日类型的字段',
    'en-US': 'At most {limit} custom fields can be anniversaries',
  },
  metadata_name_taken: { 'zh-CN': '名称「{name}」已被使用', 'en-US': 'The name "{name}" is already used' },
  metadata_busy: {
    'zh-CN': '有其他修改同时进行，请重试',
    'en-US': 'Another change was made at the same time; try again',
  },
  metadata_type_immutable: { 'zh-CN': '数据类型保存后不可更改', 'en-US': 'The type cannot be changed once saved' },
  metadata_id_immutable: { 'zh-CN': 'ID 保存后不可编辑', 'en-US': 'The ID cannot be changed once saved' },
  metadata_id_invalid: {
    'zh-CN': 'ID 须为合法的变量名：只包含大小写字母、数字、下划线，不以数字开头，最多 {max} 个字符',
    'en-US':
      'The ID must be a legal variable name: letters, digits and underscores, not starting with a digit, at most {max} characters',
  },
  metadata_id_taken: { 'zh-CN': 'ID「{id}」已存在', 'en-US': 'The ID "{id}" already exists' },
  metadata_id_case_conflict: {
    'zh-CN': '已存在仅大小写不同的 ID「{id}」',
    'en-US': 'The ID "{id}" already exists, differing only in case',
  },
  metadata_duplicate: { 'zh-CN': '「{id}」重复', 'en-US': '"{id}" is listed twice' },
  metadata_property_id_reserved: {
    'zh-CN': '自定义属性 ID 不可以 s_ 开头',
    'en-US': 'A custom property ID cannot start with s_',
  },
  metadata_property_not_found: { 'zh-CN': '事件属性不存在', 'en-US': 'The event property does not exist' },
  metadata_property_not_custom: {
    'zh-CN': '预置属性不可更改或删除',
    'en-US': 'Preset properties cannot be changed or deleted',
  },
  metadata_property_limit: {
    'zh-CN': '自定义属性最多 {limit} 个',
    'en-US': 'A tenant can have at most {limit} custom properties',
  },
  metadata_property_attached: {
    'zh-CN': '该属性是事件的扩展属性（{events}），不可删除',
    'en-US': 'The property is an extended property of events ({events}) and cannot be deleted',
  },
  metadata_property_linked: {
    'zh-CN': '该属性关联了「{table}」，不可删除',
    'en-US': 'The property is linked to "{table}" and cannot be deleted',
  },
  metadata_property_has_data: {
    'zh-CN': '已有事件数据包含此属性，不可删除',
    'en-US': 'Events carrying this property have arrived; it cannot be deleted',
  },
  metadata_property_type_mismatch: {
    'zh-CN': '属性「{id}」已存在，类型为 {type}',
    'en-US': 'The property "{id}" already exists with the type {type}',
  },
  metadata_property_unknown: { 'zh-CN': '预置属性「{id}」不存在', 'en-US': 'There is no preset property "{id}"' },
  metadata_property_name_required: { 'zh-CN': '请输入属性显示名', 'en-US': 'Enter the property’s display name' },
  metadata_property_type_required: { 'zh-CN': '请选择数据类型', 'en-US': 'Choose the data type' },
  metadata_event_not_found: { 'zh-CN': '自定义事件不存在', 'en-US': 'The custom event does not exist' },
  metadata_event_unknown: { 'zh-CN': '事件不存在', 'en-US': 'There is no such event' },
  metadata_event_limit: {
    'zh-CN': '自定义事件最多 {limit} 个',
    'en-US': 'A tenant can have at most {limit} custom events',
  },
  metadata_event_property_limit: {
    'zh-CN': '一个事件最多 {limit} 个扩展属性',
    'en-US': 'An event can have at most {limit} extended properties',
  },
  metadata_sub_event_limit: {
    'zh-CN': '一个事件最多 {limit} 个子事件',
    'en-US': 'An event can have at most {limit} sub-events',
  },
  metadata_event_channel_not_found: { 'zh-CN': '所属连接不存在', 'en-US': 'The owning connection does not exist' },
  metadata_event_channel_invalid: {
    'zh-CN': '只有自定义渠道和小程序连接可以创建自定义事件',
    'en-US': 'Only custom channels and mini-programs can own custom events',
  },
  metadata_event_channel_immutable: {
    'zh-CN': '所属连接不可编辑',
    'en-US': 'The owning connection cannot be changed',
  },
  metadata_sub_event_removed: {
    'zh-CN': '已添加的子事件「{id}」不可删除',
    'en-US': 'The sub-event "{id}" cannot be removed once added',
  },
  metadata_event_property_removed: {
    'zh-CN': '已添加的扩展属性「{id}」不可删除',
    'en-US': 'The extended property "{id}" cannot be removed once added',
  },
  metadata_event_has_data: {
    'zh-CN': '事件「{id}」已有行为数据进入系统，不可删除',
    'en-US': 'Data for the event "{id}" has arrived; it cannot be deleted',
  },
  metadata_event_in_virtual_event: {
    'zh-CN': '虚拟事件「{name}」使用了这个事件，请先修改或删除虚拟事件',
    'en-US': 'The virtual event "{name}" uses this event; change or delete it first',
  },
  metadata_virtual_event_not_found: { 'zh-CN': '虚拟事件不存在', 'en-US': 'The virtual event does not exist' },
  metadata_virtual_event_invalid: {
    'zh-CN': '虚拟事件的构成事件有 {count} 处问题',
    'en-US': 'The virtual event’s member events have {count} problems',
  },
  metadata_virtual_event_limit: {
    'zh-CN': '虚拟事件最多 {limit} 个',
    'en-US': 'A tenant can have at most {limit} virtual events',
  },
  // 字典表 (§1.10.12)
  metadata_dictionary_not_found: { 'zh-CN': '字典表不存在', 'en-US': 'The dictionary does not exist' },
  metadata_dictionary_property_invalid: {
    'zh-CN': '属性「{property}」不存在或不是字符串类型，不能上传字典表',
    'en-US': 'The property "{property}" does not exist or is not a string; it cannot have a dictionary',
  },
  metadata_dictionary_invalid: {
    'zh-CN': '字典表文件有 {count} 行有问题，未导入任何内容（原字典表保持不变）',
    'en-US': 'The dictionary file has {count} bad rows; nothing was imported (the previous dictionary is kept)',
  },
  metadata_dictionary_header_invalid: {
    'zh-CN': '第一行须为表头 value,label（或 值,描述）',
    'en-US': 'The first line must be the header value,label (or 值,描述)',
  },
  metadata_dictionary_column_count: {
    'zh-CN': '每行须恰好两列：值和描述',
    'en-US': 'Each row needs exactly two columns: the value and its label',
  },
  metadata_dictionary_value_empty: { 'zh-CN': '值不能为空', 'en-US': 'The value is empty' },
  metadata_dictionary_label_empty: { 'zh-CN': '描述不能为空', 'en-US': 'The label is empty' },
  metadata_dictionary_value_too_long: {
    'zh-CN': '值最多 191 个字符',
    'en-US': 'A value can have at most 191 characters',
  },
  metadata_dictionary_label_too_long: {
    'zh-CN': '描述最多 255 个字符',
    'en-US': 'A label can have at most 255 characters',
  },
  metadata_dictionary_value_duplicate: {
    'zh-CN': '值与前面的行重复',
    'en-US': 'The value repeats an earlier row',
  },
  metadata_dictionary_empty: { 'zh-CN': '字典表文件没有数据行', 'en-US': 'The dictionary file has no rows' },
  metadata_dictionary_too_many_rows: {
    'zh-CN': '字典表最多 {limit} 行',
    'en-US': 'A dictionary can have at most {limit} rows',
  },
  metadata_file_required: { 'zh-CN': '请选择要上传的文件', 'en-US': 'Choose a file to upload' },
  metadata_csv_encoding_invalid: {
    'zh-CN': '文件须为 UTF-8 编码的 CSV（可在 Excel 中另存为「CSV UTF-8」）',
    'en-US': 'The file must be a UTF-8 CSV (in Excel, save as "CSV UTF-8")',
  },
  metadata_csv_malformed: {
    'zh-CN': 'CSV 格式错误（如引号未闭合）',
    'en-US': 'The CSV is malformed (e.g. an unclosed quote)',
  },
  // 维度表 (§1.10.13)
  metadata_dimension_not_found: { 'zh-CN': '维度表不存在', 'en-US': 'The dimension table does not exist' },
  metadata_dimension_id_reserved: {
    'zh-CN': '维度表 ID 不可以 s_ 开头',
    'en-US': 'A dimension table ID cannot start with s_',
  },
  metadata_dimension_limit: {
    'zh-CN': '维度表最多 {limit} 个',
    'en-US': 'A tenant can have at most {limit} dimension tables',
  },
  metadata_dimension_property_unknown: {
    'zh-CN': '关联属性「{property}」不存在',
    'en-US': 'The linked property "{property}" does not exist',
  },
  metadata_property_has_dimension: {
    'zh-CN': '属性「{property}」已关联维度表「{table}」，一个属性只能关联一个维度表',
    'en-US': 'The property "{property}" is already linked to the dimension table "{table}"; a property links one table at most',
  },
  metadata_dimension_primary_field_unknown: {
    'zh-CN': '主键须为维度表的字段之一',
    'en-US': 'The primary key must be one of the table’s fields',
  },
  metadata_dimension_key_type_mismatch: {
    'zh-CN': '主键的类型与关联属性的类型（{type}）不匹配',
    'en-US': 'The primary key’s type does not match the linked property’s type ({type})',
  },
  metadata_dimension_field_removed: {
    'zh-CN': '已添加的字段「{id}」不可删除',
    'en-US': 'The field "{id}" cannot be removed once added',
  },
  metadata_dimension_field_limit: {
    'zh-CN': '一个维度表最多 {limit} 个字段',
    'en-US': 'A dimension table can have at most {limit} fields',
  },
  metadata_dimension_has_data: {
    'zh-CN': '维度表已有数据，主键不可修改；请先清空维度表',
    'en-US': 'The table holds data, so its primary key cannot change; clear the table first',
  },
  metadata_dimension_clearing: {
    'zh-CN': '维度表正在清空，请等清空完成后再操作',
    'en-US': 'The table is being cleared; try again once the clearing has finished',
  },
  metadata_dimension_loading: {
    'zh-CN': '维度表正在导入数据，请等导入完成后再操作',
    'en-US': 'Data is being loaded into the table; try again once the load has finished',
  },
  metadata_dimension_header_missing: {
    'zh-CN': '文件第一行须为字段 ID 组成的表头',
    'en-US': 'The first line of the file must be a header of field IDs',
  },
  metadata_dimension_column_unknown: {
    'zh-CN': '表头中的列「{column}」不是维度表的字段',
    'en-US': 'The header column "{column}" is not a field of the table',
  },
  metadata_dimension_key_column_missing: {
    'zh-CN': '表头缺少主键列「{column}」',
    'en-US': 'The header lacks the primary key column "{column}"',
  },
  metadata_dimension_key_empty: { 'zh-CN': '主键为空', 'en-US': 'The primary key is empty' },
  metadata_dimension_value_invalid: {
    'zh-CN': '值与字段类型不符',
    'en-US': 'The value does not match the field’s type',
  },
  // ---- ingestion (collect API, Open API identify and track, 数据质量) ----
  write_key_invalid: {
    'zh-CN': 'writeKey 无效或已重新生成，请在连接的应用页面复制最新的 writeKey',
    'en-US': 'The writeKey is unknown or was regenerated; copy the current one from the app page of the connection',
  },
  message_too_large: {
    'zh-CN': '单条消息不能超过 {limit} KB',
    'en-US': 'A message may not exceed {limit} KB',
  },
  message_too_deep: {
    'zh-CN': '消息的嵌套不能超过 {limit} 层',
    'en-US': 'A message may not nest deeper than {limit} levels',
  },
  request_too_large: {
    'zh-CN': '一个请求的消息（批量的顶层 context 合并进每一条之后）合计不能超过 {limit} KB',
    'en-US': 'The messages of one request may not exceed {limit} KB in all, counting the batch’s top-level context in every item',
  },
  ingest_busy: {
    'zh-CN': '数据接收繁忙，请稍后重试（数据未丢失，请按 Retry-After 重发）',
    'en-US': 'Ingestion is busy; resend after the Retry-After delay (nothing was stored)',
  },
  contact_invalid: {
    'zh-CN': '联系人数据不正确，请按字段提示修改',
    'en-US': 'Some contact values are not valid; see the field details',
  },
  contact_value_invalid: { 'zh-CN': '该字段需要字符串', 'en-US': 'This field takes a string' },
  contact_value_too_long: { 'zh-CN': '该字段的值过长', 'en-US': 'This value is too long' },
  contact_gender_invalid: {
    'zh-CN': '性别只接受 male、female、unknown',
    'en-US': 'Gender takes only male, female or unknown',
  },
  contact_birthday_invalid: {
    'zh-CN': '生日格式为 YYYY-MM-DD，如 1990-10-01',
    'en-US': 'A birthday is YYYY-MM-DD, such as 1990-10-01',
  },
  contact_birthday_readonly: {
    'zh-CN': 'Open API 不能更新生日（SDK 可以）',
    'en-US': 'The Open API cannot update the birthday (the SDKs can)',
  },
  contact_attribute_unknown: {
    'zh-CN': '没有这个自定义字段（自定义字段以 attr1、attr2… 传入，见 设置 → 自定义字段）',
    'en-US': 'No such custom field (custom fields are attr1, attr2…; see Settings → Custom fields)',
  },
  contact_attribute_invalid: {
    'zh-CN': '值与自定义字段的类型不符',
    'en-US': 'The value does not match the custom field’s type',
  },
  contact_field_unknown: { 'zh-CN': '不是联系人的字段', 'en-US': 'Not a field of a contact' },
  contact_field_readonly: {
    'zh-CN': '该字段只读，不能通过更新联系人修改',
    'en-US': 'This field is read-only; an update cannot set it',
  },
  contact_not_found: { 'zh-CN': '联系人不存在', 'en-US': 'Contact not found' },
  cursor_invalid: {
    'zh-CN': '分页游标无效：请原样传回上一页返回的 nextCursor',
    'en-US': 'The page cursor is not valid; pass back the nextCursor of the previous page unchanged',
  },
  contact_external_id_invalid: {
    'zh-CN': 'externalId 不能为空（首尾空格不计）',
    'en-US': 'The externalId may not be blank (surrounding spaces do not count)',
  },
  event_time_invalid: {
    'zh-CN': '时间格式应为带时区的 ISO 8601（如 2026-12-03T10:00:00+08:00）或毫秒时间戳',
    'en-US': 'A time is ISO 8601 with an offset (such as 2026-12-03T10:00:00+08:00) or epoch milliseconds',
  },
  event_time_out_of_range: {
    'zh-CN': '时间超出可接收的范围（两年前至接收后 10 分钟）',
    'en-US': 'The time is out of the accepted range (2 years ago to 10 minutes after receipt)',
  },
  quarantine_message_not_found: {
    'zh-CN': '隔离的消息不存在或已过期',
    'en-US': 'The quarantined message does not exist or has expired',
  },
  contact_external_id_blocked: {
    'zh-CN': 'externalId 是过滤值（如 null、undefined、1），不能识别任何人',
    'en-US': 'The externalId is a blocked value (such as null, undefined, 1) that identifies no one',
  },
  wechat_account_not_bound: {
    'zh-CN': 'weChatInfo 中的公众号 AppID {appId} 未绑定到本租户',
    'en-US': 'The official account AppID {appId} in weChatInfo is not bound to this tenant',
  },
  merge_candidate_not_found: {
    'zh-CN': '合并候选不存在',
    'en-US': 'The merge candidate does not exist',
  },
  merge_candidate_decided: {
    'zh-CN': '该合并候选已处理（{status}）',
    'en-US': 'The merge candidate was already decided ({status})',
  },
  merge_contact_missing: {
    'zh-CN': '要合并的联系人已不存在（可能已被删除）',
    'en-US': 'A contact to merge no longer exists (it may have been deleted)',
  },
  identity_blocked_values_invalid: {
    'zh-CN': '过滤值最多 {max} 个，每个 1 到 {length} 个字符，且不能重复',
    'en-US': 'At most {max} blocked values of 1 to {length} characters each, without repeats',
  },
  masking_field_not_found: { 'zh-CN': '联系人字段不存在', 'en-US': 'The contact field does not exist' },
  masking_public_key_required: {
    'zh-CN': '开启手机号 RSA 加密需要填写 RSA 公钥',
    'en-US': 'RSA-encrypted mobiles need the RSA public key',
  },
  masking_public_key_invalid: {
    'zh-CN': '不是有效的 RSA 公钥（PEM 格式，BEGIN PUBLIC KEY 或 BEGIN RSA PUBLIC KEY）',
    'en-US': 'Not a valid RSA public key (PEM: BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY)',
  },
  masking_public_key_size: {
    'zh-CN': 'RSA 公钥长度须在 {min} 到 {max} 位之间',
    'en-US': 'The RSA public key must have {min} to {max} bits',
  },
  masking_private_key_refused: {
    'zh-CN': '请只填写公钥：系统不保存私钥，也不解密手机号',
    'en-US': 'Enter the public key only: Huiliu keeps no private key and never decrypts mobiles',
  },
  operation_type_unknown: {
    'zh-CN': '操作日志中没有这种对象类型或操作：{name}',
    'en-US': 'The operation log has no such object type or operation: {name}',
  },
  operation_log_range_invalid: {
    'zh-CN': '开始时间不能晚于结束时间',
    'en-US': 'The start time must not be later than the end time',
  },
} as const satisfies Record<string, Record<Locale, string>>;

/** Core's own codes (autocompleted); plugins add theirs at registration (see registerErrorMessages). */
export type CoreErrorCode = keyof typeof errorMessages;
export type ErrorCode = CoreErrorCode | (string & {});

/** Codes contributed by plugins, with their owner. Process-wide: identical re-registration is a no-op. */
const pluginMessages = new Map<string, { pluginId: string; texts: Record<Locale, string> }>();

const isCoreCode = (code: string): code is CoreErrorCode => Object.prototype.hasOwnProperty.call(errorMessages, code);

/**
 * Adds a plugin's error messages. A plugin may not redefine a core code or another plugin's code;
 * codes are snake_case and need both languages.
 */
export function registerErrorMessages(pluginId: string, messages: Record<string, Record<Locale, string>>): void {
  for (const [code, texts] of Object.entries(messages)) {
    if (!/^[a-z]+(_[a-z0-9]+)*$/.test(code)) throw new Error(`error code "${code}" must be snake_case`);
    if (!texts?.['zh-CN'] || !texts['en-US']) throw new Error(`error code "${code}" needs a zh-CN and an en-US message`);
    if (isCoreCode(code)) throw new Error(`error code "${code}" is a core code`);
    const existing = pluginMessages.get(code);
    if (existing && (existing.pluginId !== pluginId || JSON.stringify(existing.texts) !== JSON.stringify(texts))) {
      throw new Error(`error code "${code}" is already registered by plugin "${existing.pluginId}"`);
    }
    pluginMessages.set(code, { pluginId, texts: { 'zh-CN': texts['zh-CN'], 'en-US': texts['en-US'] } });
  }
}

export function isErrorCode(code: string): boolean {
  return isCoreCode(code) || pluginMessages.has(code);
}

function templateOf(code: ErrorCode, locale: Locale): string {
  return isCoreCode(code) ? errorMessages[code][locale] : (pluginMessages.get(code)?.texts[locale] ?? code);
}

/** The `{name}` parameters a code's message interpolates (in either language). */
export function messageParams(code: ErrorCode): string[] {
  const names = locales.flatMap((locale) => [...templateOf(code, locale).matchAll(/\{(\w+)\}/g)].map((match) => match[1]!));
  return [...new Set(names)];
}

export function formatMessage(code: ErrorCode, locale: Locale, params: Record<string, unknown> = {}): string {
  return templateOf(code, locale).replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
