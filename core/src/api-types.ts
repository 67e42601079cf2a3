/**
 * Types of the API surface for the console and SDKs (types only; nothing here runs). Times are
 * epoch milliseconds, ids strings.
 */
import type { ApiApp } from './modules/apps/apps.types.js';
import type { MfaChallenge } from './modules/staff/mfa.service.js';
import type { Staff } from './modules/staff/staff.types.js';
import type { Tenant } from './modules/tenancy/tenant.types.js';
import type { IngestionService } from './modules/ingestion/ingestion.service.js';
import type { ContactTraitKey, UtmKey } from './modules/contacts/contacts.types.js';
import type { ApiContact, ApiContactOpenIds } from './modules/contacts/contacts.reads.js';

export type { Tenant } from './modules/tenancy/tenant.types.js';
export type { Staff } from './modules/staff/staff.types.js';
export type { PermissionCatalog, PermissionRow, Role } from './modules/staff/roles.service.js';
export type { MfaChallenge, MfaStatus } from './modules/staff/mfa.service.js';
export type { ApiApp } from './modules/apps/apps.types.js';
export type { Channel, ChannelDetail, ChannelTypeInfo } from './modules/channels/channel.types.js';
export type { Notification } from './modules/notifications/notifications.service.js';
export type { Task } from './jobs/task.types.js';
export type { StoredFile } from './modules/files/files.service.js';
export type {
  HomeDisplaySettings,
  HomeSummary,
  HomeTimelineEvent,
  HomeTimelinePage,
  UsageSummary,
} from './modules/home/home.service.js';
export type { Page } from './modules/staff/staff.service.js';
export type { AccessToken } from './modules/apps/apps.service.js';
export type { AcceptResult, QuarantinedMessage } from './modules/ingestion/ingestion.service.js';
export type { BatchLoaded } from './modules/ingestion/ingest-worker.js';
export type { ContactMerge, ContactSummary, CursorPage, MergeCandidate } from './modules/contacts/contacts.service.js';
export type { CandidateStatus, MergeEvidence } from './modules/contacts/contacts.types.js';
export type {
  ContactDetail,
  ContactGroupRef,
  DetailAccount,
  DetailConnection,
  TimelineEvent,
  TimelineProperty,
  ViewSettings as ContactViewSettings,
  ViewSettingsAnswer as ContactViewSettingsAnswer,
} from './modules/contacts/detail.service.js';
export type { DedupeMember, DedupeRun, DedupeSet, DedupeSettings, SetMergeResult } from './modules/dedupe/dedupe.service.js';
export type { DedupeField, DedupeMode } from './modules/dedupe/dedupe-rules.js';
export type { FieldMask, MobileEncryption } from './modules/masking/masking.types.js';
export type { Department, DepartmentTree } from './modules/departments/departments.types.js';
export type { OperationDetail, OperationLogItem } from './modules/audit/operation-log.types.js';
export type { OperationCatalogue, OperationLogPage } from './modules/audit/operation-log.service.js';
export type {
  ApiChannelAccount,
  ApiContact,
  ApiContactOpenIds,
  ApiEvent,
  CursorPage as ApiCursorPage,
} from './modules/contacts/contacts.reads.js';
export type {
  ContactField,
  ContactFieldType,
  CustomPropertyType,
  EventProperty,
  EventPropertyInput,
  EventType,
  EventTypePropertyRef,
  NewCustomEvent,
} from './modules/metadata/metadata.types.js';
export type { NewChannel } from './modules/channels/channels.service.js';
export type { ContactTraitKey, UtmKey } from './modules/contacts/contacts.types.js';
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
  /** Plugins the platform operator disabled for the tenant (ADR 0041): their pages and menus are hidden. */
  disabledPlugins: string[];
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

// ---- Open API: identify, track, update (docs/integrators/collect-and-track.md, contacts-api.md) ----

/** A time as the ingestion APIs take it: ISO 8601 with an offset (or `Z`), or epoch milliseconds. */
export type ApiTime = string | number;

/**
 * A contact's writable values under the names identify uses: system fields (strings; `null` or ""
 * clears), the created `utm`, and custom fields `props.attr<n>` typed by the metadata.
 */
export type ContactValues = Partial<Record<ContactTraitKey, string | null>> & {
  /** Another name of `birthday` (SDK identify only: the Open API cannot write birthdays). */
  dateOfBirthday?: string | null;
  utm?: Partial<Record<UtmKey, string>>;
  props?: Record<string, string | number | null>;
};

/** `weChatInfo`: merge with the fan of a bound official account (seed §2.1.1.1); openId or unionId. */
export interface WeChatInfo {
  appId: string;
  openId?: string;
  unionId?: string;
}

/** `POST /api/v1/contacts/identify` (seed §2.1.1): the contact's values at the top level. */
export type OpenApiIdentify = ContactValues & {
  externalId: string | number;
  channel: { channelId: string };
  /** Idempotency key, deduplicated per tenant over 7 days (UUIDv7 recommended). */
  messageId?: string;
  timestamp?: ApiTime;
  weChatInfo?: WeChatInfo;
};

