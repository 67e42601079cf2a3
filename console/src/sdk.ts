/**
 * `@huiliu/console/sdk` — what a first-party plugin's console entry (`plugins/<name>/console/`)
 * uses from the console. Plugin console code imports the console only through this module (and
 * shared libraries — react, antd, ProComponents, react-router, react-query — directly), so the
 * console's internals can move without breaking plugins. Everything here is the console's own
 * instance: one API client (CSRF token, 401 handling), one i18next, one session.
 */
export { api, ApiError, isApiError, type Query, type RequestOptions } from './api/client';
export type {
  Channel,
  ChannelDetail,
  ChannelStatus,
  ChannelType,
  ChannelTypeManual,
  LocalizedText,
  Notification,
  Page,
  Session,
  StoredFile,
  Task,
  TaskStatus,
} from './api/types';
export { channelQueryKey, channelsQueryKey, channelTypesQueryKey, useChannel, useChannelTypes } from './api/channels';
export { hasPermission, useSession } from './session/session';
export { notificationsQueryKey } from './api/notifications';
export { getTask, tasksQueryKey } from './api/tasks';
export { useTaskSubmitted } from './notifications/useTaskSubmitted';
export { isNotFoundError, useApplyFieldErrors, useErrorText } from './utils/errors';
export { formatDate, formatDateTime, formatNumber } from './utils/format';
export { localized, useLocalized } from './utils/localized';
export { testId } from './utils/test-id';
export { ErrorResult } from './components/ErrorResult';
export { StatusResult } from './components/StatusResult';
export { usePluginTranslation, type PluginMessageKeyOf, type PluginMessages, type PluginT } from './plugins/plugin-i18n';
export type { ChannelSectionProps } from './plugins/types';
