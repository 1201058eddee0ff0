/**
 * The store port: the little the syncs need to remember between runs, with the runs' progress and the dashboard's
 * sign-in sessions (`StateStore`), the service's tenants (`TenantStore`) and the scheduler's occurrences, tenant
 * locks and health (`ScheduleStore`), together `Stores`. One interface each, one contract test suite each, one
 * Kysely adapter run on SQLite and on PostgreSQL (`openStore(url)`, src/store/open.ts).
 */
import type { PreflightReport } from '../domain/preflight.js';
import type { ReasonCode } from '../domain/reasons.js';
import type { RecordKind } from '../domain/types.js';

/** How a link came to be: the connector created the Edusign record, adopted one made by hand, or found its own. */
export const linkOrigins = ['created', 'adopted', 'recovered'] as const;
export type LinkOrigin = (typeof linkOrigins)[number];

/** The stored pair (Aimaira id, Edusign id) of one record, with what was last written. */
export interface Link {
  tenantId: string;
  kind: RecordKind;
  aimairaId: number;
  edusignId: string;
  /** Hash of the payload last written; null while a write is known to be incomplete (e.g. a sheet's roster). */
  hash: string | null;
  /** What the plan needs to remember about the record (a sheet's start and roster, a group's members...). */
  data: Record<string, unknown>;
  origin: LinkOrigin;
  /** ISO instants. */
  createdAt: string;
  updatedAt: string;
}

export const runDirections = ['down', 'up'] as const;
export type RunDirection = (typeof runDirections)[number];

export const runStatuses = ['running', 'success', 'partial', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof runStatuses)[number];

/** Counts by record kind and action, e.g. `{ "sheet.created": 12, "learner.skipped": 3 }`. */
export type RunCounts = Record<string, number>;

export interface Run {
  id: number;
  tenantId: string;
  direction: RunDirection;
  startedAt: string;
  endedAt: string | null;
  status: RunStatus;
  counts: RunCounts;
  /** The failure that ended the run, in plain words. */
  error: string | null;
}

/** How far a running run got: records written (`done`) of those its plan holds (`total`), as last saved. */
export interface RunProgress {
  done: number;
  total: number;
  /** When the run saved it. */
  at: string;
}

/** A run still `running`, with its last saved progress: what any process can show of a run another one runs. */
export interface LiveRun {
  runId: number;
  tenantId: string;
  direction: RunDirection;
  startedAt: string;
  /** Null until the run saves some (it is still reading, or has nothing to write). */
  progress: RunProgress | null;
}

/** When a tenant's newest run of some statuses, in one direction, ended. */
export interface RunEnd {
  tenantId: string;
  direction: RunDirection;
  /** ISO instant. */
  endedAt: string;
}

export const eventLevels = ['info', 'warning', 'error'] as const;
export type EventLevel = (typeof eventLevels)[number];

export const eventActions = [
  'created',
  'updated',
  'deleted',
  'adopted',
  'recovered',
  'kept',
  'skipped',
  'warning',
  'error',
] as const;
export type EventAction = (typeof eventActions)[number];

export interface SyncEvent {
  id?: number;
  runId: number;
  tenantId: string;
  at: string;
  level: EventLevel;
  action: EventAction;
  recordKind: RecordKind;
  aimairaId: number | null;
  edusignId: string | null;
  reason: ReasonCode | null;
  /** A short plain-words message, without e-mails or secrets. */
  message: string;
}

export interface EventFilter {
  tenantId: string;
  runId?: number;
  level?: EventLevel;
  action?: EventAction;
  reason?: ReasonCode;
  aimairaId?: number;
  limit?: number;
  /** Events with an id below this one (paging, newest first). */
  beforeId?: number;
}

/** Where one learner's attendance row stands: `pending` from just before its write, `sent` once Aimaira has it. */
export const attendanceStates = ['pending', 'sent'] as const;
export type AttendanceState = (typeof attendanceStates)[number];

/**
 * What the upward run wrote, or is writing, to one learner's `PlanificationRessource` row of one session: the
 * memory that makes attendance go up exactly once.
 */
