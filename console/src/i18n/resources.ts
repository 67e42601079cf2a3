import { errorMessages, type CoreErrorCode } from '@huiliu/core/messages';
import enUS from './locales/en-US';
import zhCN, { type Messages } from './locales/zh-CN';

// No browser globals here: the resources are built (and tested) without a DOM.

export const languages = ['zh-CN', 'en-US'] as const;
export type Language = (typeof languages)[number];
export const defaultLanguage: Language = 'zh-CN';

/**
 * The console's texts plus the server's error messages: `errors.<code>` of every core code comes
 * from core's catalogue (`@huiliu/core/messages`, the one source of those texts); the locale
 * files hold only the errors the console raises itself (`network_error`, `unknown_error`).
 */
export type Translation = Omit<Messages, 'errors'> & { errors: Messages['errors'] & Record<CoreErrorCode, string> };

/** `{name}` (core's placeholders) → `{{name}}` (i18next's). */
export function toI18nextTemplate(template: string): string {
  return template.replace(/\{(\w+)\}/g, '{{$1}}');
}

/** Core's error messages in one language, as i18next templates. */
export function serverErrorTexts(language: Language): Record<CoreErrorCode, string> {
  const texts = {} as Record<CoreErrorCode, string>;
  for (const code of Object.keys(errorMessages) as CoreErrorCode[]) {
    texts[code] = toI18nextTemplate(errorMessages[code][language]);
  }
  return texts;
}

function withServerErrors(messages: Messages, language: Language): Translation {
  return { ...messages, errors: { ...serverErrorTexts(language), ...messages.errors } };
}

/** The i18next resources of both languages. */
export function buildResources(): Record<Language, { translation: Translation }> {
  return {
    'zh-CN': { translation: withServerErrors(zhCN, 'zh-CN') },
    'en-US': { translation: withServerErrors(enUS, 'en-US') },
  };
}

/** The error codes the console's locale files translate themselves (they must not repeat core's). */
export function consoleOnlyErrorCodes(): string[] {
  return Object.keys(zhCN.errors);
}

const leftoverPlaceholder = /\{\{\s*[\w.]+\s*\}\}/;

/**
 * The text of an error: the first of `keys` that has a translation, interpolated with `params`;
 * when none has one, or the text needs a parameter that was not given, the server's `message`
 * (already in the caller's language and interpolated) — or undefined without either.
 */
export function errorTextOf(
  i18n: { exists(key: string): boolean; t(key: string, options?: Record<string, unknown>): string },
  keys: readonly string[],
  params: Record<string, unknown> = {},
  serverMessage?: string,
): string | undefined {
  const key = keys.find((candidate) => i18n.exists(candidate));
  if (key) {
    const text = i18n.t(key, params);
    if (!leftoverPlaceholder.test(text)) return text;
    if (!serverMessage) return text.replace(new RegExp(leftoverPlaceholder, 'g'), '…');
  }
  return serverMessage || undefined;
}
