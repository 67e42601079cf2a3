import dayjs from 'dayjs';
import 'dayjs/locale/en';
import 'dayjs/locale/zh-cn';
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { buildResources, defaultLanguage, errorTextOf, languages, type Language, type Translation } from './resources';

export { defaultLanguage, languages, type Language, type Translation } from './resources';

/** Every dotted key of a messages object, e.g. `'apps.columns.name'`. */
export type MessageKeysOf<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : MessageKeysOf<T[K], `${Prefix}${K}.`>;
}[keyof T & string];
export type MessageKey = MessageKeysOf<Translation>;

const storageKey = 'huiliu.language';
const dayjsLocales: Record<Language, string> = { 'zh-CN': 'zh-cn', 'en-US': 'en' };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

function readStoredLanguage(): Language {
  try {
    const stored = window.localStorage.getItem(storageKey);
    return isLanguage(stored) ? stored : defaultLanguage;
  } catch {
    return defaultLanguage;
  }
}

function applyLanguage(language: Language): void {
  dayjs.locale(dayjsLocales[language]);
  document.documentElement.lang = language;
}

const initialLanguage = readStoredLanguage();
applyLanguage(initialLanguage);

void i18n.use(initReactI18next).init({
  // The console's texts and, under `errors.`, core's error catalogue (one source for both).
  resources: buildResources(),
  lng: initialLanguage,
  fallbackLng: defaultLanguage,
  supportedLngs: [...languages],
  initAsync: false,
  interpolation: { escapeValue: false }, // React escapes already
});

export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : defaultLanguage;
}

export async function changeLanguage(language: Language): Promise<void> {
  try {
    window.localStorage.setItem(storageKey, language);
  } catch {
    // Private mode or storage disabled: the choice lasts for this page only.
  }
  applyLanguage(language);
  await i18n.changeLanguage(language);
}

/** Whether a key computed at run time (e.g. `errors.${code}`) has a translation. */
export function hasMessage(key: string): key is MessageKey {
  return i18n.exists(key);
}

/** The first of `keys` that holds a text (not a nested group) in the current language. */
export function firstTextKey(keys: string[]): string | undefined {
  const language = currentLanguage();
  return keys.find((key) => typeof i18n.getResource(language, 'translation', key) === 'string');
}

/** A plugin console entry's message key: `plugin.<pluginId>.<key within its messages>`. */
export type PluginMessageKey = `plugin.${string}`;

const pluginIds: string[] = [];

/**
 * Adds a first-party plugin's console messages under `plugin.<pluginId>.` in both languages
 * (src/plugins/registry.tsx does it for every entry before the first render).
 */
export function addPluginMessages(pluginId: string, messages: Record<Language, Record<string, unknown>>): void {
  for (const language of languages) {
    i18n.addResourceBundle(language, 'translation', { plugin: { [pluginId]: messages[language] } }, true, true);
  }
  if (!pluginIds.includes(pluginId)) pluginIds.push(pluginId);
}

/**
 * The message key of a server error code: the console's `errors.<code>`, else a plugin's
 * `plugin.<id>.errors.<code>` (plugins translate their own codes); undefined without a text.
 */
export function errorMessageKey(code: string): string | undefined {
  return errorMessageKeys(code).find((key) => i18n.exists(key));
}

function errorMessageKeys(code: string): string[] {
  return [`errors.${code}`, ...pluginIds.map((id) => `plugin.${id}.errors.${code}`)];
}

/**
 * The text of an error code in the current language, interpolated with the error's `params`
 * (`{minutes: 15}`); the server's `message` when we have no text for the code or lack a parameter
 * its text needs; undefined without either.
 */
export function errorText(code: string, params?: Record<string, unknown>, serverMessage?: string): string | undefined {
  return errorTextOf(
    { exists: (key) => i18n.exists(key), t: (key, options) => i18n.t(key as MessageKey, options) as string },
    errorMessageKeys(code),
    params,
    serverMessage,
  );
}

export default i18n;
