import type { LocalizedText } from '@huiliu/core/plugin-api';

/** The plugin's error codes (starting with its namespace, `acme_shop_`), in both console languages. */
export const errorMessages: Record<string, LocalizedText> = {
  acme_shop_key_invalid: {
    'zh-CN': '店铺标识须以小写字母开头，由 3–32 位小写字母、数字或 - 组成',
    'en-US': 'A shop handle starts with a lowercase letter and has 3–32 lowercase letters, digits or -',
  },
  acme_shop_shop_taken: {
    'zh-CN': '店铺 {handle} 已连接到汇流的另一个租户',
    'en-US': 'The shop {handle} is connected to another Huiliu tenant',
  },
  acme_shop_api_key_refused: {
    'zh-CN': '店铺拒绝了这个 API Key',
    'en-US': 'The shop refused this API key',
  },
  acme_shop_unavailable: {
    'zh-CN': '店铺暂时无法访问（{status}）',
    'en-US': 'The shop cannot be reached right now ({status})',
  },
  acme_shop_signature_invalid: {
    'zh-CN': 'Webhook 签名不正确',
    'en-US': 'The webhook signature is not valid',
  },
  acme_shop_event_invalid: {
    'zh-CN': 'Webhook 内容不正确',
    'en-US': 'The webhook body is not valid',
  },
  acme_shop_customer_not_found: {
    'zh-CN': '该店铺中没有这个顾客',
    'en-US': 'The shop has no such customer',
  },
};