export interface AttendanceRecord {
  tenantId: string;
  /** The session (Aimaira `Planification` id). */
  planificationId: number;
  /** The learner (Aimaira `Apprenant` id). */
  learnerId: number;
  /** The `PlanificationRessource` row written. */
  rowId: number;
  /** Hash of the values sent (`sent`) or being sent (`pending`). */
  hash: string;
  state: AttendanceState;
  /** When Aimaira first confirmed values for this row; null until then (tells a first write from a correction). */
  firstSentAt: string | null;
  updatedAt: string;
}

/** What the upward run remembers of one locked sheet, by its Edusign id. */
export interface LockedSheetRecord {
  tenantId: string;
  edusignId: string;
  /** The session of a sheet the connector created or adopted; null for a sheet made by hand. */
  planificationId: number | null;
  /** When the session was marked done (`Realise`) in Aimaira; null until then. */
  realisedAt: string | null;
  /** When a run reported that this sheet, made by hand, is not sent; null otherwise (reported once). */
  notLinkedAt: string | null;
}

/**
 * A signed-in session of the dashboard, as stored. Its id, the secret of the session cookie, is never stored: the
 * store keys the session by the id's SHA-256, so that a copy of the database signs nobody in.
 */
export interface DashboardSession {
  csrfToken: string;
  /** The account signed in; null for a session made before accounts existed (it signs nobody in). */
  userId: number | null;
  /** ISO instants. */
  createdAt: string;
  lastSeenAt: string;
}

/** How long a dashboard session lives: without a request (`idleMs`), and whatever happens (`maxAgeMs`). */
export interface DashboardSessionLimits {
  idleMs: number;
  maxAgeMs: number;
}

/**
 * The dashboard's sign-in sessions, in the database so that every process serving the dashboard knows them (sign in
 * on one, carry on with another; sign out on one, out everywhere). A session is expired once `idleMs` has passed
 * since it was last seen, or `maxAgeMs` since it was created; the limits are the dashboard's, given at each call.
 */
export interface DashboardSessionStore {
  /** Records a new session, created and last seen at `at`. */
  createDashboardSession(sessionId: string, csrfToken: string, at: string, userId: number): Promise<void>;
  /**
   * The live session of `sessionId`, seen again at `at` (its idle time starts over); undefined when there is none
   * or it has expired by `at`, in which case it is deleted.
   */
  touchDashboardSession(
    sessionId: string,
    at: string,
    limits: DashboardSessionLimits,
  ): Promise<DashboardSession | undefined>;
  /** Ends the session (sign-out); false when there was none. */
  deleteDashboardSession(sessionId: string): Promise<boolean>;
  /** Deletes every session expired by `at`; returns how many. */
  deleteExpiredDashboardSessions(at: string, limits: DashboardSessionLimits): Promise<number>;
  /** Ends every session of an account (disabled, or its password reset); returns how many. */
  deleteUserDashboardSessions(userId: number): Promise<number>;
}

/** What `deleteHistoryBefore` deleted. */
export interface HistoryDeleted {
  runs: number;
  events: number;
}

/** The kinds of link that are people (Aimaira ids are per kind: learner 42 and facilitator 42 are two people). */
export const personKinds = ['learner', 'facilitator', 'tutor'] as const satisfies readonly RecordKind[];
export type PersonKind = (typeof personKinds)[number];

/** What `forgetPerson` removed of one person, by kind of trace. */
export interface PersonForgotten {
  /** The person's own link (0 or 1). */
  links: number;
  /** Events about the person (their record, their attendance). */
  events: number;
  /** Attendance records of the learner. */
  attendance: number;
  /** Sheet and group links whose remembered roster, members or facilitators named the person. */
  rosters: number;
}

/**
 * The dashboard's sessions are kept with the state store, so that whoever holds the store (the service, the
 * dashboard's deps) has them too.
 */
export interface StateStore extends DashboardSessionStore {
  getLink(tenantId: string, kind: RecordKind, aimairaId: number): Promise<Link | undefined>;
  listLinks(tenantId: string, kind?: RecordKind): Promise<Link[]>;
  findLinkByEdusignId(tenantId: string, kind: RecordKind, edusignId: string): Promise<Link | undefined>;
  /** Inserts or replaces the link of (tenant, kind, aimairaId); keeps `createdAt` of an existing one. */
  saveLink(link: Omit<Link, 'createdAt' | 'updatedAt'>, at: string): Promise<void>;
  deleteLink(tenantId: string, kind: RecordKind, aimairaId: number): Promise<void>;

