import { createInstance } from 'i18next';
import { describe, expect, it } from 'vitest';
import { errorMessages, locales, type CoreErrorCode } from '@huiliu/core/messages';
import { formatMessage } from '../../../core/src/server/messages';
import { buildResources, consoleOnlyErrorCodes, errorTextOf, languages, toI18nextTemplate } from './resources';

/** An i18next instance holding the console's resources, seen through untyped keys (codes come at run time). */
async function consoleI18n(language: (typeof languages)[number]) {
  const i18n = createInstance();
  await i18n.init({
    resources: buildResources(),
    lng: language,
    fallbackLng: false,
    interpolation: { escapeValue: false },
    showSupportNotice: false,
  });
  return {
    exists: (key: string) => i18n.exists(key),
    t: (key: string, options: Record<string, unknown> = {}) => i18n.t(key as never, options) as string,
  };
}

const coreCodes = Object.keys(errorMessages) as CoreErrorCode[];

/** A value for every `{name}` a core message interpolates. */
function sampleParams(code: CoreErrorCode): Record<string, string> {
  const names = locales.flatMap((locale) => [...errorMessages[code][locale].matchAll(/\{(\w+)\}/g)].map((m) => m[1]!));
  return Object.fromEntries(names.map((name) => [name, `<${name}>`]));
}

describe('the console’s error texts come from core’s catalogue', () => {
  it('speaks the same two languages as the server', () => {
    expect([...languages].sort()).toEqual([...locales].sort());
  });

  for (const language of languages) {
    it(`resolves every code the server answers, with its parameters, exactly as the server words it [${language}]`, async () => {
      const i18n = await consoleI18n(language);
      expect(coreCodes.length).toBeGreaterThan(20);
      for (const code of coreCodes) {
        const server = errorMessages[code][language];
        expect(server, `${code} ${language}`).toBeTruthy();
        expect(i18n.exists(`errors.${code}`), `errors.${code} ${language}`).toBe(true);
        const params = sampleParams(code);
        const text = i18n.t(`errors.${code}`, params);
        expect(text, `errors.${code} ${language}`).toBe(formatMessage(code, language, params));
        expect(text).not.toMatch(/[{}]/);
      }
    });
  }

  it('interpolates a placeholder the i18next way ({name} → {{name}})', async () => {
    expect(toI18nextTemplate('请 {minutes} 分钟后再试，{minutes}!')).toBe('请 {{minutes}} 分钟后再试，{{minutes}}!');
    const zh = await consoleI18n('zh-CN');
    const en = await consoleI18n('en-US');
    expect(zh.t('errors.too_many_login_attempts', { minutes: 15 })).toBe('登录失败次数过多，请 15 分钟后再试');
    expect(en.t('errors.too_many_login_attempts', { minutes: 15 })).toBe('Too many failed sign-ins; try again in 15 minutes');
  });

  it('keeps only the console’s own errors in the locale files (no second wording of a server code)', () => {
    const own = consoleOnlyErrorCodes();
    expect(own).toEqual(expect.arrayContaining(['network_error', 'unknown_error']));
    for (const code of own) expect(coreCodes, `errors.${code} is a core code: drop it from the locale files`).not.toContain(code);
  });

  it('falls back to the server’s message when a parameter is missing or the code is unknown', async () => {
    const i18n = await consoleI18n('zh-CN');
    const serverMessage = '登录失败次数过多，请 15 分钟后再试';
    expect(errorTextOf(i18n, ['errors.too_many_login_attempts'], {}, serverMessage)).toBe(serverMessage);
    expect(errorTextOf(i18n, ['errors.too_many_login_attempts'], { minutes: 3 }, serverMessage)).toBe(
      '登录失败次数过多，请 3 分钟后再试',
    );
    expect(errorTextOf(i18n, ['errors.too_many_login_attempts'])).toBe('登录失败次数过多，请 … 分钟后再试');
    expect(errorTextOf(i18n, ['errors.acme_thing', 'plugin.acme.errors.acme_thing'], {}, 'Acme says no')).toBe('Acme says no');
    expect(errorTextOf(i18n, ['errors.acme_thing'])).toBeUndefined();
    expect(errorTextOf(i18n, ['errors.network_error'])).toBe('网络连接失败，请检查网络后重试');
  });
});
