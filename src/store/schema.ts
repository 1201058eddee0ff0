/**
 * The tables of the state store as Kysely sees them, and the mapping between their rows (snake_case, text and
 * integers only) and the domain objects of the port (camelCase, typed unions, parsed JSON).
 *
 * Each `Db*` name is both the row type and a companion object with `to` (domain → row) and `from` (row → domain).
 * `from` checks what it reads: a value outside its union or a JSON column that does not parse is a corrupt row,
 * reported as a `StateStoreError` instead of leaking into a sync as a wrongly typed value.
 */
import { createHash } from 'node:crypto';

import type { ColumnType, Insertable, Selectable } from 'kysely';
import { z } from 'zod';

import { PreflightReportSchema } from '../domain/preflight.js';
import type { PreflightReport } from '../domain/preflight.js';
import { reasonCodes } from '../domain/reasons.js';
import type { ReasonCode } from '../domain/reasons.js';
import { recordKinds } from '../domain/types.js';
import { ConnectorError } from '../errors.js';
import {
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
import type {
  AlertState,
  ApiToken,
  AttendanceRecord,
  AuditEntry,
  DashboardSession,
  Invitation,
  Link,
  LiveRun,
  LockedSheetRecord,
  Run,
  RunCounts,
  SyncEvent,
  TenantAlertSettings,
  TenantGrant,
  User,
  WebhookEndpoint,
  WebhookMessage,
} from './port.js';

/** The state store could not do what was asked: a failed migration, an unknown run, a row it cannot read. */
export class StateStoreError extends ConnectorError {
  override name = 'StateStoreError';
}

/**
 * `createUser` of an e-mail that has an account already. It carries no e-mail (errors get logged, and an e-mail is
 * personal data): the caller knows which one it asked for.
 */
export class DuplicateAccountError extends StateStoreError {
  override name = 'DuplicateAccountError';

  constructor(options?: ErrorOptions) {
    super('An account with this e-mail exists', options);
  }
}

/**
 * A 64-bit integer column. better-sqlite3 reads it as a number, node-postgres as a string (int8 may exceed
 * 2^53), so every read goes through `Number()` in the mapping below.
 */
export type Int8 = ColumnType<number | string, number, number>;
export type NullableInt8 = ColumnType<number | string | null, number | null, number | null>;
/** An id the database generates: never written by the store. */
export type GeneratedId = ColumnType<number | string, never, never>;

export interface LinksTable {
  tenant_id: string;
  kind: string;
  aimaira_id: Int8;
  edusign_id: string;
  hash: string | null;
  /** JSON object. */
  data: string;
  origin: string;
  /** ISO instants, as text: the same column type on SQLite and PostgreSQL, and they sort as text. */
  created_at: string;
  updated_at: string;
}

export interface RunsTable {
  id: GeneratedId;
  tenant_id: string;
  direction: string;
  started_at: string;
  ended_at: string | null;
  status: string;
  /** JSON object of counts. */
  counts: string;
  error: string | null;
  /** The last progress the run saved (migration 0010): all three null until it saves one. */
  progress_done: number | null;
  progress_total: number | null;
  progress_at: string | null;
}

export interface EventsTable {
  id: GeneratedId;
  run_id: Int8;
  tenant_id: string;
  at: string;
  level: string;
  action: string;
  record_kind: string;
  aimaira_id: NullableInt8;
  edusign_id: string | null;
  reason: string | null;
  message: string;
}

export interface SessionCreationsTable {
  tenant_id: string;
  aimaira_id: Int8;
  created_at: string;
}

export interface AttendanceTable {
  tenant_id: string;
  planification_id: Int8;
  learner_id: Int8;
  row_id: Int8;
  hash: string;
  state: string;
  first_sent_at: string | null;
  updated_at: string;
}

export interface LockedSheetsTable {
  tenant_id: string;
  edusign_id: string;
  planification_id: NullableInt8;
  realised_at: string | null;
  not_linked_at: string | null;
}

/** The last preflight of each tenant (migration 0008): the report as JSON, checked when read. */
export interface PreflightsTable {
  tenant_id: string;
  ran_at: string;
  /** JSON of the whole `PreflightReport`. */
  report: string;
}

/** The dashboard's sign-in sessions (migration 0010), keyed by the SHA-256 of the session id. */
export interface DashboardSessionsTable {
  /** Hex SHA-256 of the session id (see `dashboardSessionKey`); the id itself is never stored. */
  id_hash: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  /** The account signed in (migration 0012); null for a session made before accounts. */
  user_id: NullableInt8;
}

/** The accounts of the dashboard (migration 0012). */
export interface UsersTable {
  id: GeneratedId;
  /** Lower case: the unique constraint on it is then a case-insensitive one. */
  email: string;
  /** 0 or 1 (SQLite has no boolean). */
  operator: number;
  disabled: number;
  /** A scrypt hash made by the caller, never a password. */
  password_hash: string | null;
  lang: string | null;
  /** JSON array of alert kinds. */
  alerts: string;
  created_at: string;
  updated_at: string;
}

/** An account's role on one tenant. */
export interface UserGrantsTable {
  user_id: Int8;
  tenant_id: string;
  role: string;
}

/** One-time links to make an account, by the SHA-256 of their token (never the token). */
export interface InvitationsTable {
  token_hash: string;
  email: string;
  operator: number;
  /** JSON array of `{ tenantId, role }`. */
  grants: string;
  created_by: NullableInt8;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** Personal API tokens, by the SHA-256 of the token (never the token). */
export interface ApiTokensTable {
  id: GeneratedId;
  user_id: Int8;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** The audit trail: who changed what, when, from where. */
export interface AuditTable {
  id: GeneratedId;
  at: string;
  actor_id: NullableInt8;
  /** The actor's e-mail at the time. */
  actor_email: string | null;
  via: string;
  address: string | null;
  tenant_id: string | null;
  action: string;
  /** JSON object. */
  detail: string;
}

/** Where each tenant stood when its people were last told. */
export interface AlertStatesTable {
  tenant_id: string;
  state: string;
  attention: string;
  changed_at: string;
}

export interface TenantAlertSettingsTable {
  tenant_id: string;
  webhook_url: string | null;
  lang: string;
}

/**
 * What a tenant's webhook receivers accept (migration 0013). The secret columns hold sealed values, never
 * plaintext, like `tenants`. Mapped by `DbWebhookEndpoint`.
 */
export interface WebhookEndpointsTable {
  tenant_id: string;
  /** 0 or 1. */
  enabled: number;
  aimaira_customer_name: string | null;
  aimaira_client_id: string | null;
  /** Sealed. */
  aimaira_client_secret: string | null;
  edusign_school_id: string | null;
  /** Sealed. */
  edusign_client_secret: string | null;
  /** JSON object of Aimaira's table names by entity. */
  object_types: string;
  updated_at: string;
}

/** The inbox of webhook messages (migration 0013): written before the sender is answered. */
export interface WebhookMessagesTable {
  id: GeneratedId;
  tenant_id: string;
  source: string;
  received_at: string;
  event: string;
  object_type: string | null;
  object_id: string | null;
  /** 0 or 1; null: not checked. */
  hash_ok: number | null;
  processed_at: string | null;
}

export interface Database {
  links: LinksTable;
  runs: RunsTable;
  events: EventsTable;
  session_creations: SessionCreationsTable;
  attendance: AttendanceTable;
  locked_sheets: LockedSheetsTable;
  tenants: TenantsTable;
  scheduled_runs: ScheduledRunsTable;
  tenant_locks: TenantLocksTable;
  tenant_health: TenantHealthTable;
  preflights: PreflightsTable;
  dashboard_sessions: DashboardSessionsTable;
  users: UsersTable;
  user_grants: UserGrantsTable;
  invitations: InvitationsTable;
  api_tokens: ApiTokensTable;
  audit: AuditTable;
  alert_states: AlertStatesTable;
  tenant_alert_settings: TenantAlertSettingsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_messages: WebhookMessagesTable;
}

function corrupt(table: string, column: string, problem: string): StateStoreError {
  return new StateStoreError(`State store row of ${table} has ${problem} in ${column}`);
}

function readInteger(value: number | string, table: string, column: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw corrupt(table, column, 'a value that is not a safe integer');
  return number;
}

function readOneOf<T extends string>(values: readonly T[], value: string, table: string, column: string): T {
  const found = values.find((candidate) => candidate === value);
  if (found === undefined) throw corrupt(table, column, `the unknown value "${value}"`);
  return found;
}

function readReason(value: string, table: string): ReasonCode {
  if (!Object.hasOwn(reasonCodes, value)) throw corrupt(table, 'reason', `the unknown value "${value}"`);
  return value as ReasonCode;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJsonObject(text: string, table: string, column: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corrupt(table, column, 'text that is not JSON');
  }
  if (!isPlainObject(value)) throw corrupt(table, column, 'JSON that is not an object');
  return value;
}

function readCounts(text: string): RunCounts {
  const counts: RunCounts = {};
  for (const [key, value] of Object.entries(readJsonObject(text, 'runs', 'counts'))) {
    if (typeof value !== 'number') throw corrupt('runs', 'counts', `a count "${key}" that is not a number`);
    counts[key] = value;
  }
  return counts;
}

export type DbLink = Selectable<LinksTable>;
export const DbLink = {
  to(link: Link): Insertable<LinksTable> {
    return {
      tenant_id: link.tenantId,
      kind: link.kind,
      aimaira_id: link.aimairaId,
      edusign_id: link.edusignId,
      hash: link.hash,
      data: JSON.stringify(link.data),
      origin: link.origin,
      created_at: link.createdAt,
      updated_at: link.updatedAt,
    };
  },
  from(row: DbLink): Link {
    return {
      tenantId: row.tenant_id,
      kind: readOneOf(recordKinds, row.kind, 'links', 'kind'),
      aimairaId: readInteger(row.aimaira_id, 'links', 'aimaira_id'),
      edusignId: row.edusign_id,
      hash: row.hash,
      data: readJsonObject(row.data, 'links', 'data'),
      origin: readOneOf(linkOrigins, row.origin, 'links', 'origin'),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  },
};

export type DbRun = Selectable<RunsTable>;
export const DbRun = {
  to(run: Omit<Run, 'id'>): Insertable<RunsTable> {
    return {
      tenant_id: run.tenantId,
      direction: run.direction,
      started_at: run.startedAt,
      ended_at: run.endedAt,
      status: run.status,
      counts: JSON.stringify(run.counts),
      error: run.error,
    };
  },
  from(row: DbRun): Run {
    return {
      id: readInteger(row.id, 'runs', 'id'),
      tenantId: row.tenant_id,
      direction: readOneOf(runDirections, row.direction, 'runs', 'direction'),
      startedAt: row.started_at,
      endedAt: row.ended_at,
      status: readOneOf(runStatuses, row.status, 'runs', 'status'),
      counts: readCounts(row.counts),
      error: row.error,
    };
  },
};

export type DbEvent = Selectable<EventsTable>;
export const DbEvent = {
  /** The id, if any, is left out: the database numbers events in the order they are appended. */
  to(event: SyncEvent): Insertable<EventsTable> {
    return {
      run_id: event.runId,
      tenant_id: event.tenantId,
      at: event.at,
      level: event.level,
      action: event.action,
      record_kind: event.recordKind,
      aimaira_id: event.aimairaId,
      edusign_id: event.edusignId,
      reason: event.reason,
      message: event.message,
    };
  },
  from(row: DbEvent): SyncEvent {
    return {
      id: readInteger(row.id, 'events', 'id'),
      runId: readInteger(row.run_id, 'events', 'run_id'),
      tenantId: row.tenant_id,
      at: row.at,
      level: readOneOf(eventLevels, row.level, 'events', 'level'),
      action: readOneOf(eventActions, row.action, 'events', 'action'),
      recordKind: readOneOf(recordKinds, row.record_kind, 'events', 'record_kind'),
      aimairaId: row.aimaira_id === null ? null : readInteger(row.aimaira_id, 'events', 'aimaira_id'),
      edusignId: row.edusign_id,
      reason: row.reason === null ? null : readReason(row.reason, 'events'),
      message: row.message,
    };
  },
};

/** One known creation date of a session. */
export interface SessionCreation {
  tenantId: string;
  aimairaId: number;
  createdAt: string;
}

export type DbSessionCreation = Selectable<SessionCreationsTable>;
export const DbSessionCreation = {
  to(creation: SessionCreation): Insertable<SessionCreationsTable> {
    return { tenant_id: creation.tenantId, aimaira_id: creation.aimairaId, created_at: creation.createdAt };
  },
  from(row: DbSessionCreation): SessionCreation {
    return {
      tenantId: row.tenant_id,
      aimairaId: readInteger(row.aimaira_id, 'session_creations', 'aimaira_id'),
      createdAt: row.created_at,
    };
  },
};

export type DbAttendance = Selectable<AttendanceTable>;
export const DbAttendance = {
  to(record: AttendanceRecord): Insertable<AttendanceTable> {
    return {
      tenant_id: record.tenantId,
      planification_id: record.planificationId,
      learner_id: record.learnerId,
      row_id: record.rowId,
      hash: record.hash,
      state: record.state,
      first_sent_at: record.firstSentAt,
      updated_at: record.updatedAt,
    };
  },
  from(row: DbAttendance): AttendanceRecord {
    return {
      tenantId: row.tenant_id,
      planificationId: readInteger(row.planification_id, 'attendance', 'planification_id'),
      learnerId: readInteger(row.learner_id, 'attendance', 'learner_id'),
      rowId: readInteger(row.row_id, 'attendance', 'row_id'),
      hash: row.hash,
      state: readOneOf(attendanceStates, row.state, 'attendance', 'state'),
      firstSentAt: row.first_sent_at,
      updatedAt: row.updated_at,
    };
  },
};

export type DbLockedSheet = Selectable<LockedSheetsTable>;
export const DbLockedSheet = {
  to(record: LockedSheetRecord): Insertable<LockedSheetsTable> {
    return {
      tenant_id: record.tenantId,
      edusign_id: record.edusignId,
      planification_id: record.planificationId,
      realised_at: record.realisedAt,
      not_linked_at: record.notLinkedAt,
    };
  },
  from(row: DbLockedSheet): LockedSheetRecord {
    return {
      tenantId: row.tenant_id,
      edusignId: row.edusign_id,
      planificationId:
        row.planification_id === null ? null : readInteger(row.planification_id, 'locked_sheets', 'planification_id'),
      realisedAt: row.realised_at,
      notLinkedAt: row.not_linked_at,
    };
  },
};

/**
 * One tenant (migration 0006): its two services and their credentials. The secret columns hold sealed values
 * (`v1:<keyId>:...`, see src/service/secrets.ts), never plaintext.
 */
export interface TenantsTable {
  id: string;
  aimaira_url: string;
  /** Not a secret: the Basic authentication login. */
  aimaira_username: string | null;
  aimaira_password: string | null;
  aimaira_api_key: string | null;
  edusign_url: string;
  edusign_api_key: string;
  /** JSON object of the tenant's options. */
  options: string;
  status: string;
  paused_reason: string | null;
  paused_at: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * One (tenant, window, Paris date) of the schedule (migration 0007): claimed by the process that runs it, then
 * done, failed or interrupted; or missed, when its window closed without a run. The primary key makes each one
 * run at most once, whatever the number of processes. Mapped in src/store/schedule-store.ts.
 */
export interface ScheduledRunsTable {
  tenant_id: string;
  window_id: string;
  /** `YYYY-MM-DD`, the Paris date of the window. */
  paris_date: string;
  state: string;
  slot_at: string;
  holder: string | null;
  claimed_at: string | null;
  finished_at: string | null;
  /** How many times it was claimed (an interrupted occurrence is claimed again while its window is open). */
  attempts: number;
  /** JSON array of the ids of the runs (table `runs`) it made. */
  run_ids: string;
  outcome: string | null;
  reason: string | null;
  error: string | null;
}

/** Who runs a tenant right now (the scheduler, an on-demand run, `sync`): a lease kept alive by heartbeats. */
export interface TenantLocksTable {
  tenant_id: string;
  holder: string;
  acquired_at: string;
  heartbeat_at: string;
  /** Past this instant without a heartbeat, the holder is taken for dead and the lock can be taken over. */
  expires_at: string;
}

/** What the scheduler remembers of a tenant: since when it schedules it, its failure streak, its pause. */
export interface TenantHealthTable {
  tenant_id: string;
  scheduled_since: string;
  paused_at: string | null;
  pause_reason: string | null;
  pause_message: string | null;
  failure_reason: string | null;
  failure_signature: string | null;
  failure_count: number;
  last_trigger: string | null;
  last_status: string | null;
  last_reason: string | null;
  last_error: string | null;
  last_started_at: string | null;
  last_finished_at: string | null;
}

export type DbPreflight = Selectable<PreflightsTable>;
export const DbPreflight = {
  to(report: PreflightReport): Insertable<PreflightsTable> {
    return { tenant_id: report.tenantId, ran_at: report.ranAt, report: JSON.stringify(report) };
  },
  from(row: DbPreflight): PreflightReport {
    let value: unknown;
    try {
      value = JSON.parse(row.report);
    } catch {
      throw corrupt('preflights', 'report', 'text that is not JSON');
    }
    const parsed = PreflightReportSchema.safeParse(value);
    if (!parsed.success) throw corrupt('preflights', 'report', 'JSON that is not a preflight report');
    return parsed.data;
  },
};

/**
 * The key a dashboard session is stored under: the SHA-256 of its id. The id is 256 random bits, so a plain hash
 * (no salt, no slow function) is enough to make the stored key useless as a cookie.
 */
export function dashboardSessionKey(sessionId: string): string {
  return createHash('sha256').update(sessionId, 'utf8').digest('hex');
}

export type DbDashboardSession = Selectable<DashboardSessionsTable>;
export const DbDashboardSession = {
  to(sessionId: string, session: DashboardSession): Insertable<DashboardSessionsTable> {
    return {
      id_hash: dashboardSessionKey(sessionId),
      csrf_token: session.csrfToken,
      created_at: session.createdAt,
      last_seen_at: session.lastSeenAt,
      user_id: session.userId,
    };
  },
  from(row: DbDashboardSession): DashboardSession {
    return {
      csrfToken: row.csrf_token,
      userId: row.user_id === null ? null : readInteger(row.user_id, 'dashboard_sessions', 'user_id'),
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
    };
  },
};

/** A running run's row, as `listLiveRuns` reads it. */
export const DbLiveRun = {
  from(
    row: Pick<
      DbRun,
      'id' | 'tenant_id' | 'direction' | 'started_at' | 'progress_done' | 'progress_total' | 'progress_at'
    >,
  ): LiveRun {
    const { progress_done: done, progress_total: total, progress_at: at } = row;
    return {
      runId: readInteger(row.id, 'runs', 'id'),
      tenantId: row.tenant_id,
      direction: readOneOf(runDirections, row.direction, 'runs', 'direction'),
      startedAt: row.started_at,
      progress:
        done === null || total === null || at === null
          ? null
          : {
              done: readInteger(done, 'runs', 'progress_done'),
              total: readInteger(total, 'runs', 'progress_total'),
              at,
            },
    };
  },
};

/* The accounts (migration 0012). */

const langs = ['fr', 'en'] as const satisfies readonly NonNullable<User['lang']>[];
const auditVias = ['dashboard', 'api', 'service'] as const satisfies readonly AuditEntry['via'][];

function readBoolean(value: number | string, table: string, column: string): boolean {
  const number = Number(value);
  if (number !== 0 && number !== 1) throw corrupt(table, column, 'a value that is neither 0 nor 1');
  return number === 1;
}

function readJson<T>(text: string, schema: z.ZodType<T>, table: string, column: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corrupt(table, column, 'text that is not JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw corrupt(table, column, `JSON that is not ${what}`);
  return parsed.data;
}

const GrantsSchema = z.array(z.object({ tenantId: z.string(), role: z.enum(tenantRoles) }));
const AlertKindsSchema = z.array(z.enum(alertKinds));

/** A user row without its grants (another table): `from` takes them, read with `DbUserGrant.from`. */
export type DbUser = Selectable<UsersTable>;
export const DbUser = {
  to(user: Omit<User, 'id' | 'grants'>): Insertable<UsersTable> {
    return {
      email: user.email.toLowerCase(),
      operator: user.operator ? 1 : 0,
      disabled: user.disabled ? 1 : 0,
      password_hash: user.passwordHash,
      lang: user.lang,
      alerts: JSON.stringify(user.alerts),
      created_at: user.createdAt,
      updated_at: user.updatedAt,
    };
  },
  from(row: DbUser, grants: TenantGrant[]): User {
    return {
      id: readInteger(row.id, 'users', 'id'),
      email: row.email,
      operator: readBoolean(row.operator, 'users', 'operator'),
      grants,
      disabled: readBoolean(row.disabled, 'users', 'disabled'),
      passwordHash: row.password_hash,
      lang: row.lang === null ? null : readOneOf(langs, row.lang, 'users', 'lang'),
      alerts: readJson(row.alerts, AlertKindsSchema, 'users', 'alerts', 'a list of alert kinds'),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  },
};

export type DbUserGrant = Selectable<UserGrantsTable>;
export const DbUserGrant = {
  to(userId: number, grant: TenantGrant): Insertable<UserGrantsTable> {
    return { user_id: userId, tenant_id: grant.tenantId, role: grant.role };
  },
  from(row: DbUserGrant): TenantGrant {
    return { tenantId: row.tenant_id, role: readOneOf(tenantRoles, row.role, 'user_grants', 'role') };
  },
};

export type DbInvitation = Selectable<InvitationsTable>;
export const DbInvitation = {
  to(invitation: Invitation): Insertable<InvitationsTable> {
    return {
      token_hash: invitation.tokenHash,
      email: invitation.email.toLowerCase(),
      operator: invitation.operator ? 1 : 0,
      grants: JSON.stringify(invitation.grants),
      created_by: invitation.createdBy,
      created_at: invitation.createdAt,
      expires_at: invitation.expiresAt,
      used_at: invitation.usedAt,
    };
  },
  from(row: DbInvitation): Invitation {
    return {
      tokenHash: row.token_hash,
      email: row.email,
      operator: readBoolean(row.operator, 'invitations', 'operator'),
      grants: readJson(row.grants, GrantsSchema, 'invitations', 'grants', 'a list of grants'),
      createdBy: row.created_by === null ? null : readInteger(row.created_by, 'invitations', 'created_by'),
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      usedAt: row.used_at,
    };
  },
};

export type DbApiToken = Selectable<ApiTokensTable>;
export const DbApiToken = {
  to(token: Omit<ApiToken, 'id'>): Insertable<ApiTokensTable> {
    return {
      user_id: token.userId,
      name: token.name,
      token_hash: token.tokenHash,
      created_at: token.createdAt,
      last_used_at: token.lastUsedAt,
      revoked_at: token.revokedAt,
    };
  },
  from(row: DbApiToken): ApiToken {
    return {
      id: readInteger(row.id, 'api_tokens', 'id'),
      userId: readInteger(row.user_id, 'api_tokens', 'user_id'),
      name: row.name,
      tokenHash: row.token_hash,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      revokedAt: row.revoked_at,
    };
  },
};

export type DbAuditEntry = Selectable<AuditTable>;
export const DbAuditEntry = {
  /** The id is left out: the database numbers entries in the order they are added. */
  to(entry: Omit<AuditEntry, 'id'>): Insertable<AuditTable> {
    return {
      at: entry.at,
      actor_id: entry.actorId,
      actor_email: entry.actorEmail,
      via: entry.via,
      address: entry.address,
      tenant_id: entry.tenantId,
      action: entry.action,
      detail: JSON.stringify(entry.detail),
    };
  },
  from(row: DbAuditEntry): AuditEntry {
    return {
      id: readInteger(row.id, 'audit', 'id'),
      at: row.at,
      actorId: row.actor_id === null ? null : readInteger(row.actor_id, 'audit', 'actor_id'),
      actorEmail: row.actor_email,
      via: readOneOf(auditVias, row.via, 'audit', 'via'),
      address: row.address,
      tenantId: row.tenant_id,
      action: readOneOf(auditActions, row.action, 'audit', 'action'),
      detail: readJsonObject(row.detail, 'audit', 'detail'),
    };
  },
};

export type DbAlertState = Selectable<AlertStatesTable>;
export const DbAlertState = {
  to(state: AlertState): Insertable<AlertStatesTable> {
    return {
      tenant_id: state.tenantId,
      state: state.state,
      attention: state.attention,
      changed_at: state.changedAt,
    };
  },
  from(row: DbAlertState): AlertState {
    return { tenantId: row.tenant_id, state: row.state, attention: row.attention, changedAt: row.changed_at };
  },
};

export type DbTenantAlertSettings = Selectable<TenantAlertSettingsTable>;
export const DbTenantAlertSettings = {
  to(settings: TenantAlertSettings): Insertable<TenantAlertSettingsTable> {
    return { tenant_id: settings.tenantId, webhook_url: settings.webhookUrl, lang: settings.lang };
  },
  from(row: DbTenantAlertSettings): TenantAlertSettings {
    return {
      tenantId: row.tenant_id,
      webhookUrl: row.webhook_url,
      lang: readOneOf(langs, row.lang, 'tenant_alert_settings', 'lang'),
    };
  },
};

/* The webhooks (migration 0013). */

const ObjectTypesSchema = z.record(z.string(), z.string());

export type DbWebhookEndpoint = Selectable<WebhookEndpointsTable>;
export const DbWebhookEndpoint = {
  to(endpoint: WebhookEndpoint): Insertable<WebhookEndpointsTable> {
    return {
      tenant_id: endpoint.tenantId,
      enabled: endpoint.enabled ? 1 : 0,
      aimaira_customer_name: endpoint.aimaira.customerName,
      aimaira_client_id: endpoint.aimaira.clientId,
      aimaira_client_secret: endpoint.aimaira.clientSecret,
      edusign_school_id: endpoint.edusign.schoolId,
      edusign_client_secret: endpoint.edusign.clientSecret,
      object_types: JSON.stringify(endpoint.objectTypes),
      updated_at: endpoint.updatedAt,
    };
  },
  from(row: DbWebhookEndpoint): WebhookEndpoint {
    return {
      tenantId: row.tenant_id,
      enabled: readBoolean(row.enabled, 'webhook_endpoints', 'enabled'),
      aimaira: {
        customerName: row.aimaira_customer_name,
        clientId: row.aimaira_client_id,
        clientSecret: row.aimaira_client_secret,
      },
      edusign: { schoolId: row.edusign_school_id, clientSecret: row.edusign_client_secret },
      objectTypes: readJson(
        row.object_types,
        ObjectTypesSchema,
        'webhook_endpoints',
        'object_types',
        'an object of table names',
      ),
      updatedAt: row.updated_at,
    };
  },
};

export type DbWebhookMessage = Selectable<WebhookMessagesTable>;
export const DbWebhookMessage = {
  /** The id is left out: the database numbers messages in the order they are recorded. */
  to(message: Omit<WebhookMessage, 'id'>): Insertable<WebhookMessagesTable> {
    return {
      tenant_id: message.tenantId,
      source: message.source,
      received_at: message.receivedAt,
      event: message.event,
      object_type: message.objectType,
      object_id: message.objectId,
      hash_ok: message.hashOk === null ? null : message.hashOk ? 1 : 0,
      processed_at: message.processedAt,
    };
  },
  from(row: DbWebhookMessage): WebhookMessage {
    return {
      id: readInteger(row.id, 'webhook_messages', 'id'),
      tenantId: row.tenant_id,
      source: readOneOf(webhookSources, row.source, 'webhook_messages', 'source'),
      receivedAt: row.received_at,
      event: row.event,
      objectType: row.object_type,
      objectId: row.object_id,
      hashOk: row.hash_ok === null ? null : readBoolean(row.hash_ok, 'webhook_messages', 'hash_ok'),
      processedAt: row.processed_at,
    };
  },
};