  /** Creation dates of sessions seen before (Aimaira `Object.DateCreation`), so they are read once. */
  getSessionCreations(tenantId: string, aimairaIds: readonly number[]): Promise<Map<number, string>>;
  saveSessionCreations(tenantId: string, creations: ReadonlyMap<number, string>): Promise<void>;

  /** The attendance records of these sessions. */
  listAttendance(tenantId: string, planificationIds: readonly number[]): Promise<AttendanceRecord[]>;
  /** Inserts or replaces the records of (tenant, planificationId, learnerId), all of them or none. */
  saveAttendance(records: readonly Omit<AttendanceRecord, 'updatedAt'>[], at: string): Promise<void>;
  /** What is remembered of these locked sheets, by Edusign id (absent: nothing yet). */
  getLockedSheets(tenantId: string, edusignIds: readonly string[]): Promise<Map<string, LockedSheetRecord>>;
  /** Inserts or replaces the record of (tenant, edusignId). */
  saveLockedSheet(record: LockedSheetRecord): Promise<void>;

  startRun(tenantId: string, direction: RunDirection, at: string): Promise<Run>;
  finishRun(
    runId: number,
    status: Exclude<RunStatus, 'running'>,
    counts: RunCounts,
    at: string,
    error?: string,
  ): Promise<void>;
  getRun(runId: number): Promise<Run | undefined>;
  /** Newest first. */
  listRuns(tenantId: string, limit?: number): Promise<Run[]>;
  /**
   * Ends as `interrupted`, at `at` and with `error`, the runs still `running` (of `scope.tenantIds` only, when
   * given; never of `scope.exceptTenantIds`, e.g. tenants whose lock another live process holds): runs a stopped
   * process left behind, which no process will finish. Returns them as they were.
   */
  markRunningAsInterrupted(
    at: string,
    error: string,
    scope?: { tenantIds?: readonly string[]; exceptTenantIds?: readonly string[] },
  ): Promise<Run[]>;
  /** For each tenant and direction that has one, when its newest run with one of `statuses` ended. */
  lastRunEnds(statuses: readonly Exclude<RunStatus, 'running'>[]): Promise<RunEnd[]>;
  /**
   * Saves how far a running run got, replacing what it saved before; false (nothing saved) when the run is unknown or
   * no longer running.
   */
  saveRunProgress(runId: number, progress: Omit<RunProgress, 'at'>, at: string): Promise<boolean>;
  /** The tenant's runs still `running`, oldest first, each with its last saved progress. */
  listLiveRuns(tenantId: string): Promise<LiveRun[]>;

  /** The tenant's last preflight (`tenant check --deep`), whose strategies every run of the tenant uses. */
  getPreflight(tenantId: string): Promise<PreflightReport | undefined>;
  /** Replaces the tenant's last preflight. */
  savePreflight(report: PreflightReport): Promise<void>;

  /**
   * Retention: deletes the runs that ended before `before` (an ISO instant) and their events, a batch of
   * `batchSize` runs per transaction, and returns how many of each. Never a running run (its process still writes
   * its events and its end), nor the newest finished run of each tenant and direction, nor its newest successful
   * one, whatever their age: the dashboard shows the last run and the metrics the last success of each.
   */
  deleteHistoryBefore(before: string, options?: { batchSize?: number }): Promise<HistoryDeleted>;
  /**
   * Removes every trace of one person of a tenant, in one transaction: their link, the events about them, a
   * learner's attendance records, and their id in the rosters, members and facilitators remembered by sheet and
   * group links (whose hash is cleared, so the next run writes them again). The next run then finds the person
   * as new (by API_ID or e-mail on Edusign) if they are still in Aimaira.
   */
  forgetPerson(tenantId: string, kind: PersonKind, aimairaId: number): Promise<PersonForgotten>;

