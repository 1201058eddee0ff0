/**
 * The stores: their port (`Stores`), `openStore(url)`, the Kysely implementation, the SQLite and PostgreSQL adapters
 * and the migrations.
 */
export {
  alertKinds,
  attendanceStates,
  auditActions,
  eventActions,
  eventLevels,
  linkOrigins,
  runDirections,
  runStatuses,
  tenantRoles,
  webhookSources,
} from './port.js';
export type {
  AccountStore,
  AlertKind,
  AlertState,
  ApiToken,
  AuditAction,
  AuditEntry,
  AuditFilter,
  Invitation,
  NewAuditEntry,
  NewUser,
  TenantAlertSettings,
  TenantGrant,
  TenantRole,
  User,
  UserChange,
  NewWebhookMessage,
  WebhookEndpoint,
  WebhookMessage,
  WebhookSource,
  WebhookStore,
  AttendanceRecord,
  AttendanceState,
  DashboardSession,
  DashboardSessionLimits,
  DashboardSessionStore,
  EventAction,
  EventFilter,
  EventLevel,
  Link,
  LinkOrigin,
  LiveRun,
  LockedSheetRecord,
  Run,
  RunCounts,
  RunDirection,
  RunEnd,
  RunProgress,
  RunStatus,
  StateStore,
  Stores,
  SyncEvent,
} from './port.js';
export { createKyselyStore, defaultEventLimit, defaultRunLimit, maxBoundValues } from './kysely-store.js';
export { InMemoryMigrationProvider, migrateToLatest, sqlDialects, storeMigrations } from './migrations.js';
export type { SqlDialect } from './migrations.js';
export { DuplicateAccountError, StateStoreError } from './schema.js';
export { apiTokenTouchIntervalMs, createAccountStore } from './account-store.js';
export { createWebhookStore, webhookSecretFields } from './webhook-store.js';
export type { WebhookSecretField } from './webhook-store.js';
export type { Database } from './schema.js';
export { openStore, parseStoreUrl, storeUrlForms } from './open.js';
export type { OpenStoreOptions, StoreLocation } from './open.js';
export { defaultPostgresPoolSize, isPostgresUrl, migrationLockKey, openPostgresStore, redactUrl } from './postgres.js';
export type { PostgresStoreOptions, PostgresStores } from './postgres.js';
export { openSqliteStore, sqliteBusyTimeoutMs, sqliteFileName } from './sqlite.js';
export type { SqliteStateStore, SqliteStoreOptions } from './sqlite.js';
export { DbTenant, createTenantStore, secretFields, tenantStatuses } from './tenant-store.js';
export type {
  SealedSecret,
  SecretField,
  StoredTenant,
  TenantRecord,
  TenantStatus,
  TenantStore,
} from './tenant-store.js';
export {
  createScheduleStore,
  failureReasons,
  outcomeStatuses,
  runTriggers,
  scheduledRunStates,
} from './schedule-store.js';
export type {
  FailureReason,
  FailureStreak,
  LastRun,
  LockAttempt,
  OccurrenceRef,
  ScheduledRun,
  ScheduledRunFilter,
  ScheduledRunState,
  ScheduleStore,
  TenantHealth,
  TenantLock,
  TenantPause,
} from './schedule-store.js';
