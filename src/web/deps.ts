/**
 * What the dashboard needs from the service, as an interface of its own: the service (`serve`) passes its tenant
 * registry, scheduler and store; the tests pass `createLocalDashboardDeps` (test/local-dashboard.ts). The
 * dashboard never holds a secret: credentials go in through `updateCredentials` and never come back out.
 */
import type { Clock } from '../clock.js';
import type { TenantOptions } from '../config/config.js';
import type {
  AccountStore,
  RunCounts,
  RunDirection,
  RunStatus,
  OpenedWebhookEndpoint,
  StateStore,
  WebhookEndpoint,
  WebhookMessage,
  WebhookSource,
  WebhookStore,
} from '../store/port.js';
import type { UrlPolicyOptions } from '../service/url-policy.js';
import type { SessionExplanation } from '../sync/down/explain.js';
import type { Lang } from './i18n.js';

/** A tenant as the list shows it. */
export interface TenantSummary {
  id: string;
  /** Paused by the service (repeated failures) or by an administrator. */
  paused: boolean;
  /** Why, in plain words; null when not paused. */
  pausedReason: string | null;
}

/** A tenant as its settings page shows it: everything but the secrets, which are only said to be set. */
export interface TenantDetails extends TenantSummary {
  aimaira: {
    url: string;
    /** Which kind of Aimaira access is set: a username and password, or an API key. */
    access: 'password' | 'apiKey';
  };
  edusign: { url: string };
  options: TenantOptions;
  /** What the service keeps of runs and events (the same for every tenant); absent when not said. */
  retention?: { months: number };
}

/** New secrets for a tenant; an absent field keeps its current value. */
export interface CredentialsUpdate {
  aimaira?: { username?: string; password?: string; apiKey?: string };
  edusign?: { apiKey?: string };
}

/** One item of a connection check, in plain words (never a secret). */
export interface CheckItem {
  /** What was checked, e.g. "Aimaira sign-in". */
  label: string;
  ok: boolean;
  /** What was found, or what is wrong and how to fix it. */
  detail: string;
}

export interface CheckResult {
  ok: boolean;
  items: CheckItem[];
}

export interface DashboardTenants {
  /** By id. */
  list(): Promise<TenantSummary[]>;
  get(id: string): Promise<TenantDetails | undefined>;
  /** Replaces the options; the caller validates them again and may refuse with an Error whose message is shown. */
  updateOptions(id: string, options: TenantOptions): Promise<void>;
  /** Write-only. */
  updateCredentials(id: string, credentials: CredentialsUpdate): Promise<void>;
  check(id: string): Promise<CheckResult>;
  /** Pauses the tenant (no scheduled run, no sync now) with the reason a person gave. */
  pause(id: string, reason: string): Promise<void>;
  /** Lifts a pause, whoever made it. */
  resume(id: string): Promise<void>;
}

/** Where a tenant stands in the schedule. */
export interface TenantSchedule {
  tenantId: string;
  /** The next scheduled runs (ISO instants), soonest first. */
  nextRuns: string[];
  /** A sync of this tenant is in progress. */
  running: boolean;
  /**
   * Where the sync in progress runs: in this process, or in another one (a worker, `sync`) whose progress is known
   * only through the store; absent when not said (the page then reads the store all the same).
   */
  runningIn?: 'this-process' | 'another-process';
  /** Scheduled runs missed recently (the service was down for the whole window), ISO instants of their slot. */
  missed: string[];
}

/** Progress of a "sync now", as it goes. */
export interface SyncProgress {
  direction: RunDirection;
  stage: 'started' | 'writing' | 'finished';
  /** Records written so far and to write (0 and 0 before the plan is known). */
  done: number;
  total: number;
  /** With `finished`. */
  status?: Exclude<RunStatus, 'running'>;
}

/** One direction of a finished "sync now" (the service's `DirectionOutcome`). */
export interface SyncDirectionSummary {
  direction: RunDirection;
  status: Exclude<RunStatus, 'running'>;
  runId: number | null;
  counts: RunCounts;
  error: string | null;
  durationMs: number;
}

/** A finished "sync now" (the service's `TenantSyncOutcome`). */
export interface SyncSummary {
  tenantId: string;
  status: Exclude<RunStatus, 'running'>;
  directions: SyncDirectionSummary[];
}

export type RunNowResult =
  | { accepted: true; done: Promise<SyncSummary> }
  /** `reason`, in plain words: e.g. a sync of this tenant is already running. */
  | { accepted: false; reason: string };

export interface DashboardScheduler {
  /** Every tenant's schedule, or one tenant's. */
  status(tenantId?: string): Promise<TenantSchedule[]>;
  /** Starts a sync (down, then up) now, unless one of this tenant is running; `onProgress` reports as it goes. */
  runNow(tenantId: string, onProgress: (progress: SyncProgress) => void): Promise<RunNowResult>;
}