  appendEvents(events: readonly SyncEvent[]): Promise<void>;
  /** Newest first. */
  listEvents(filter: EventFilter): Promise<SyncEvent[]>;

  close(): Promise<void>;
}

/* ---------------------------------------------------------------------------------------------------------------
 * The tenants of the service: secrets only sealed (encrypted by src/service/secrets.ts); the store never sees a
 * plaintext secret and has no key to make one. Adapter: src/store/tenant-store.ts.
 */

export const tenantStatuses = ['active', 'paused'] as const;
export type TenantStatus = (typeof tenantStatuses)[number];

/** The secret fields of a tenant, by the name of their place in the configuration file. */
export const secretFields = ['aimaira.password', 'aimaira.apiKey', 'edusign.apiKey'] as const;
export type SecretField = (typeof secretFields)[number];

/** A tenant as stored: secrets sealed, options as the JSON object they were saved as. */
export interface StoredTenant {
  id: string;
  aimaira: {
    url: string;
    username: string | null;
    /** Sealed. */
    password: string | null;
    /** Sealed. */
    apiKey: string | null;
  };
  edusign: {
    url: string;
    /** Sealed. */
    apiKey: string;
  };
  options: Record<string, unknown>;
  status: TenantStatus;
  /** Why the tenant is paused, in plain words; null when active. */
  pausedReason: string | null;
  pausedAt: string | null;
  /** ISO instants. */
  createdAt: string;
  updatedAt: string;
}

export type TenantRecord = Omit<StoredTenant, 'createdAt' | 'updatedAt'>;

/** One sealed secret, where it belongs. */
export interface SealedSecret {
  tenantId: string;
  field: SecretField;
  sealed: string;
}

export interface TenantStore {
  /** By id. */
  list(): Promise<StoredTenant[]>;
  get(id: string): Promise<StoredTenant | undefined>;
  /** Inserts or replaces the tenant; an existing one keeps its `createdAt`. */
  put(tenant: TenantRecord, at: string): Promise<void>;
  /** `put` of each, all of them or none. */
  putAll(tenants: readonly TenantRecord[], at: string): Promise<void>;
  /** False when there was no such tenant. Its links, runs and events stay (see docs/service.md). */
  remove(id: string): Promise<boolean>;
  /** False when there is no such tenant. `reason` is kept only for `paused`. */
  setStatus(id: string, status: TenantStatus, reason: string | null, at: string): Promise<boolean>;
  /**
   * Replaces every sealed secret of every tenant by `reseal(secret)`, in one transaction: all are replaced, or
   * (when `reseal` throws) none. Returns how many secrets were replaced. `updatedAt` is left alone: the
   * tenant's configuration did not change.
   */
  reencryptAll(reseal: (secret: SealedSecret) => string): Promise<number>;
}

/* ---------------------------------------------------------------------------------------------------------------
 * The scheduler's memory (migration 0007): occurrences, tenant locks, tenant health. Adapter:
 * src/store/schedule-store.ts.
 */

/**
 * Where an occurrence stands: `claimed` (running, or its process died: see `interruptAbandonedClaims`), `done`
 * (success or partial), `failed`, `interrupted` (stopped before its end: claimed again if its window is still
 * open), `missed` (its window closed without a run).
 */
export const scheduledRunStates = ['claimed', 'done', 'failed', 'interrupted', 'missed'] as const;
export type ScheduledRunState = (typeof scheduledRunStates)[number];

/** The states an occurrence ends in once its run is over. */
export type FinishedRunState = Extract<ScheduledRunState, 'done' | 'failed' | 'interrupted'>;

/** Why a tenant's run was started. */
export const runTriggers = ['scheduled', 'on-demand'] as const;
export type RunTrigger = (typeof runTriggers)[number];

/**
 * Why a tenant's run failed, as far as pausing goes: refused access (HTTP 401/403 from either API), one of the
 * APIs not answering (5xx, 408, 429, network), anything else.
 */
export const failureReasons = ['bad-credentials', 'edusign-down', 'aimaira-down', 'other'] as const;
export type FailureReason = (typeof failureReasons)[number];

