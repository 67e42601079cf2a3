import 'i18next';
import type { Translation } from './resources';

// Typed keys: `t('apps.titel')` fails the typecheck (`errors.<code>` covers core's codes too).
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Translation };
  }
}
