// Shapes of the /api/v1 requests and responses, from the types-only `@huiliu/core/api-types`.
export type {
  Tenant,
  Staff,
  Session,
  SetupStatus,
  SetupRequest,
  SetupResult as SetupResponse,
  LoginRequest,
  HomeSummary as HomeOverview,
  ApiApp as PrivateApp,
  AppWithSecret,
  Page,
} from '@huiliu/core/api-types';
import type { ErrorBody as ServerErrorBody } from '@huiliu/core/api-types';

export type AppStatus = 'enabled' | 'disabled';

/** The server sends a dotted string; older shapes used an array of segments. */
export interface ErrorDetail {
  path: string | Array<string | number>;
  code: string;
}

/** An error body from the server, or one the client makes up for network failures (no request id). */
export type ErrorBody = Omit<ServerErrorBody, 'requestId' | 'details'> & { requestId?: string; details?: ErrorDetail[] };