/** How a run ended: the statuses of the sync's runs. */
export type OutcomeStatus = Exclude<RunStatus, 'running'>;
export const outcomeStatuses = ['success', 'partial', 'failed', 'interrupted'] as const satisfies OutcomeStatus[];

/** What identifies an occurrence, with the slot it was due at. */
export interface OccurrenceRef {
  tenantId: string;
  windowId: string;
  parisDate: string;
  slotAt: string;
}

export interface ScheduledRun extends OccurrenceRef {
  state: ScheduledRunState;
  /** Who claimed it; null for a miss. */
  holder: string | null;
  claimedAt: string | null;
  /** When the run ended, or when the miss was recorded. */
  finishedAt: string | null;
  attempts: number;
  /** The sync runs (`runs` table) it made, over every attempt. */
  runIds: number[];
  outcome: OutcomeStatus | null;
  reason: FailureReason | null;
  error: string | null;
}

export interface OccurrenceResult {
  state: FinishedRunState;
  at: string;
  outcome: OutcomeStatus;
  reason: FailureReason | null;
  error: string | null;
  runIds: readonly number[];
}

export interface ScheduledRunFilter {
  tenantId?: string;
  states?: readonly ScheduledRunState[];
  /** Paris dates, `YYYY-MM-DD`, both included. */
  fromDate?: string;
  toDate?: string;
  limit?: number;
}

export interface TenantLock {
  tenantId: string;
  holder: string;
  acquiredAt: string;
  heartbeatAt: string;
  expiresAt: string;
}

/** Taken (the lock as now held), or not (the lock as held by someone else). */
export type LockAttempt = { acquired: true; lock: TenantLock } | { acquired: false; lock: TenantLock };

export interface TenantPause {
  at: string;
  reason: FailureReason;
  /** In plain words, for the dashboard and `tenant show`. */
  message: string;
}

/** The same failure, run after run: what pauses a tenant at the third. */
export interface FailureStreak {
  reason: FailureReason;
  /** What "the same" compares: the reason, or for `other` the reason and the error text. */
  signature: string;
  count: number;
}

export interface LastRun {
  trigger: RunTrigger;
  status: OutcomeStatus;
  reason: FailureReason | null;
  error: string | null;
  startedAt: string;
  finishedAt: string;
}

export interface TenantHealth {
  tenantId: string;
  /** Since when the scheduler watches the tenant (first seen, or last resumed): windows closed before are not misses. */
  scheduledSince: string;
  paused: TenantPause | null;
  failureStreak: FailureStreak | null;
  lastRun: LastRun | null;
}

export interface ScheduleStore {
  /**
   * Claims the occurrence for `holder`: true when it is now theirs (a new row, or one left `interrupted`, whose
   * attempts go up); false when it is already claimed, done, failed or missed.
   */
  claimOccurrence(occurrence: OccurrenceRef, holder: string, at: string): Promise<boolean>;
  /** Ends `holder`'s claim; false when the claim is no longer theirs (it was taken for abandoned meanwhile). */
  finishOccurrence(
    occurrence: Omit<OccurrenceRef, 'slotAt'>,
    holder: string,
    result: OccurrenceResult,
  ): Promise<boolean>;
  /** Records the occurrence as missed; false when it was acted on already. */
  recordMissed(occurrence: OccurrenceRef, at: string): Promise<boolean>;
  /** Newest Paris date first, then by slot (newest first), tenant and window. */
  listScheduledRuns(filter?: ScheduledRunFilter): Promise<ScheduledRun[]>;
  /**
   * Marks `interrupted` the claims made before `claimedBefore` whose tenant has no live lock at `at`: their
   * process died during the run (a live run keeps its lock alive). Returns them as they now are.
   */
  interruptAbandonedClaims(at: string, claimedBefore: string, error: string): Promise<ScheduledRun[]>;

  /** Takes the tenant's lock for `leaseMs` if nobody holds it or its holder's lease expired, in one statement. */
  acquireLock(tenantId: string, holder: string, at: string, leaseMs: number): Promise<LockAttempt>;
  /** Extends `holder`'s lease; false when the lock is no longer theirs. */
  renewLock(tenantId: string, holder: string, at: string, leaseMs: number): Promise<boolean>;
  /** Releases `holder`'s lock; false when it was not theirs (any more). */
  releaseLock(tenantId: string, holder: string): Promise<boolean>;
  getLock(tenantId: string): Promise<TenantLock | undefined>;
  /** Every lock row, expired or not, by tenant. */
  listLocks(): Promise<TenantLock[]>;

