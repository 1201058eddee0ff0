/**
 * The state store port: the little the syncs need to remember between runs. One interface, one contract test
 * suite, an adapter per database (SQLite file now, PostgreSQL later).
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

export interface StateStore {
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

  /** The tenant's last preflight (`tenant check --deep`), whose strategies every run of the tenant uses. */
  getPreflight(tenantId: string): Promise<PreflightReport | undefined>;
  /** Replaces the tenant's last preflight. */
  savePreflight(report: PreflightReport): Promise<void>;

  appendEvents(events: readonly SyncEvent[]): Promise<void>;
  /** Newest first. */
  listEvents(filter: EventFilter): Promise<SyncEvent[]>;

  close(): Promise<void>;
}
