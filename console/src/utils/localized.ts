import { useTranslation } from 'react-i18next';
import type { LocalizedText } from '../api/types';
import { defaultLanguage, isLanguage } from '../i18n';

/** The text of a `{ 'zh-CN', 'en-US' }` pair for a language (zh-CN when unknown). */
export function localized(text: LocalizedText, language: string): string {
  return text[isLanguage(language) ? language : defaultLanguage];
}

/** `localized` bound to the console's current language. */
export function useLocalized(): (text: LocalizedText) => string {
  const { i18n } = useTranslation();
  return (text) => localized(text, i18n.language);
}