/** `POST /api/v1/contacts/identify`: durable on 200. */
export interface IdentifyAccepted {
  messageId: string;
}

/** One event of `POST /api/v1/events/batch` (the person by `externalId` or `anonymousId`). */
export interface OpenApiEvent {
  event: string;
  externalId?: string | number;
  anonymousId?: string | number;
  messageId?: string;
  timestamp?: ApiTime;
  sentAt?: ApiTime;
  properties?: Record<string, unknown>;
  context?: Record<string, unknown>;
}

/** `POST /api/v1/events/track`: one event of a channel (ChannelID or mini-program AppID). */
export interface OpenApiTrack extends OpenApiEvent {
  channelId: string;
}

/** `POST /api/v1/events/batch`: up to 2000 events of one channel, 500 KB a request. */
export interface OpenApiTrackBatch {
  channelId: string;
  batch: OpenApiEvent[];
}

/** `PATCH /api/v1/contacts/{contactId}`: the values to change (birthday is not writable). */
export type ContactUpdate = Omit<ContactValues, 'birthday' | 'dateOfBirthday'>;

/** `GET /api/v1/contacts` query. */
export interface ContactListQuery {
  limit?: number;
  cursor?: string;
  identified?: boolean;
  /** Epoch ms, inclusive. */
  updatedSince?: number;
}

/** `GET /api/v1/contacts/{contactId}/events` query. */
export interface ContactEventsQuery {
  limit?: number;
  cursor?: string;
  event?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
}

/** `POST /api/v1/contacts/batch-get` answer. */
export interface ContactBatch {
  items: ApiContact[];
  notFound: string[];
  /** Asked id → the id of the contact it was merged into. */
  merged: Record<string, string>;
}

/** `POST /api/v1/contacts/open-ids` answer. */
export interface ContactOpenIdsBatch {
  items: ApiContactOpenIds[];
  notFound: string[];
  merged: Record<string, string>;
}

// ---- collect API (SDKs, by writeKey) -------------------------------------------------------------

export type CollectMessageType = 'identify' | 'track' | 'page' | 'screen' | 'alias' | 'group';

/** One Segment-style message of `POST /api/v1/collect/batch`. */
export interface CollectMessage {
  type: CollectMessageType;
  messageId: string;
  userId?: string | number;
  anonymousId?: string | number;
  event?: string;
  name?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  previousId?: string | number;
  groupId?: string | number;
  timestamp?: ApiTime;
  context?: Record<string, unknown>;
}

/** `POST /api/v1/collect/batch` (writeKey as HTTP Basic user): ≤ 2000 messages, < 500 KB. */
export interface CollectBatch {
  batch: CollectMessage[];
  sentAt?: ApiTime;
}

// 所有用户 (the console's contact list, ADR 0031).
export type {
  ContactColumn as ContactListColumn,
  ContactColumnType as ContactListColumnType,
  ContactListColumnsSetting,
  ContactListKind,
  ContactListPage,
  ContactListRow,
  WeChatIdMatch,
} from './modules/contacts/list.types.js';
export type { ContactExport, ContactExportStatus } from './modules/contact-exports/contact-exports.types.js';
export type { ContactImport } from './modules/contact-imports/contact-imports.service.js';
export type { ImportKind as ContactImportKind } from './modules/contact-imports/contact-imports.types.js';
export type { ContactErasure, ErasureKind } from './modules/contact-erasures/contact-erasures.types.js';
// 用户群组 (ADR 0044).
export type {
  Group,
  GroupFolder,
  GroupKind,
  GroupStatus,
  GroupVersion,
  StaticImportResult,
  UpdateMode as GroupUpdateMode,
} from './modules/groups/groups.types.js';
// 互斥组 and 临时群组 (ADR 0049).
export type {
  ExclusiveGroup,
  ExclusiveMember,
  GroupSelection,
  SelectionCount,
  TemporaryGroup,
} from './modules/group-selections/group-selections.types.js';
export type { GroupSelectionChoices } from './modules/group-selections/group-selections.service.js';
// 用户标签 (ADR 0045).
export type { Tag, TagFolder } from './modules/tags/tags.service.js';
export type { TagFileRef, TagKind, TagStatus, TagUpdateMode, TagValueType } from './modules/tags/tags.types.js';
// 保存的报表 and 仪表盘 (ADR 0053).
export type { ReportQuotas, SavedReport, SavedReportSummary } from './modules/reports/saved-reports.types.js';
export type {
  CardReport as DashboardCardReport,
  CardSize as DashboardCardSize,
  Dashboard,
  DashboardCard,
  DashboardFolder,
  DashboardPreset,
  DashboardSummary,
  PositionDirection as DashboardPositionDirection,
  PresetInstallation as DashboardPresetInstallation,
} from './modules/dashboards/dashboards.types.js';
