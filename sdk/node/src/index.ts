/**
 * @huiliu/sdk-node — the Huiliu (汇流) Node.js SDK: `HuiliuClient` for the Open API (app key and
 * secret → bearer token) and `Analytics` for server-side tracking by writeKey (the collect API).
 * No runtime dependency: Node 20's global fetch and built-ins only. Guide: docs/integrators/node-sdk.md.
 */
export { HuiliuClient, type CustomApp, type HuiliuClientOptions, type NewCustomApp } from './client.js';
export {
  Analytics,
  AnalyticsError,
  collectLimits,
  type AliasMessage,
  type AnalyticsOptions,
  type AnalyticsStats,
  type GroupMessage,
  type IdentifyMessage,
  type PageMessage,
  type ScreenMessage,
  type TrackMessage,
} from './analytics.js';
export { HuiliuApiError, backoffMs, type FetchLike, type RetryPolicy } from './http.js';
export { uuidv7 } from './uuid.js';
export { SDK_NAME, SDK_VERSION } from './version.js';
export type {
  AcceptResult,
  ApiChannelAccount,
  ApiContact,
  ApiContactOpenIds,
  ApiCursorPage,
  ApiEvent,
  CollectMessage,
  ContactBatch,
  ContactOpenIdsBatch,
  ContactUpdate,
  ErrorBody,
  IdentifyAccepted,
  OpenApiEvent,
  OpenApiIdentify,
  OpenApiTrack,
  OpenApiTrackBatch,
} from '@huiliu/core/api-types';