  getHealth(tenantId: string): Promise<TenantHealth | undefined>;
  /** By tenant. */
  listHealth(): Promise<TenantHealth[]>;
  /** Inserts or replaces the tenant's health. */
  saveHealth(health: TenantHealth): Promise<void>;
}

/** Every store of one database: the state store, the tenants and the schedule, opened and closed together. */
export interface Stores extends StateStore {
  /** The tenants of the service, over the same database (closed with it). */
  readonly tenants: TenantStore;
  /** The scheduler's occurrences, tenant locks and tenant health, over the same database (closed with it). */
  readonly schedule: ScheduleStore;
  /** The dashboard's accounts, tokens, audit and alert memory, over the same database (closed with it). */
  readonly accounts: AccountStore;
  /** The tenants' webhook receivers and the inbox of messages, over the same database (closed with it). */
  readonly webhooks: WebhookStore;
}

/* ---------------------------------------------------------------------------------------------------------------
 * The people of the dashboard (migration 0012): accounts with their roles, invitations, personal API tokens, the
 * audit trail, and what the alerts remember. Adapter: src/store/account-store.ts. Secrets (passwords, invitation
 * links, API tokens) are stored only as hashes made by the caller: the store never sees one in clear.
 */

/** What a person may do on one tenant: a manager changes it, a viewer reads it. Operators may do all on every one. */
export const tenantRoles = ['manager', 'viewer'] as const;
export type TenantRole = (typeof tenantRoles)[number];

export interface TenantGrant {
  tenantId: string;
  role: TenantRole;
}

/** What a person may be told about (src/alerts/): a tenant failing or paused, recovering, sheets left out. */
export const alertKinds = ['failing', 'paused', 'recovered', 'attention'] as const;
export type AlertKind = (typeof alertKinds)[number];

export interface User {
  id: number;
  /** Lower case; the sign-in name. The first operator made from the environment may be `admin`. */
  email: string;
  /** Every tenant, the accounts, the service. */
  operator: boolean;
  /** By tenant id; empty for an operator (who needs none). */
  grants: TenantGrant[];
  /** A disabled account cannot sign in; its sessions and tokens stop working at once. */
  disabled: boolean;
  /** scrypt hash (src/web/security.ts); null while an invitation is not accepted. */
  passwordHash: string | null;
  /** The account's language for pages and alerts; null: the service's default. */
  lang: 'fr' | 'en' | null;
  /** What the person receives by e-mail. */
  alerts: AlertKind[];
  /** ISO instants. */
  createdAt: string;
  updatedAt: string;
}

export type NewUser = Pick<User, 'email' | 'operator' | 'grants'> &
  Partial<Pick<User, 'passwordHash' | 'lang' | 'alerts'>>;

export type UserChange = Partial<Pick<User, 'operator' | 'grants' | 'disabled' | 'passwordHash' | 'lang' | 'alerts'>>;

