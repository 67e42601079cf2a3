/**
 * Types of the API surface for the console and SDKs (types only; nothing here runs). Times are
 * epoch milliseconds, ids strings.
 */
import type { ApiApp } from './modules/apps/apps.types.js';
import type { MfaChallenge } from './modules/staff/mfa.service.js';
import type { Staff } from './modules/staff/staff.types.js';
import type { Tenant } from './modules/tenancy/tenant.types.js';
import type { IngestionService } from './modules/ingestion/ingestion.service.js';

export type { Tenant } from './modules/tenancy/tenant.types.js';
export type { Staff } from './modules/staff/staff.types.js';
export type { PermissionCatalog, PermissionRow, Role } from './modules/staff/roles.service.js';
export type { MfaChallenge, MfaStatus } from './modules/staff/mfa.service.js';
export type { ApiApp } from './modules/apps/apps.types.js';
export type { Channel, ChannelDetail, ChannelTypeInfo } from './modules/channels/channel.types.js';
export type { Notification } from './modules/notifications/notifications.service.js';
export type { Task } from './jobs/task.types.js';
export type { StoredFile } from './modules/files/files.service.js';
export type { HomeSummary } from './modules/home/home.service.js';
export type { Page } from './modules/staff/staff.service.js';
export type { AccessToken } from './modules/apps/apps.service.js';
export type { AcceptResult, QuarantinedMessage } from './modules/ingestion/ingestion.service.js';
export type { BatchLoaded } from './modules/ingestion/ingest-worker.js';
export type { ContactMerge, ContactSummary, CursorPage, MergeCandidate } from './modules/contacts/contacts.service.js';
export type { CandidateStatus, MergeEvidence } from './modules/contacts/contacts.types.js';
export type { FieldMask, MobileEncryption } from './modules/masking/masking.types.js';
export type { Department, DepartmentTree } from './modules/departments/departments.types.js';
export type { OperationDetail, OperationLogItem } from './modules/audit/operation-log.types.js';
export type { OperationCatalogue, OperationLogPage } from './modules/audit/operation-log.service.js';
export type { ErrorCode, Locale } from './server/messages.js';
export type { ErrorDetail } from './server/errors.js';

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  /** The values interpolated into `message` (e.g. `{minutes: 15}`), for clients that localize `code` themselves. */
  params?: Record<string, string | number | boolean>;
  details?: { path: string; code: string; message?: string }[];
  requestId: string;
}

export interface Session {
  staff: Staff;
  tenant: Tenant;
  csrfToken: string;
  permissions: string[];
}

export interface SetupStatus {
  needed: boolean;
}

export interface SetupRequest {
  setupToken: string;
  tenantName: string;
  timeZone: string;
  name: string;
  email: string;
  password: string;
}

export interface SetupResult {
  tenant: Tenant;
  staff: Staff;
}

export interface LoginRequest {
  email: string;
  password: string;
}

/** `POST /api/v1/auth/login`: a session, or with MFA on a challenge (no session yet). */
export type LoginResponse = Session | MfaChallenge;

/** `POST /api/v1/auth/mfa/verify` and `/bind`: the challenge and a TOTP (verify also takes a recovery code). */
export interface MfaCodeRequest {
  challenge: string;
  code: string;
}

/** `POST /api/v1/auth/mfa/bind`: the session, and the 10 recovery codes shown this once. */
export interface MfaBoundSession extends Session {
  recoveryCodes: string[];
}

/** `POST /api/v1/auth/password`: one's own password; the caller's other sessions are signed out. */
export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
}

/** `POST /api/v1/auth/password-reset` (忘记密码): always answered 202 `{accepted: true}`, registered or not. */
export interface PasswordResetRequest {
  email: string;
}

/** `POST /api/v1/auth/password-reset/confirm`: the mailed token and the new password (204). */
export interface PasswordResetConfirm {
  token: string;
  newPassword: string;
}

export interface AppWithSecret {
  app: ApiApp;
  appSecret: string;
}

/** 数据质量: quarantined messages by reason and event, counted issues, the last load (GET /api/v1/ingestion/quality). */
export type DataQualitySummary = Awaited<ReturnType<IngestionService['quality']>>;
