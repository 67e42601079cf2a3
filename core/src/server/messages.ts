/**
 * Stable error codes and their operator-facing messages. A code is snake_case so the console can
 * use it as the i18n key `errors.<code>`. Messages may interpolate `{name}` parameters.
 */
export type Locale = 'zh-CN' | 'en-US';
export const locales: readonly Locale[] = ['zh-CN', 'en-US'];
export const defaultLocale: Locale = 'zh-CN';

export const errorMessages = {
  validation_failed: { 'zh-CN': '请求参数不正确', 'en-US': 'The request is invalid' },
  invalid_json: { 'zh-CN': '请求体不是合法的 JSON', 'en-US': 'The request body is not valid JSON' },
  payload_too_large: { 'zh-CN': '请求体过大', 'en-US': 'The request body is too large' },
  unsupported_media_type: { 'zh-CN': '不支持的内容类型', 'en-US': 'Unsupported content type' },
  not_found: { 'zh-CN': '资源不存在', 'en-US': 'Not found' },
  route_not_found: { 'zh-CN': '接口不存在', 'en-US': 'No such API route' },
  method_not_allowed: { 'zh-CN': '不支持该请求方法', 'en-US': 'Method not allowed' },
  unauthenticated: { 'zh-CN': '请先登录', 'en-US': 'Please sign in first' },
  forbidden: { 'zh-CN': '没有权限执行此操作', 'en-US': 'You do not have permission to do this' },
  csrf_token_invalid: {
    'zh-CN': '页面已过期，请刷新后重试',
    'en-US': 'The page has expired; refresh and try again',
  },
  internal_error: { 'zh-CN': '服务器内部错误', 'en-US': 'Internal server error' },
  too_many_requests: { 'zh-CN': '请求过于频繁，请稍后再试', 'en-US': 'Too many requests; try again later' },
  too_many_login_attempts: {
    'zh-CN': '登录失败次数过多，请 {minutes} 分钟后再试',
    'en-US': 'Too many failed sign-ins; try again in {minutes} minutes',
  },
  setup_token_invalid: {
    'zh-CN': '初始化令牌不正确，请查看服务启动日志中的令牌',
    'en-US': 'The setup token is wrong; use the token printed in the server log',
  },
  setup_already_done: {
    'zh-CN': '系统已完成初始化，请直接登录',
    'en-US': 'Setup is already done; sign in instead',
  },
  email_taken: { 'zh-CN': '该邮箱已被使用', 'en-US': 'This email is already in use' },
  invalid_credentials: { 'zh-CN': '邮箱或密码错误', 'en-US': 'Wrong email or password' },
  staff_disabled: { 'zh-CN': '该员工账号已停用', 'en-US': 'This staff account is disabled' },
  staff_not_found: { 'zh-CN': '员工不存在', 'en-US': 'Staff member not found' },
  password_too_weak: {
    'zh-CN': '密码至少 {min} 位，且需同时包含字母和数字',
    'en-US': 'The password needs at least {min} characters with letters and digits',
  },
  tenant_not_found: { 'zh-CN': '租户不存在', 'en-US': 'Tenant not found' },
  time_zone_invalid: { 'zh-CN': '时区 {timeZone} 不存在', 'en-US': 'Unknown time zone {timeZone}' },
  time_zone_locked: {
    'zh-CN': '租户已收到事件数据，时区不可再修改',
    'en-US': 'The tenant has received events; its time zone can no longer change',
  },
  app_not_found: { 'zh-CN': '应用不存在', 'en-US': 'App not found' },
  app_credentials_invalid: {
    'zh-CN': 'appKey 或 appSecret 不正确',
    'en-US': 'Wrong appKey or appSecret',
  },
  app_disabled: { 'zh-CN': '该应用已停用', 'en-US': 'This app is disabled' },
  token_invalid: {
    'zh-CN': 'access token 无效或已过期',
    'en-US': 'The access token is invalid or expired',
  },
} as const satisfies Record<string, Record<Locale, string>>;

export type ErrorCode = keyof typeof errorMessages;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(errorMessages, code);
}

export function formatMessage(code: ErrorCode, locale: Locale, params: Record<string, unknown> = {}): string {
  const template: string = errorMessages[code][locale];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
