/**
 * Whether the web SDK that the app page's JS snippet loads (`/sdk/huiliu.min.js`, built from
 * sdk/web) exists. sdk/web has no build yet, so the page shows a short note instead of a snippet
 * that would load nothing. Set to true in the change that ships and serves the SDK.
 */
export const WEB_SDK_AVAILABLE = false;