/** A session of the window whose name matches a search. */
export interface SessionMatch {
  sessionId: number;
  name: string;
  /** ISO instant. */
  start: string;
}

/** A person found in Aimaira: kind and Aimaira id only, never a name or an e-mail. */
export interface PersonMatch {
  kind: 'learner' | 'facilitator' | 'tutor';
  aimairaId: number;
}

/** Live look-ups in a tenant's Aimaira (and Edusign for `explainSession`): nothing is written. */
export interface DashboardLookups {
  /** `explainSession`'s answer for this session, at the current instant. */
  explainSession(tenantId: string, sessionId: number): Promise<SessionExplanation>;
  /** Sessions of the window (and of the last days) whose name contains `text`, soonest first. */
  searchSessions(tenantId: string, text: string): Promise<SessionMatch[]>;
  /** People whose e-mail, or first and last name, is `text` exactly (as written in Aimaira, any case). */
  findPeople(tenantId: string, text: string): Promise<PersonMatch[]>;
}

/**
 * The first operator's password: a scrypt hash the service stored (`hashPassword`, an install older than accounts),
 * a plaintext from the environment (hashed at start, never kept): both are the password of the operator account
 * `admin`, made at start when missing. Or none yet: then, while no account exists, the first visitor makes the first
 * operator on the set-up page with the one-time token the service printed in its logs.
 */
export type AdminPassword = { hash: string } | { plaintext: string } | { setupToken: string };

/** Sends an e-mail (src/alerts/mailer.ts): invitations go out this way when the service has SMTP settings. */
export interface DashboardMailer {
  send(message: { to: string; subject: string; text: string }): Promise<void>;
}

/** Told when a person pauses or resumes a tenant, so that its people are alerted (src/alerts/). */
export interface DashboardAlerts {
  tenantPaused(tenantId: string, reason: string): Promise<unknown>;
  tenantResumed(tenantId: string): Promise<unknown>;
}

/** How a received webhook message was answered, for `/metrics`. */
export const webhookOutcomes = [
  'accepted',
  'unauthenticated',
  'malformed',
  'too-large',
  'other-tenant',
  'disabled',
] as const;
export type WebhookOutcome = (typeof webhookOutcomes)[number];

/** The receivers' needs: the tenants' endpoints, the inbox, and who to tell. */
export interface DashboardWebhooks {
  endpoints: {
    get(tenantId: string): Promise<WebhookEndpoint | undefined>;
    opened(tenantId: string): Promise<OpenedWebhookEndpoint | undefined>;
    setEnabled(tenantId: string, enabled: boolean): Promise<void>;
    newAimairaCredentials(tenantId: string): Promise<{ clientId: string; clientSecret: string }>;
    setAimairaCustomerName(tenantId: string, customerName: string | null): Promise<void>;
    setEdusign(tenantId: string, change: { schoolId?: string | null; clientSecret?: string }): Promise<void>;
  };
  inbox: Pick<WebhookStore, 'recordWebhookMessage' | 'lastWebhookMessages'>;
  /** A message is recorded: whoever acts on them may look at the tenant now. */
  onRecorded?(message: WebhookMessage): void;
  /** Every message answered, by source and outcome; an Aimaira hash that does not match is told apart. */
  count?(source: WebhookSource, outcome: WebhookOutcome | 'hash-mismatch'): void;
}

export interface DashboardDeps {
  store: StateStore;
  /** Accounts, invitations, tokens, the audit, alert settings. */
  accounts: AccountStore;
  tenants: DashboardTenants;
  scheduler: DashboardScheduler;
  lookups: DashboardLookups;
  clock: Clock;
  adminPassword: AdminPassword;
  /** The page language without a choice of the visitor; `fr` by default (the users are French organisations). */
  lang?: Lang;
  /** Where the dashboard is mounted, e.g. `/dashboard`; `` (the root) by default. */
  basePath?: string;
  /**
   * The address people reach the service at, e.g. `https://connector.example.fr`: its host is the one `Host` name
   * answered (IP literals and localhost always are), https marks cookies Secure, and links in mails start with it.
   */
  publicUrl?: string;
  /** The client's address is the last of `X-Forwarded-For` (a reverse proxy in front); false by default. */
  trustProxy?: boolean;
  /** Invitations by e-mail; without it, the operator hands the link over. */
  mailer?: DashboardMailer;
  /** The URL policy of the tenants' alert webhooks (loopback allowed for the simulators and the tests only). */
  webhookPolicy?: UrlPolicyOptions;
  alerts?: DashboardAlerts;
  /** The webhook receivers (`/hooks/...`); absent: not served. */
  webhooks?: DashboardWebhooks;
  /** Signed out after this long without a request; 30 minutes by default. */
  sessionIdleMinutes?: number;
  /** A page that failed (the visitor sees a plain error page; the details go here, for the service's logs). */
  onError?: (error: unknown, context: { path: string }) => void;
}
