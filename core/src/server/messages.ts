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
  tenant_expiry_invalid: {
    'zh-CN': '到期日期 {expiresOn} 无效，应为 YYYY-MM-DD',
    'en-US': 'Invalid expiry date {expiresOn}: use YYYY-MM-DD',
  },
  home_display_event_invalid: {
    'zh-CN': '事件 {event} 不是可显示的主动事件',
    'en-US': 'Event {event} is not an outbound event that can be shown',
  },
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
  olap_unreachable: {
    'zh-CN': '无法连接分析库（StarRocks），请检查 HUILIU_OLAP_URL 与网络',
    'en-US': 'The analytics store (StarRocks) cannot be reached; check HUILIU_OLAP_URL and the network',
  },
  scaled_mode_needs_mysql: {
    'zh-CN': '扩展部署（设置了 HUILIU_OLAP_URL）需要 MySQL/MariaDB 作为业务库：请设置 HUILIU_OLTP_URL=mysql://…',
    'en-US': 'Scaled mode (HUILIU_OLAP_URL is set) needs OLTP on MySQL/MariaDB: set HUILIU_OLTP_URL=mysql://…',
  },
  olap_sql_invalid: {
    'zh-CN': 'SQL 必须是一条能解析的 SELECT 查询（{name}）',
    'en-US': 'The SQL must be a single SELECT query that parses ({name})',
  },
  olap_sql_refused: {
    'zh-CN': 'SQL 不能使用 {name}',
    'en-US': 'The SQL may not use {name}',
  },
  olap_sql_failed: {
    'zh-CN': 'SQL 执行出错：{name}',
    'en-US': 'The SQL failed: {name}',
  },
  // Why SQL was refused: the code of the error's one detail (OLAP SQL guard, ADR 0009; operator-SQL
  // sandbox, ADR 0046) — written for operators typing SQL tags and custom queries.
  olap_sql_syntax: { 'zh-CN': 'SQL 有语法错误', 'en-US': 'The SQL has a syntax error' },
  olap_sql_not_select: {
    'zh-CN': '只能执行查询（SELECT）：不能修改数据、表结构或系统设置，也不能挂载、导入或导出文件',
    'en-US':
      'Only queries (SELECT) run here: no changes to data, tables or settings, and no attaching, importing or exporting files',
  },
  olap_sql_multiple_statements: {
    'zh-CN': '一次只能提交一条 SQL 语句（请去掉多余的分号和语句）',
    'en-US': 'Submit one SQL statement at a time (remove the extra semicolons and statements)',
  },
  olap_sql_qualified_name: {
    'zh-CN': '不能使用带库名或模式名的名称（如 t_1.event_data、information_schema.tables）：直接写 event_view 或 contact_view',
    'en-US':
      'Names with a database or schema (t_1.event_data, information_schema.tables) are not allowed: write event_view or contact_view',
  },
  olap_sql_relation_unknown: {
    'zh-CN': '查询了不能访问的表：只能查询 event_view、contact_view 和本条 SQL 中用 WITH 定义的表',
    'en-US': 'The SQL reads a table it may not: only event_view, contact_view and tables defined by its own WITH',
  },
  olap_sql_table_function: {
    'zh-CN': 'FROM 中不能使用这个表函数（读文件、系统信息等）；只允许 unnest、range、generate_series',
    'en-US':
      'This table function (files, system information…) is not allowed in FROM; only unnest, range and generate_series are',
  },
  olap_sql_cte_name_reserved: {
    'zh-CN': 'WITH 定义的表不能与 event_view、contact_view 等系统表重名',
    'en-US': 'A table defined by WITH may not be named like event_view, contact_view or another system table',
  },
  olap_sql_unsupported: {
    'zh-CN': '使用了不支持的 SQL 语法（可用的写法见“运营 SQL”文档）',
    'en-US': 'The SQL uses syntax that is not supported (see the operator SQL guide for what is)',
  },
  olap_sql_function_refused: {
    'zh-CN': '使用了不在允许列表中的函数（读取系统信息、文件或修改状态的函数都不允许）；可用函数见“运营 SQL”文档',
    'en-US':
      'The SQL calls a function that is not on the allow-list (nothing that reads system information or files, or changes state); see the operator SQL guide',
  },
  olap_sql_star_in_subquery: {
    'zh-CN': '子查询和 WITH 中不能写 select *，请列出用到的字段',
    'en-US': 'select * is not allowed in a subquery or WITH: list the columns you use',
  },
  olap_sql_recursive_cte: {
    'zh-CN': '不支持递归查询（WITH RECURSIVE）',
    'en-US': 'Recursive queries (WITH RECURSIVE) are not supported',
  },
  olap_sql_limit_invalid: {
    'zh-CN': 'LIMIT 和 OFFSET 只能写非负整数',
    'en-US': 'LIMIT and OFFSET must be non-negative whole numbers',
  },
  olap_sql_too_long: { 'zh-CN': 'SQL 过长（最多 100,000 个字符）', 'en-US': 'The SQL is too long (at most 100,000 characters)' },
  olap_sql_membership_unknown: {
    'zh-CN': 'contact_view 中没有这一列：group_<群组ID> 须是已计算完成的群组，tag_… 须是已计算完成的标签 ID',
    'en-US': 'contact_view has no such column: group_<group id> must be a computed group, tag_… a computed tag’s ID',
  },
  olap_sql_execution: {
    'zh-CN': '查询在分析库中执行失败（如字段不存在、类型无法转换），请按提示修改',
    'en-US':
      'The analytics store could not run the query (an unknown column, a value that does not convert…); fix it as the message says',
  },
  olap_busy: { 'zh-CN': '分析库写入繁忙，请稍后重试', 'en-US': 'The analytics store is busy writing; try again shortly' },
  olap_load_failed: {
    'zh-CN': '写入 StarRocks 失败（已尝试 {attempts} 次：{reason}），稍后会再次写入',
    'en-US': 'Loading into StarRocks failed after {attempts} attempt(s) ({reason}); it will be tried again later',
  },
  olap_load_rejected: {
    'zh-CN': 'StarRocks 拒绝了这批数据（{reason}），重试也不会成功，请检查配置或数据',
    'en-US': 'StarRocks rejected the load ({reason}); retrying will not help — check the configuration or the data',
  },
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
  contact_empty: { 'zh-CN': '请至少填写一个字段', 'en-US': 'Fill in at least one field' },
  contact_timeline_range_invalid: {
    'zh-CN': '结束时间须晚于开始时间',
    'en-US': 'The end of the time range must be after its start',
  },
  // The contact list (所有用户, ADR 0031).
  contact_filter_invalid: {
    'zh-CN': '用户筛选条件有 {count} 处错误，请修改后重试',
    'en-US': 'The contact filter has {count} problem(s); fix them and try again',
  },
  contact_filter_leaf_unsupported: {
    'zh-CN': '筛选用户只支持用户属性条件（系统属性和自定义属性）',
    'en-US': 'The contact filter takes contact properties only (system and custom fields)',
  },
  contact_filter_field_masked: {
    'zh-CN': '该字段已脱敏，您没有按它筛选的权限',
    'en-US': 'This field is masked for you; you cannot filter by it',
  },
  contact_list_columns_invalid: {
    'zh-CN': '显示列不正确：每列须是用户的字段或系统属性，不能重复，最多 {max} 列',
    'en-US': 'Invalid display columns: each must be a contact field or system property, without repeats, at most {max}',
  },
  contact_list_column_unknown: { 'zh-CN': '不是用户的字段或系统属性', 'en-US': 'Not a contact field or system property' },
  contact_list_column_duplicate: { 'zh-CN': '显示列重复', 'en-US': 'The column is listed twice' },
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
  dedupe_fields_required: {
    'zh-CN': '查重规则至少选择一个属性（手机号码、证件号、邮箱）',
    'en-US': 'Choose at least one field for the dedupe rules (mobile, ID card, email)',
  },
  dedupe_excluded_values_invalid: {
    'zh-CN': '过滤条件最多 {max} 个，每个 1 到 {length} 个字符，且不能重复（不区分大小写）',
    'en-US': 'At most {max} excluded values of 1 to {length} characters each, without repeats (ignoring case)',
  },
  dedupe_running: {
    'zh-CN': '查重正在进行中，请等待本次查重结束',
    'en-US': 'A dedupe run is in progress; wait until it ends',
  },
  dedupe_run_not_found: { 'zh-CN': '查重记录不存在', 'en-US': 'The dedupe run does not exist' },
  dedupe_selection_invalid: {
    'zh-CN': '所选用户不属于这组重复用户，或少于两位（第 {setId} 组）',
    'en-US': 'The chosen contacts are not of this duplicate set, or fewer than two (set {setId})',
  },
  dedupe_set_stale: {
    'zh-CN': '查重后这组用户已被合并或修改，未合并；请重新启动查重',
    'en-US': 'Contacts of this set were merged or changed since the dedupe run; not merged — run the dedupe again',
  },
  dedupe_set_merged: { 'zh-CN': '这组用户已合并', 'en-US': 'This set was merged already' },
  dedupe_set_not_found: { 'zh-CN': '这组重复用户不存在', 'en-US': 'The duplicate set does not exist' },
  merge_group_too_small: { 'zh-CN': '至少选择两位用户才能合并', 'en-US': 'Choose at least two contacts to merge' },
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
  contact_erasure_not_found: { 'zh-CN': '删除用户数据记录不存在', 'en-US': 'The erasure request does not exist' },
  contact_erasure_channel_unsupported: {
    'zh-CN': '只能删除自定义连接（按 external_id）或微信公众号（按 OpenID/UnionID）的用户数据，不支持 {type} 类型的连接',
    'en-US':
      'User data can be deleted only in custom channels (by external_id) and official accounts (by OpenID/UnionID), not in {type} channels',
  },
  contact_erasure_file_required: { 'zh-CN': '请上传 TXT 文件（字段 file）', 'en-US': 'Upload a TXT file (field file)' },
  contact_erasure_file_encoding: { 'zh-CN': '文件不是 UTF-8 编码的文本', 'en-US': 'The file is not UTF-8 text' },
  contact_erasure_file_empty: { 'zh-CN': '文件中没有任何 ID（每行一个）', 'en-US': 'The file holds no id (one per line)' },
  contact_erasure_id_too_long: {
    'zh-CN': '第 {line} 行的 ID 超过 {max} 个字符',
    'en-US': 'The id on line {line} is longer than {max} characters',
  },
  contact_erasure_interrupted: {
    'zh-CN': '删除用户数据中断，将自动重试；已删除的用户不受影响',
    'en-US': 'The erasure was interrupted and is retried; users already erased stay erased',
  },
  contact_erasure_too_many: {
    'zh-CN': '一个文件最多 {max} 个 ID，请拆分成多个文件',
    'en-US': 'A file takes at most {max} ids; split it into several files',
  },
  operation_type_unknown: {
    'zh-CN': '操作日志中没有这种对象类型或操作：{name}',
    'en-US': 'The operation log has no such object type or operation: {name}',
  },
  operation_log_range_invalid: {
    'zh-CN': '开始时间不能晚于结束时间',
    'en-US': 'The start time must not be later than the end time',
  },
  // ---- 用户导出 (contact-exports module) ----
  file_forbidden: {
    'zh-CN': '没有下载此文件的权限',
    'en-US': 'You do not have permission to download this file',
  },
  contact_export_too_many: {
    'zh-CN': '符合条件的实名用户有 {count} 个，每次最多导出 {limit} 个，请缩小筛选条件后再导出',
    'en-US': '{count} identified contacts match; one export takes at most {limit}. Narrow the filter and export again',
  },
  contact_export_field_unknown: {
    'zh-CN': '不能导出这个字段：{name}',
    'en-US': 'This field cannot be exported: {name}',
  },
  contact_export_channel_invalid: {
    'zh-CN': '所选连接不是{type}',
    'en-US': 'The chosen connection is not a {type}',
  },
  contact_export_not_found: { 'zh-CN': '导出任务不存在', 'en-US': 'Export not found' },
  contact_export_not_ready: {
    'zh-CN': '导出尚未完成（或已失败），暂无文件可下载',
    'en-US': 'The export has not finished (or failed); there is no file to download',
  },
  contact_export_expired: {
    'zh-CN': '导出文件已过期（保留 3 天后删除），请重新导出',
    'en-US': 'The export file has expired (files are deleted after 3 days); export again',
  },
  // ---- 用户导入 / 批量编辑用户 (§1.4.3, §1.4.6, §1.4.9; ADR 0033) ----
  import_running: {
    'zh-CN': '仍有用户导入任务在运行，请在通知中心看到结果后再上传',
    'en-US': 'A contact import is still running; upload again once its result is in the notification center',
  },
  contact_import_file_required: { 'zh-CN': '请上传 xlsx 文件', 'en-US': 'Upload an xlsx file' },
  contact_import_file_invalid: {
    'zh-CN': '文件不是有效的 Excel（xlsx）文件',
    'en-US': 'The file is not a valid Excel (xlsx) file',
  },
  contact_import_not_template: {
    'zh-CN': '请使用系统自带的 Excel 模板导入用户（先下载模板，再填写）',
    'en-US': 'Import contacts with the system’s Excel template only (download the template, then fill it in)',
  },
  contact_import_not_export: {
    'zh-CN': '批量编辑只接受系统导出的用户文件（含“用户ID”列）',
    'en-US': 'Batch edit takes only a contact export of the system (with its contact ID column)',
  },
  contact_import_column_unknown: {
    'zh-CN': '文件中有无法识别的列：{column}（字段可能已不存在，请重新下载模板）',
    'en-US': 'The file has a column that is not known: {column} (download the template again)',
  },
  contact_import_columns_changed: {
    'zh-CN': '表头与模板不一致：请勿增加、删除或调整列的顺序',
    'en-US': 'The header row differs from the template: do not add, remove or reorder columns',
  },
  contact_import_empty: { 'zh-CN': '文件中没有用户数据', 'en-US': 'The file holds no contact rows' },
  contact_import_name_missing: {
    'zh-CN': '所有用户都没有填写姓名（姓名为必填项），全部导入失败',
    'en-US': 'No row has a name (name is required): nothing was imported',
  },
  contact_import_too_many_rows: {
    'zh-CN': '每次最多导入 {max} 个用户，文件中有 {rows} 个',
    'en-US': 'An import takes at most {max} contacts; the file has {rows}',
  },
  contact_import_contacts_changed: {
    'zh-CN': '导入期间有用户被删除，正在重新处理',
    'en-US': 'Contacts were deleted during the batch edit; it runs again',
  },
  task_cancelled: { 'zh-CN': '任务已取消', 'en-US': 'The task was cancelled' },
  contact_import_not_found: { 'zh-CN': '导入记录不存在', 'en-US': 'The import does not exist' },
  contact_batch_edit_group_unavailable: {
    'zh-CN': '群组功能尚未开放，暂不能加入静态群组',
    'en-US': 'Groups are not available yet: rows cannot be added to a static group',
  },
  // Why one row failed (the failure file's 失败原因 column).
  contact_import_row_name_required: { 'zh-CN': '姓名为必填项', 'en-US': 'Name is required' },
  contact_import_row_space: { 'zh-CN': '{field}存在空格', 'en-US': '{field} contains a space' },
  contact_import_row_comment: { 'zh-CN': '{field}存在批注', 'en-US': '{field} has a cell comment' },
  contact_import_row_symbol: {
    'zh-CN': '{field}包含特殊符号（如 #&*……%￥）',
    'en-US': '{field} contains a special symbol (such as #&*……%￥)',
  },
  contact_import_row_phone_chinese: { 'zh-CN': '{field}写入了中文', 'en-US': '{field} contains Chinese characters' },
  contact_import_row_phone_hyphen: { 'zh-CN': '{field}存在“-”', 'en-US': '{field} contains “-”' },
  contact_import_row_phone_multiple: {
    'zh-CN': '{field}一个单元格中有多个号码',
    'en-US': '{field} holds several numbers in one cell',
  },
  contact_import_row_mobile_length: {
    'zh-CN': '{field}位数不对（须为 11 位数字）',
    'en-US': '{field} does not have 11 digits',
  },
  contact_import_row_phone_invalid: { 'zh-CN': '{field}只能填写数字', 'en-US': '{field} takes digits only' },
  contact_import_row_email_invalid: { 'zh-CN': '{field}格式不正确', 'en-US': '{field} is not a valid email address' },
  contact_import_row_email_multiple: {
    'zh-CN': '{field}一个单元格中有多个邮箱',
    'en-US': '{field} holds several email addresses in one cell',
  },
  contact_import_row_gender_invalid: {
    'zh-CN': '{field}只能填写 男、女 或 未知',
    'en-US': '{field} takes 男 (male), 女 (female) or 未知 (unknown) only',
  },
  contact_import_row_date_invalid: {
    'zh-CN': '{field}不是有效日期（格式 YYYY-MM-DD）',
    'en-US': '{field} is not a valid date (YYYY-MM-DD)',
  },
  contact_import_row_integer_invalid: { 'zh-CN': '{field}须为整数', 'en-US': '{field} takes a whole number' },
  contact_import_row_decimal_invalid: { 'zh-CN': '{field}须为数字', 'en-US': '{field} takes a number' },
  contact_import_row_too_long: {
    'zh-CN': '{field}超过 {max} 个字符',
    'en-US': '{field} is longer than {max} characters',
  },
  contact_import_row_contact_id_invalid: {
    'zh-CN': '用户ID 为空或不正确',
    'en-US': 'The contact ID is empty or not valid',
  },
  contact_import_row_contact_not_found: {
    'zh-CN': '用户不存在（可能已被删除）',
    'en-US': 'The contact does not exist (it may have been deleted)',
  },
  // helper "routes" (issue 19, ADR 0042): plugin routes v2.
  rate_limited: {
    'zh-CN': '请求过于频繁，请 {seconds} 秒后再试',
    'en-US': 'Too many requests; try again in {seconds} seconds',
  },
  xml_invalid: { 'zh-CN': '请求体不是合法的 XML', 'en-US': 'The request body is not well-formed XML' },
  xml_doctype_not_allowed: {
    'zh-CN': 'XML 请求体不能包含文档类型声明（DOCTYPE）或实体声明',
    'en-US': 'An XML request body may not contain a document type (DOCTYPE) or entity declaration',
  },
  // ---- ingest (issue 19): the plugin write path, coreServices.ingest (ADR 0038) ----
  ingest_tenant_inactive: {
    'zh-CN': '租户不存在或已停用，数据未接收',
    'en-US': 'The tenant does not exist or is suspended; nothing was accepted',
  },
  ingest_input_invalid: {
    'zh-CN': '插件上报的数据格式不正确（{path}）',
    'en-US': 'The plugin’s input is malformed ({path})',
  },
  ingest_channel_type_not_owned: {
    'zh-CN': '连接的类型 {type} 不是插件 {pluginId} 登记的渠道类型，不能代它上报数据（{path}）',
    'en-US': 'The channel is of type {type}, which plugin {pluginId} did not register; it cannot send data for it ({path})',
  },
  ingest_user_id_type_invalid: {
    'zh-CN': '用户 ID 类型 {userIdType} 不属于渠道类型 {type}（{path}）',
    'en-US': 'User-ID type {userIdType} is not one of channel type {type} ({path})',
  },
  ingest_user_id_invalid: {
    'zh-CN': 'userId 须为 1 到 {max} 个字符的字符串（{path}）',
    'en-US': 'userId must be a string of 1 to {max} characters ({path})',
  },
  ingest_event_invalid: { 'zh-CN': 'event 须为字符串（{path}）', 'en-US': 'event must be a string ({path})' },
  ingest_message_id_invalid: {
    'zh-CN': 'messageId 须为非空字符串（{path}）',
    'en-US': 'messageId must be a non-empty string ({path})',
  },
  ingest_batch_too_large: {
    'zh-CN': '一次最多上报 {limit} 条消息',
    'en-US': 'A batch holds at most {limit} messages',
  },
  // ---- connection settings and credentials (helper "settings", ADR 0039) ----
  channel_settings_invalid: {
    'zh-CN': '连接设置填写有误，请检查标出的字段',
    'en-US': 'Some connection settings are not valid: check the marked fields',
  },
  channel_settings_too_large: {
    'zh-CN': '连接设置过长（最多 {max} 个字符）',
    'en-US': 'The connection settings are too long (at most {max} characters)',
  },
  channel_settings_unreadable: {
    'zh-CN': '无法解密已保存的密钥（主密钥已更换，或数据被移动），请在连接设置中重新填写密钥',
    'en-US':
      'A saved secret cannot be decrypted (the master key changed, or the data was moved): enter the secret again in the connection settings',
  },
  channel_connect_failed: {
    'zh-CN': '连接器未能完成连接，连接没有创建，请检查设置后重试',
    'en-US': 'The connector could not connect; the connection was not created: check the settings and try again',
  },
  channel_settings_apply_failed: {
    'zh-CN': '设置已保存，但连接器应用新设置失败，请稍后再次保存',
    'en-US': 'The settings were saved, but the connector could not apply them: save again later',
  },
  channel_test_unsupported: {
    'zh-CN': '渠道类型 {type} 不支持测试连接',
    'en-US': 'Channel type {type} cannot test its connection',
  },
  channel_test_failed: {
    'zh-CN': '测试连接时出错，请检查设置后重试',
    'en-US': 'The connection test failed with an error: check the settings and try again',
  },
  channel_test_timeout: {
    'zh-CN': '测试连接超时（{seconds} 秒内没有结果）',
    'en-US': 'The connection test timed out (no result within {seconds} seconds)',
  },
  // ---- plugin isolation (issue 19, helper "ns", ADR 0040) ----
  plugin_unavailable: {
    'zh-CN': '插件 {plugin} 启动失败，暂不可用；请管理员查看 设置 → 系统 → 插件 和服务日志',
    'en-US':
      'Plugin {plugin} failed to start and is unavailable; an administrator can see why under Settings → System → Plugins and in the server log',
  },
  // ---- per-tenant plugin enablement (issue 19, helper "tenant", ADR 0041) ----
  plugin_disabled: {
    'zh-CN': '插件 {plugin} 未对本租户启用，如需使用请联系平台管理员',
    'en-US': 'The plugin {plugin} is not enabled for this tenant; ask your platform operator to enable it',
  },
  plugin_unknown: {
    'zh-CN': '没有名为 {plugin} 的插件（未安装，或已在配置中停用）',
    'en-US': 'There is no plugin {plugin} (it is not installed, or it is disabled in the configuration)',
  },
  plugin_core_required: {
    'zh-CN': '核心（core）始终启用，不能停用或切换',
    'en-US': 'core is always enabled; it cannot be disabled or switched',
  },
  plugin_required_by: {
    'zh-CN': '插件 {plugin} 不能停用：本租户已启用的插件 {dependants} 依赖它，请先停用这些插件',
    'en-US':
      'The plugin {plugin} cannot be disabled: the plugins {dependants}, enabled for this tenant, depend on it; disable them first',
  },
  plugin_dependency_disabled: {
    'zh-CN': '插件 {plugin} 不能启用：它依赖的插件 {dependencies} 未对本租户启用，请先启用这些插件',
    'en-US':
      'The plugin {plugin} cannot be enabled: the plugins it depends on, {dependencies}, are not enabled for this tenant; enable them first',
  },
  // ---- 用户群组 (groups module, ADR 0044) ----
  group_not_found: { 'zh-CN': '群组不存在', 'en-US': 'The group does not exist' },
  group_name_required: { 'zh-CN': '请输入群组名称', 'en-US': 'Enter a group name' },
  group_name_taken: { 'zh-CN': '群组名称“{name}”已存在', 'en-US': 'A group named “{name}” already exists' },
  group_condition_self: {
    'zh-CN': '动态组的筛选条件不能引用该群组自身',
    'en-US': 'A dynamic group’s conditions cannot refer to the group itself',
  },
  group_not_editable: {
    'zh-CN': '动态组仅在“完成”状态时才可以编辑（当前状态：{status}）',
    'en-US': 'A dynamic group can be edited only when it is Done (now: {status})',
  },
  group_not_recomputable: {
    'zh-CN': '动态组仅在“完成”“计算失败”“失败”状态时才可以重新计算（当前状态：{status}）',
    'en-US': 'A dynamic group can be recomputed only when it is Done, Computation failed or Failed (now: {status})',
  },
  group_busy: {
    'zh-CN': '群组正在计算中，请计算结束后再删除（当前状态：{status}）',
    'en-US': 'The group is being computed; delete it once the computation ends (now: {status})',
  },
  group_in_use: {
    'zh-CN': '该群组被其他动态组的筛选条件引用（{names}），请先修改这些群组',
    'en-US': 'Other dynamic groups’ conditions use this group ({names}); change them first',
  },
  group_in_use_by_tag: {
    'zh-CN': '该群组被用户标签的规则引用（{names}），请先修改这些标签',
    'en-US': 'Tags’ rules use this group ({names}); change them first',
  },
  group_not_dynamic: { 'zh-CN': '该操作仅适用于动态组', 'en-US': 'This applies to dynamic groups only' },
  group_realtime_unsupported: {
    'zh-CN': '实时更新仅支持用户属性和用户行为条件：群组和标签条件随其自身的计算变化，请去掉这 {count} 个条件或关闭实时更新',
    'en-US':
      'Real-time updating supports user property and behaviour conditions only: group and tag conditions change with their own computations — remove these {count} conditions or turn real-time off',
  },
  group_realtime_static: {
    'zh-CN': '静态组不能实时更新：它的成员只随手动、导入和接口变化',
    'en-US': 'A static group cannot update in real time: its members change only by hand, import and API',
  },
  group_realtime_limit: {
    'zh-CN': '每个租户最多 {max} 个实时更新的群组',
    'en-US': 'A tenant can have at most {max} real-time groups',
  },
  // ---- saved reports and dashboards (reports and dashboards modules, ADR 0053) ----
  report_not_found: { 'zh-CN': '报表不存在或已被删除', 'en-US': 'The report does not exist or was deleted' },
  report_quota_exceeded: {
    'zh-CN': '报表数量已达上限（{max} 个），请删除不用的报表，或联系我们增加报表数量',
    'en-US': 'The tenant has reached its limit of {max} saved reports; delete unused ones or ask us to raise the limit',
  },
  report_quota_invalid: {
    'zh-CN': '配额 {quota} 必须是 {min} 到 {max} 之间的整数',
    'en-US': 'The {quota} quota must be a whole number from {min} to {max}',
  },
  report_not_dashboardable: {
    'zh-CN': '该类报表不支持添加到仪表盘',
    'en-US': 'Reports of this kind cannot be added to dashboards',
  },
  dashboard_not_found: { 'zh-CN': '仪表盘不存在', 'en-US': 'The dashboard does not exist' },
  dashboard_quota_exceeded: {
    'zh-CN': '仪表盘数量已达上限（{max} 个），请联系在线客服增加仪表盘数量',
    'en-US': 'The tenant has reached its limit of {max} dashboards; ask us to raise the limit',
  },
  dashboard_cards_full: {
    'zh-CN': '每个仪表盘最多添加 {max} 个报表',
    'en-US': 'A dashboard holds at most {max} reports',
  },
  dashboard_report_duplicate: {
    'zh-CN': '该报表已在此仪表盘中',
    'en-US': 'This report is already on the dashboard',
  },
  dashboard_card_not_found: { 'zh-CN': '仪表盘中没有这个报表卡片', 'en-US': 'The dashboard has no such card' },
  dashboard_cards_order_invalid: {
    'zh-CN': '报表顺序须包含该仪表盘的每个报表各一次',
    'en-US': 'The order must list every card of the dashboard exactly once',
  },
  dashboard_folder_not_found: { 'zh-CN': '仪表盘目录不存在', 'en-US': 'The dashboard folder does not exist' },
  dashboard_folder_too_deep: {
    'zh-CN': '仪表盘目录最多 {max} 级',
    'en-US': 'Dashboard folders nest at most {max} levels deep',
  },
  dashboard_folder_name_taken: {
    'zh-CN': '同级目录中已有名为“{name}”的目录',
    'en-US': 'A folder named “{name}” already exists at this level',
  },
  dashboard_folder_move_invalid: {
    'zh-CN': '不能把目录移到它自己或它的子目录下',
    'en-US': 'A folder cannot be moved into itself or one of its sub-folders',
  },
  dashboard_folder_not_empty: {
    'zh-CN': '目录不为空（{folders} 个子目录，{dashboards} 个仪表盘），请先移走或删除其中的内容',
    'en-US': 'The folder is not empty ({folders} sub-folders, {dashboards} dashboards); move or delete them first',
  },
  dashboard_preset_not_found: {
    'zh-CN': '预置仪表盘不存在，或提供它的连接未开通',
    'en-US': 'There is no such preset dashboard, or the plugin providing it is not enabled',
  },
  report_model_unknown: { 'zh-CN': '报表模型 {model} 不存在', 'en-US': 'There is no report model {model}' },
  report_query_invalid: {
    'zh-CN': '报表条件有 {count} 处不正确，请检查后重试',
    'en-US': 'The report question has {count} invalid parts; check them and try again',
  },
  report_metric_invalid: {
    'zh-CN': '指标不正确：总和、均值、最大值、最小值需选择数值型属性，去重数需选择属性',
    'en-US': 'Invalid metric: sum, average, maximum and minimum need a numeric property, a distinct count a property',
  },
  report_metric_id_taken: { 'zh-CN': '指标编号重复', 'en-US': 'Two metrics have the same id' },
  report_formula_invalid: {
    'zh-CN': '自定义指标的公式不正确：只能使用前面的指标编号、数字、+ - × ÷ 和括号',
    'en-US': 'Invalid formula: use the ids of the metrics before it, numbers, + − × ÷ and parentheses',
  },
  report_formula_unknown_metric: {
    'zh-CN': '公式引用了不存在或排在其后的指标',
    'en-US': 'The formula names a metric that does not exist or comes after it',
  },
  report_event_metric_required: { 'zh-CN': '至少需要一个事件指标', 'en-US': 'Add at least one event metric' },
  report_dimension_unknown: { 'zh-CN': '维度不存在或已被删除', 'en-US': 'The dimension does not exist or was deleted' },
  report_dimension_not_common: {
    'zh-CN': '事件属性维度需为所有指标事件共有的属性',
    'en-US': 'An event-property dimension must be a property every metric’s event carries',
  },
  report_ranges_invalid: {
    'zh-CN': '数值分组区间需为递增的数字',
    'en-US': 'The ranges of a numeric dimension must be increasing numbers',
  },
  report_filter_not_common: {
    'zh-CN': '公共筛选条件的事件属性需为所有指标事件共有的属性',
    'en-US': 'A common event filter must use a property every metric’s event carries',
  },
  report_time_range_unbounded: {
    'zh-CN': '请选择有开始和结束的时间范围',
    'en-US': 'Choose a time range with a start and an end',
  },
  report_ltv_rolling_days_only: {
    'zh-CN': '按 24 小时滚动计算仅适用于按天的周期',
    'en-US': 'Rolling 24-hour periods apply to days only',
  },
  report_ltv_dimensions_with_groups: {
    'zh-CN': '选择两个及以上群组时不能选择维度',
    'en-US': 'With two groups or more, dimensions are not available',
  },
  report_ltv_dimension_not_allowed: {
    'zh-CN': '以用户属性定义初始用户时，维度只能是用户属性或用户标签',
    'en-US': 'When initial users come from a user property, a dimension is a user property or a tag',
  },
  report_user_aggregate_dimension: {
    'zh-CN': '仅当唯一的分析维度是国家、省份或城市时才能创建聚合分组',
    'en-US': 'Aggregate groups need country, province or city as the only dimension',
  },
  report_user_aggregate_name_taken: {
    'zh-CN': '聚合分组名称重复',
    'en-US': 'Two aggregate groups have the same name',
  },
  report_user_aggregate_value_taken: {
    'zh-CN': '该值已属于另一个聚合分组',
    'en-US': 'This value already belongs to another aggregate group',
  },
  report_path_anchor_invalid: {
    'zh-CN': '起始事件或结束事件需为所选事件之一',
    'en-US': 'The start or end event must be one of the chosen events',
  },
  report_funnel_exclusion_step_invalid: {
    'zh-CN': '排除步骤需位于两个漏斗步骤之间',
    'en-US': 'An exclusion step must lie between two steps of the funnel',
  },
  report_funnel_property_not_common: {
    'zh-CN': '关联属性需为所有步骤事件共有的属性',
    'en-US': 'The property held constant must be one every step’s event carries',
  },
  report_attribution_property_invalid: {
    'zh-CN': '切换指标需选择目标转化事件的数值型属性',
    'en-US': 'The switched metric needs a numeric property of the target conversion event',
  },
  report_too_many_buckets: {
    'zh-CN': '时间粒度过细：最多 {max} 个时间段，请选择更粗的粒度或更短的时间范围',
    'en-US': 'Too fine a granularity: at most {max} time buckets — choose a coarser one or a shorter range',
  },
  // 自定义查询 (ADR 0062) and 保存为群组 (ADR 0063).
  report_custom_query_unmasked_required: {
    'zh-CN': '已开启联系人字段脱敏：自定义查询可读取全部联系人字段，需要「数据不脱敏」权限',
    'en-US':
      'Contact fields are masked: a custom query reads every contact field, so it needs the permission to see them unmasked',
  },
  // 字段脱敏 in reports (ADR 0069).
  report_field_masked: {
    'zh-CN': '字段「{field}」对你已脱敏：报表不能按它分组、筛选或统计，需要「数据不脱敏」权限',
    'en-US':
      'The field “{field}” is masked for you: a report cannot group, filter or measure by it without the permission to see it unmasked',
  },
  report_custom_query_busy: {
    'zh-CN': '你已有自定义查询正在运行，请等它完成后再试',
    'en-US': 'A custom query of yours is already running: try again when it has finished',
  },
  report_cell_unsupported: {
    'zh-CN': '该报表模型不支持将单元格用户保存为群组',
    'en-US': 'This report model cannot save a cell’s users as a group',
  },
  report_cell_invalid: {
    'zh-CN': '所选单元格不在该报表结果中',
    'en-US': 'The chosen cell is not part of this report’s result',
  },
  report_cell_too_many_contacts: {
    'zh-CN': '该单元格的用户超过 {max} 人，不能保存为静态群组；请缩小范围或改用动态群组',
    'en-US': 'This cell holds more than {max} users, too many for a static group: narrow it or use a dynamic group',
  },
  chart_needs_total: { 'zh-CN': '该图表仅支持按总体查看', 'en-US': 'This chart shows totals only' },
  chart_too_many_metrics: { 'zh-CN': '该图表仅支持单个指标', 'en-US': 'This chart takes one metric only' },
  chart_metrics_and_dimensions: {
    'zh-CN': '多个指标时该图表不支持维度，请使用表格',
    'en-US': 'With several metrics this chart takes no dimension — use a table',
  },
  group_not_static: {
    'zh-CN': '只能手动增减静态组的用户，动态组的用户由规则计算',
    'en-US': 'Only static groups take contacts by hand; a dynamic group’s members come from its conditions',
  },
  group_wechat_channel_invalid: {
    'zh-CN': '请选择已绑定的微信公众号',
    'en-US': 'Choose a bound WeChat official account',
  },
  group_wechat_linked: {
    'zh-CN': '该静态组已与微信公众号关联同步，关联后无法取消或更改',
    'en-US': 'This static group is already linked to an official account; the link cannot be undone or changed',
  },
  group_import_file_required: { 'zh-CN': '请上传 xlsx 文件', 'en-US': 'Upload an xlsx file' },
  group_import_file_invalid: {
    'zh-CN': '文件无法读取，请上传第一列为用户ID的 xlsx 文件',
    'en-US': 'The file cannot be read; upload an xlsx with user IDs in the first column',
  },
  group_import_too_large: { 'zh-CN': '文件过大，请拆分后上传', 'en-US': 'The file is too large; split it and upload the parts' },
  group_import_too_many_rows: {
    'zh-CN': '每次导入最多 {max} 个用户ID，请拆分后上传',
    'en-US': 'At most {max} user IDs per import; split the file',
  },
  group_import_empty: { 'zh-CN': '文件中没有用户ID', 'en-US': 'The file holds no user IDs' },
  group_import_id_invalid: { 'zh-CN': '用户ID格式不正确', 'en-US': 'Not a valid user ID' },
  group_import_contact_unknown: { 'zh-CN': '用户不存在', 'en-US': 'No such contact' },
  group_compute_error: { 'zh-CN': '群组计算出错', 'en-US': 'The group computation failed' },
  group_folder_not_found: { 'zh-CN': '群组目录不存在', 'en-US': 'The group folder does not exist' },
  group_folder_name_required: { 'zh-CN': '请输入目录名称', 'en-US': 'Enter a folder name' },
  group_folder_name_taken: {
    'zh-CN': '同级目录下已有名为“{name}”的目录',
    'en-US': 'A folder named “{name}” already exists at this level',
  },
  group_folder_too_deep: { 'zh-CN': '群组目录最多支持 {max} 级', 'en-US': 'Group folders go at most {max} levels deep' },
  group_folder_move_invalid: {
    'zh-CN': '不能将目录移动到其自身或其子目录下',
    'en-US': 'A folder cannot move into itself or one of its sub-folders',
  },
  group_folder_not_empty: {
    'zh-CN': '目录不为空（{folders} 个子目录，{groups} 个群组），请先移出后再删除',
    'en-US': 'The folder is not empty ({folders} sub-folders, {groups} groups); move them out first',
  },
  // ---- 互斥组与临时群组 (group-selections module, ADR 0049) ----
  group_in_exclusive_group: {
    'zh-CN': '该群组是互斥组（{names}）的成员，请先从这些互斥组中移除',
    'en-US': 'This group is a member of the exclusive groups {names}; remove it from them first',
  },
  exclusive_group_not_found: { 'zh-CN': '互斥组不存在', 'en-US': 'The exclusive group does not exist' },
  exclusive_group_segment_not_found: {
    'zh-CN': '互斥组中没有该分组',
    'en-US': 'The exclusive group has no such segment',
  },
  exclusive_group_name_required: { 'zh-CN': '请输入互斥组名称', 'en-US': 'Enter a name for the exclusive group' },
  exclusive_group_name_taken: {
    'zh-CN': '互斥组名称“{name}”已存在',
    'en-US': 'An exclusive group named “{name}” already exists',
  },
  exclusive_group_members_count: {
    'zh-CN': '互斥组需要 {min}–{max} 个群组',
    'en-US': 'An exclusive group takes {min} to {max} groups',
  },
  exclusive_group_member_duplicate: {
    'zh-CN': '同一个群组只能在互斥组中出现一次（第 {position} 个重复）',
    'en-US': 'A group can appear only once in an exclusive group (number {position} repeats one)',
  },
  exclusive_group_member_unknown: {
    'zh-CN': '有 {count} 个群组不存在或已删除',
    'en-US': '{count} of the groups do not exist or were deleted',
  },
  condition_exclusive_segment: {
    'zh-CN': '互斥组的分组不能用作筛选条件，请选择群组',
    'en-US': 'A segment of an exclusive group cannot be used in conditions; choose a group',
  },
  temporary_group_not_found: { 'zh-CN': '临时群组不存在', 'en-US': 'The temporary group does not exist' },
  temporary_group_name_required: { 'zh-CN': '请输入临时群组名称', 'en-US': 'Enter a name for the temporary group' },
  temporary_group_limit: {
    'zh-CN': '每个账号只能添加 {max} 个临时群组，请先删除不用的临时群组',
    'en-US': 'Each account can add at most {max} temporary groups; delete one you no longer need first',
  },
  // 用户标签 (seed §1.6, tags module, ADR 0045)
  tag_not_found: { 'zh-CN': '用户标签不存在', 'en-US': 'The tag does not exist' },
  tag_code_invalid: {
    'zh-CN': '用户标签ID须以 tag_ 开头，且只包含大小写字母、数字、下划线（最多 64 个字符）',
    'en-US': 'A tag ID starts with tag_ and has only letters, digits and underscores (at most 64 characters)',
  },
  tag_code_taken: {
    'zh-CN': '用户标签ID {code} 已被使用（已删除标签的ID也不可再用）',
    'en-US': 'The tag ID {code} is taken (IDs of deleted tags cannot be reused either)',
  },
  tag_status_forbids_edit: {
    'zh-CN': '只有在完成、计算失败、失败的状态时，才可以编辑标签',
    'en-US': 'A tag can be edited only when it is done, its computation failed or it failed',
  },
  tag_status_forbids_compute: {
    'zh-CN': '只有在待计算、完成、计算失败、失败的状态时，才可以立即计算',
    'en-US': 'A tag can be computed only when it is pending, done, its computation failed or it failed',
  },
  tag_status_forbids_delete: {
    'zh-CN': '标签正在计算，计算结束后才可以删除',
    'en-US': 'The tag is being computed; delete it once the computation ends',
  },
  tag_in_use_by_group: {
    'zh-CN': '该标签被动态组的筛选条件引用（{names}），请先修改这些群组',
    'en-US': 'Dynamic groups’ conditions use this tag ({names}); change them first',
  },
  tag_in_use_by_tag: {
    'zh-CN': '该标签被其他用户标签的规则引用（{names}），请先修改这些标签',
    'en-US': 'Other tags’ rules use this tag ({names}); change them first',
  },
  tag_kind_fixed: { 'zh-CN': '标签类型保存后不可修改', 'en-US': 'A tag’s kind cannot change once saved' },
  tag_value_type_fixed: {
    'zh-CN': '标签已有计算结果，数据类型不可修改',
    'en-US': 'The tag has results; its value type cannot change',
  },
  tag_value_type_required: { 'zh-CN': '请选择标签的数据类型', 'en-US': 'Choose the tag’s value type' },
  tag_event_unknown: { 'zh-CN': '事件 {event} 不存在', 'en-US': 'The event {event} does not exist' },
  tag_property_unknown: {
    'zh-CN': '事件没有属性 {property}',
    'en-US': 'The event has no property {property}',
  },
  tag_property_not_number: {
    'zh-CN': '求和、平均、最大、最小只能用于数值型属性',
    'en-US': 'Sum, average, maximum and minimum need a numeric property',
  },
  tag_layers_required: { 'zh-CN': '请至少设置一个分层', 'en-US': 'Add at least one layer' },
  tag_layers_too_many: { 'zh-CN': '一个标签最多可设置 {max} 个分层', 'en-US': 'A tag has at most {max} layers' },
  tag_layer_value_required: { 'zh-CN': '请填写每个分层的标签值', 'en-US': 'Every layer needs a value' },
  tag_layer_value_duplicate: { 'zh-CN': '分层的标签值不能重复', 'en-US': 'Two layers cannot have the same value' },
  tag_sql_columns: {
    'zh-CN': 'SQL 的查询结果需要返回 contact_id 列和 value 列',
    'en-US': 'The SQL must return the columns contact_id and value',
  },
  tag_sentiment_events_required: {
    'zh-CN': '请选择待分析的事件（留言文本、微信图文留言）',
    'en-US': 'Choose the events to analyse (留言文本, 微信图文留言)',
  },
  tag_file_id_type_required: {
    'zh-CN': '请选择用户ID类型',
    'en-US': 'Choose the user-ID type of the file',
  },
  tag_file_type_fixed: {
    'zh-CN': '外部文件标签的数据类型和用户ID类型保存后不可修改',
    'en-US': 'An external-file tag’s value type and user-ID type cannot change once saved',
  },
  tag_file_required: { 'zh-CN': '请上传文件', 'en-US': 'Upload a file' },
  tag_file_format: { 'zh-CN': '只支持 CSV 或 xlsx 文件', 'en-US': 'Only CSV or xlsx files are accepted' },
  tag_file_unreadable: {
    'zh-CN': '文件无法读取，请检查文件格式',
    'en-US': 'The file cannot be read; check its format',
  },
  tag_file_empty: {
    'zh-CN': '文件中没有数据（第 1 行为表头：用户ID, value）',
    'en-US': 'The file has no data (line 1 is the header: user ID, value)',
  },
  tag_file_too_many_rows: {
    'zh-CN': '每个文件最多 {max} 行数据，请拆分后上传',
    'en-US': 'A file holds at most {max} data rows; split it',
  },
  tag_file_key_missing: { 'zh-CN': '用户ID为空', 'en-US': 'The user ID is empty' },
  tag_file_value_invalid: {
    'zh-CN': '标签值为空或与标签的数据类型不符',
    'en-US': 'The value is empty or not of the tag’s value type',
  },
  tag_file_key_duplicate: {
    'zh-CN': '用户ID在文件中重复（保留第一行）',
    'en-US': 'The user ID repeats in the file (the first row is kept)',
  },
  tag_compute_error: { 'zh-CN': '标签计算失败', 'en-US': 'The tag computation failed' },
  tag_folder_not_found: { 'zh-CN': '标签目录不存在', 'en-US': 'The tag folder does not exist' },
  tag_folder_name_required: { 'zh-CN': '请填写目录名称', 'en-US': 'Enter a folder name' },
  tag_folder_name_taken: { 'zh-CN': '目录名称 {name} 已存在', 'en-US': 'A folder named {name} exists' },
  tag_folder_not_empty: {
    'zh-CN': '目录下还有 {count} 个标签，请先移走或删除这些标签',
    'en-US': 'The folder holds {count} tags; move or delete them first',
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

// ---- plugin namespaces (issue 19, helper "ns", ADR 0040) ----

/** Whether a code is one of core's own (plugins' codes start with their namespace; core's are exempt). */
export function isCoreErrorCode(code: string): boolean {
  return isCoreCode(code);
}
