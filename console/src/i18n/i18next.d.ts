import 'i18next';
import type { Messages } from './locales/zh-CN';

// Typed keys: `t('apps.titel')` fails the typecheck.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Messages };
  }
}