/** A one-time link to make an account: single use, until `expiresAt`. */
export interface Invitation {
  /** SHA-256 (hex) of the link's token; the token itself is shown once and never stored. */
  tokenHash: string;
  email: string;
  operator: boolean;
  grants: TenantGrant[];
  createdBy: number | null;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

/** A personal API token: acts as its owner, with the owner's roles at each request. */
export interface ApiToken {
  id: number;
  userId: number;
  name: string;
  /** SHA-256 (hex) of the token; the token is shown once. */
  tokenHash: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The changes the audit records, as data (the dashboard and the CSV name them). */
export const auditActions = [
  'options.update',
  'credentials.update',
  'tenant.check',
  'tenant.sync',
  'tenant.pause',
  'tenant.resume',
  'alerts.update',
  'webhooks.update',
  'webhooks.credentials',
  'user.invite',
  'user.create',
  'user.update',
  'user.disable',
  'user.enable',
  'user.password-reset',
  'account.password',
  'account.alerts',
  'token.create',
  'token.revoke',
] as const;
export type AuditAction = (typeof auditActions)[number];

export interface AuditEntry {
  id: number;
  /** ISO instant. */
  at: string;
  /** Who: the account (null for the service itself, e.g. an automatic pause) and its e-mail at the time. */
  actorId: number | null;
  actorEmail: string | null;
  /** Through the pages, the API (a token), or the service. */
  via: 'dashboard' | 'api' | 'service';
  /** From where: the client's address as the service saw it; null when not over HTTP. */
  address: string | null;
  tenantId: string | null;
  action: AuditAction;
  /** What changed, never a value of a secret: e.g. `{ fields: ['edusign.apiKey'] }`, `{ options: { horizonDays: [14, 7] } }`. */
  detail: Record<string, unknown>;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export interface AuditFilter {
  tenantId?: string;
  actorId?: number;
  action?: AuditAction;
  /** ISO instants: `since` <= at < `until`. */
  since?: string;
  until?: string;
  /** Entries with a smaller id (paging, newest first). */
  beforeId?: number;
  limit: number;
}

/** Where a tenant stood when its people were last told (src/alerts/): an alert goes out only on a change. */
export interface AlertState {
  tenantId: string;
  /** `healthy`, `failing`, `paused` (src/alerts/ decides the words). */
  state: string;
  /** The reason codes needing a person in the last run's left-out sheets, sorted, comma-separated; '' when none. */
  attention: string;
  changedAt: string;
}

/** A tenant's own alert settings: a webhook (Slack, Teams or any JSON receiver) and the language of its messages. */
export interface TenantAlertSettings {
  tenantId: string;
  webhookUrl: string | null;
  lang: 'fr' | 'en';
}

export interface AccountStore {
  countUsers(): Promise<number>;
  /** Throws `DuplicateAccountError` (src/store/schema.ts) when the e-mail has an account. */
  createUser(user: NewUser, at: string): Promise<User>;
  getUser(id: number): Promise<User | undefined>;
  /** Any case. */
  getUserByEmail(email: string): Promise<User | undefined>;
  /** By e-mail. */
  listUsers(): Promise<User[]>;
  /** The accounts that may see a tenant: its managers and viewers, and the operators. */
  listTenantUsers(tenantId: string): Promise<User[]>;
  /** Undefined when there is no such user. `grants` replaces them all. */
  updateUser(id: number, change: UserChange, at: string): Promise<User | undefined>;

  createInvitation(invitation: Omit<Invitation, 'usedAt'>): Promise<void>;
  /** Marks the invitation used and returns it, when it exists, is unused and `at` < `expiresAt`; in one statement. */
  takeInvitation(tokenHash: string, at: string): Promise<Invitation | undefined>;
  /** Not used and not expired at `at`, newest first. */
  listOpenInvitations(at: string): Promise<Invitation[]>;

  createApiToken(token: Omit<ApiToken, 'id' | 'lastUsedAt' | 'revokedAt'>): Promise<ApiToken>;
  /** The live (not revoked) token of this hash with its owner. */
  findApiToken(tokenHash: string): Promise<{ token: ApiToken; user: User } | undefined>;
  /** Records a use; at most one write a minute per token is enough. */
  touchApiToken(id: number, at: string): Promise<void>;
  /** False when not the user's, or already revoked. */
  revokeApiToken(id: number, userId: number, at: string): Promise<boolean>;
  /** The user's tokens, revoked ones included, newest first. */
  listApiTokens(userId: number): Promise<ApiToken[]>;

  addAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first. */
  listAudit(filter: AuditFilter): Promise<AuditEntry[]>;

