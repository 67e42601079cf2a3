/**
 * @huiliu/core/messages — core's error-message catalogue, the one source of those texts: the
 * server answers them by Accept-Language, and the console builds its `errors.<code>` i18n texts
 * from it at run time. Pure data without imports of Node-only code: the console bundles it.
 */
export { defaultLocale, errorMessages, locales, type CoreErrorCode, type Locale } from './server/messages.js';