  getAlertState(tenantId: string): Promise<AlertState | undefined>;
  saveAlertState(state: AlertState): Promise<void>;
  getTenantAlertSettings(tenantId: string): Promise<TenantAlertSettings | undefined>;
  saveTenantAlertSettings(settings: TenantAlertSettings): Promise<void>;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Webhooks (migration 0013): each tenant's receiving endpoints (their secrets sealed, like the tenants' own), and
 * the inbox of messages received, written before the sender is answered so that an accepted message is never lost.
 * Adapter: src/store/webhook-store.ts.
 */

export const webhookSources = ['aimaira', 'edusign'] as const;
export type WebhookSource = (typeof webhookSources)[number];

/** What a tenant's receivers accept. Secrets are sealed (src/service/secrets.ts); the store never opens one. */
export interface WebhookEndpoint {
  tenantId: string;
  /** Messages are received and acted on; when false, both receivers answer 404 and nothing is recorded. */
  enabled: boolean;
  aimaira: {
    /** The `CustomerName` Aimaira's messages must carry; null: not checked yet (set at the first check). */
    customerName: string | null;
    /** What Aimaira's team is given: a client id and a secret (Basic, or OAuth client credentials). */
    clientId: string | null;
    /** Sealed. */
    clientSecret: string | null;
  };
  edusign: {
    /** The `x-edusign-school-id` the messages must carry. */
    schoolId: string | null;
    /** The application's client secret the HMAC is made with. Sealed. */
    clientSecret: string | null;
  };
  /** Aimaira's table names (`ObjectType`) learned at the preflight, by entity (`Planification` → `...T_...`). */
  objectTypes: Record<string, string>;
  updatedAt: string;
}

/** An endpoint with its secrets opened (src/service/webhook-endpoints.ts): for checking a message, never shown. */
export interface OpenedWebhookEndpoint {
  tenantId: string;
  enabled: boolean;
  aimaira: { customerName: string | null; clientId: string | null; clientSecret: string | null };
  edusign: { schoolId: string | null; clientSecret: string | null };
  objectTypes: Record<string, string>;
}

/** One message received: ids and names only (neither service sends data in them). */
export interface WebhookMessage {
  id: number;
  tenantId: string;
  source: WebhookSource;
  /** ISO instant the service received it. */
  receivedAt: string;
  /** Aimaira's `TriggerName`, or Edusign's `x-edusign-webhook-type`. */
  event: string;
  /** Aimaira's `ObjectType`; null for Edusign. */
  objectType: string | null;
  /** Aimaira's `ObjectId`, or the Edusign course id. */
  objectId: string | null;
  /** Aimaira: whether its `Hash` matched the published formula (null: not checked); null for Edusign. */
  hashOk: boolean | null;
  /** When a run acted on it (or decided it needed none); null while pending. */
  processedAt: string | null;
}

export type NewWebhookMessage = Omit<WebhookMessage, 'id' | 'processedAt'>;

export interface WebhookStore {
  getWebhookEndpoint(tenantId: string): Promise<WebhookEndpoint | undefined>;
  /** By tenant: every endpoint (a key rotation checks which keys their secrets still use). */
  listWebhookEndpoints(): Promise<WebhookEndpoint[]>;
  /** Inserts or replaces. */
  saveWebhookEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  /** Durable when it returns: the caller answers the sender after this. */
  recordWebhookMessage(message: NewWebhookMessage): Promise<WebhookMessage>;
  /** The tenant's pending messages, oldest first. */
  pendingWebhookMessages(tenantId: string, limit: number): Promise<WebhookMessage[]>;
  /** Tenants with pending messages, and the oldest pending reception of each (ISO), oldest first. */
  tenantsWithPendingWebhookMessages(): Promise<{ tenantId: string; oldest: string }[]>;
  /** Marks them processed at `at`; returns how many were pending. */
  markWebhookMessagesProcessed(ids: readonly number[], at: string): Promise<number>;
  /** The newest message of each source for the tenant (the dashboard's "last message received"). */
  lastWebhookMessages(tenantId: string): Promise<Partial<Record<WebhookSource, WebhookMessage>>>;
  /** Processed messages received before `before` are deleted (retention); returns how many. */
  deleteProcessedWebhookMessages(before: string): Promise<number>;
  /**
   * Replaces every sealed webhook secret by `reseal(sealed, tenantId, field)`, in one transaction, as
   * `TenantStore.reencryptAll` does for the tenants' own secrets (a master key rotation).
   */
  reencryptWebhookSecrets(
    reseal: (sealed: string, tenantId: string, field: 'aimaira.clientSecret' | 'edusign.clientSecret') => string,
  ): Promise<number>;
}
