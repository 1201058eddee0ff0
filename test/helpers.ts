/** Shared test set-up: a sandbox (both simulators with a scenario), a tenant pointing at it, a real SQLite store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'vitest';
import { DateTime } from 'luxon';

import { isSimProfile } from '../sim/shared/profile.js';
import type { SimProfile } from '../sim/shared/profile.js';
import { startSandbox } from '../sim/sandbox.js';
import type { Sandbox, SandboxOptions } from '../sim/sandbox.js';
import type { EdusignSchoolHandle } from '../sim/edusign/server.js';
import type { Clock } from '../src/clock.js';
import type { ScheduleWindow } from '../src/service/schedule.js';
import { TenantConfig } from '../src/config/config.js';
import type { TenantOptions } from '../src/config/config.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { StateStore, SyncEvent, TenantStore } from '../src/store/port.js';
import { createTenantRepository, lazyMasterKeys } from '../src/service/tenants.js';
import { createTenantClients } from '../src/sync/clients.js';
import { runDown } from '../src/sync/down/run.js';
import type { DownRunResult } from '../src/sync/down/run.js';

export const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The simulators' profile for this test run: vitest's `harsh` project sets it (vitest.config.ts), so that the
 * end-to-end suites run against both profiles; tests may still ask for one explicitly.
 */
export const simProfile: SimProfile = isSimProfile(process.env['AIMAIRA_EDUSIGN_SIM_PROFILE'])
  ? process.env['AIMAIRA_EDUSIGN_SIM_PROFILE']
  : 'default';

export function tenantFor(sandbox: Sandbox, options: Partial<TenantOptions> = {}, id = 'demo'): TenantConfig {
  const { aimaira, edusign } = sandbox.scenario.credentials;
  return TenantConfig.parse({
    id,
    aimaira: { url: sandbox.aimaira.rootUrl, username: aimaira.username, password: aimaira.password },
    edusign: { url: sandbox.edusign.url, apiKey: edusign.apiKey },
    options,
  });
}

/**
 * A clock that never waits: `sleep` moves it forward instead. Retries and backoffs then cost nothing in tests,
 * while instants keep increasing (the rate limiter and the run records stay consistent).
 */
export function createSkippingClock(): Clock {
  let skipped = 0;
  return {
    now: () => Date.now() + skipped,
    sleep: (ms, signal) => {
      signal?.throwIfAborted();
      skipped += Math.max(0, ms);
      return Promise.resolve();
    },
  };
}

export interface DownHarness {
  sandbox: Sandbox;
  store: StateStore;
  dataDir: string;
  tenant: TenantConfig;
  /** The sandbox's Edusign school, as a person in the web app sees it. */
  school: EdusignSchoolHandle;
  /**
   * A downward run at the scenario's instant (or `now`), with the harness's tenant, another `tenant`, or the
   * harness's tenant with some `options` changed. Backoffs cost no time (see createSkippingClock).
   */
  sync(overrides?: {
    now?: Date;
    dryRun?: boolean;
    tenant?: TenantConfig;
    options?: Partial<TenantOptions>;
  }): Promise<DownRunResult>;
  /** The events of one run, oldest first. */
  events(runId: number | undefined): Promise<SyncEvent[]>;
  /** Edusign write requests recorded since the last call to `resetRequests`. */
  edusignWrites(): number;
  resetRequests(): void;
  close(): Promise<void>;
}

export async function startDownHarness(
  sandboxOptions: SandboxOptions,
  options: Partial<TenantOptions> = {},
): Promise<DownHarness> {
  const sandbox = await startSandbox({ profile: simProfile, ...sandboxOptions });
  const dataDir = mkdtempSync(join(tmpdir(), 'aimaira-edusign-test-'));
  const store = await openSqliteStore({ dataDir });
  const tenant = tenantFor(sandbox, options);
  const now = new Date(sandbox.scenario.now);
  const clock = createSkippingClock();
  return {
    sandbox,
    store,
    dataDir,
    tenant,
    school: sandbox.edusign.school(tenant.edusign.apiKey),
    async sync(overrides = {}) {
      const effective =
        overrides.tenant ??
        (overrides.options ? tenantFor(sandbox, { ...tenant.options, ...overrides.options }) : tenant);
      const clients = createTenantClients(effective, { clock });
      return runDown({
        tenant: effective,
        ...clients,
        store,
        clock,
        now: overrides.now ?? now,
        dryRun: overrides.dryRun ?? false,
      });
    },
    async events(runId) {
      if (runId === undefined) return [];
      const events = await store.listEvents({ tenantId: tenant.id, runId, limit: 100_000 });
      return events.reverse();
    },
    edusignWrites: () => sandbox.edusign.requests.filter((r) => writeMethods.has(r.method)).length,
    resetRequests() {
      sandbox.edusign.requests.length = 0;
      sandbox.aimaira.requests.length = 0;
    },
    async close() {
      await store.close();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One more run that must find nothing to write, and the checks that it did look: it succeeds, reads Aimaira,
 * evaluates sheets to keep and plans, and sends Edusign no write. A run that failed, or stopped before reading,
 * writes nothing too: without these checks "nothing written" would hold when nothing happened.
 */
export async function expectQuietRun(
  harness: DownHarness,
  overrides?: Parameters<DownHarness['sync']>[0],
): Promise<DownRunResult> {
  harness.resetRequests();
  const result = await harness.sync(overrides);
  expect(result.error).toBeUndefined();
  expect(result.status).toBe('success');
  expect(harness.sandbox.aimaira.requests.length, 'requests to Aimaira').toBeGreaterThan(0);
  expect(result.evaluation?.desired.sheets.length ?? 0, 'sheets evaluated').toBeGreaterThan(0);
  expect(result.plan, 'plan').toBeDefined();
  expect(harness.edusignWrites(), 'writes to Edusign').toBe(0);
  return result;
}

// ---- Reading the Edusign state by API_ID: comparable between two sandboxes of one scenario ------------------

export interface CourseByApiId {
  name: string;
  start: string;
  end: string;
  classroom: string;
  /** Facilitators' API_IDs in slot order (PROFESSOR, _2, _3); a professor without API_ID shows as its ID. */
  professors: string[];
  /** Groups' API_IDs, sorted. */
  groups: string[];
  /** Learners' API_IDs on the roster, sorted. */
  students: string[];
  locked: boolean;
}

export interface PersonByApiId {
  firstName: string;
  lastName: string;
  email: string;
  hidden: boolean;
}

export interface EdusignStateByApiId {
  courses: Record<string, CourseByApiId>;
  students: Record<string, PersonByApiId & { followers: string[] }>;
  professors: Record<string, PersonByApiId>;
  groups: Record<string, { name: string; students: string[] }>;
  followers: Record<string, PersonByApiId>;
  /** Records without API_ID (made by hand, not adopted), by kind. */
  byHand: { courses: number; students: number; professors: number; groups: number };
  /** API_IDs carried by more than one record of a kind. */
  duplicateApiIds: string[];
}

/**
 * The school's records keyed by API_ID, with every reference between them (roster, facilitators, groups, tutors)
 * written as API_IDs too: two schools synchronised from the same scenario give equal objects.
 */
export function edusignStateByApiId(school: EdusignSchoolHandle): EdusignStateByApiId {
  const snapshot = school.snapshot();
  const duplicateApiIds: string[] = [];
  const apiIdOf = new Map<string, string>();
  const index = <T extends { ID: string; API_ID: string }, R>(kind: string, records: T[], map: (record: T) => R) => {
    const result: Record<string, R> = {};
    for (const record of records) {
      if (record.API_ID === '') continue;
      if (Object.hasOwn(result, record.API_ID)) duplicateApiIds.push(`${kind}:${record.API_ID}`);
      result[record.API_ID] = map(record);
    }
    return result;
  };
  for (const record of [
    ...snapshot.students,
    ...snapshot.professors,
    ...snapshot.groups,
    ...snapshot.externals,
    ...snapshot.courses,
  ]) {
    apiIdOf.set(record.ID, record.API_ID === '' ? `hand:${record.ID}` : record.API_ID);
  }
  const ref = (id: string) => apiIdOf.get(id) ?? `unknown:${id}`;
  // A professor's HIDDEN lists the schools where it is archived; the others' is 0/1.
  const person = (record: {
    FIRSTNAME: string;
    LASTNAME: string;
    EMAIL: string;
    HIDDEN: 0 | 1 | string[];
  }): PersonByApiId => ({
    firstName: record.FIRSTNAME,
    lastName: record.LASTNAME,
    email: record.EMAIL,
    hidden: Array.isArray(record.HIDDEN) ? record.HIDDEN.includes(snapshot.ID) : record.HIDDEN === 1,
  });
  // Records the simulator's profile put there itself are nobody's work: they are not counted as made by hand.
  const byHand = (records: readonly { ID: string; API_ID: string }[]) =>
    records.filter((r) => r.API_ID === '' && !snapshot.seeded.includes(r.ID)).length;
  return {
    courses: index('course', snapshot.courses, (course) => ({
      name: course.NAME,
      start: course.START,
      end: course.END,
      classroom: course.CLASSROOM,
      professors: [course.PROFESSOR, course.PROFESSOR_2, course.PROFESSOR_3].filter((id) => id !== '').map(ref),
      groups: course.SCHOOL_GROUP.map(ref).sort(),
      students: course.STUDENTS.map((row) => ref(row.studentId)).sort(),
      locked: course.LOCKED === 1,
    })),
    students: index('student', snapshot.students, (student) => ({
      ...person(student),
      followers: student.STUDENT_FOLLOWER_ID.map(ref).sort(),
    })),
    professors: index('professor', snapshot.professors, person),
    groups: index('group', snapshot.groups, (group) => ({
      name: group.NAME,
      students: group.STUDENTS.map(ref).sort(),
    })),
    followers: index('external', snapshot.externals, person),
    byHand: {
      courses: byHand(snapshot.courses),
      students: byHand(snapshot.students),
      professors: byHand(snapshot.professors),
      groups: byHand(snapshot.groups),
    },
    duplicateApiIds,
  };
}

// ---- Editing Aimaira like a person in its UI ------------------------------------------------------------------

/** The resource rows of a session (`PlanificationRessource`), in Id order. */
export function sessionRows(sandbox: Sandbox, sessionId: number) {
  return sandbox.aimaira.store.where('PlanificationRessource', 'PlanificationId', [sessionId]);
}

/** The simulator's tables of codes: a code may have several ids (the harsh profile lists each one twice). */
export type CodeTable = 'TypeRessource' | 'TypePlanification' | 'EtatConvention';

/** Every id of `code` in one of the simulator's tables of codes, as the simulator holds them now. */
export function idsOfCode(sandbox: Sandbox, table: CodeTable, code: string): number[] {
  return sandbox.aimaira.store
    .list(table)
    .filter((record) => String(record['Code']).trim() === code)
    .map((record) => Number(record['Id']));
}

/** Whether `id` is one of the ids of `code` in the simulator's table. */
export function isOfCode(sandbox: Sandbox, table: CodeTable, code: string, id: unknown): boolean {
  return typeof id === 'number' && idsOfCode(sandbox, table, code).includes(id);
}

/** The rows of one type (`SALLE`, `PROF`, `APPRENANT`, `GROUPE`) of a session, whichever id of the type they carry. */
export function sessionRowsOfType(
  sandbox: Sandbox,
  sessionId: number,
  code: keyof Sandbox['scenario']['manifest']['typeRessourceIds'],
) {
  const typeIds = idsOfCode(sandbox, 'TypeRessource', code);
  return sessionRows(sandbox, sessionId).filter((row) => typeIds.includes(Number(row['TypeRessourceId'])));
}

/** Adds a resource row (a facilitator, a learner, a room...) to a session, as a planner would in Aimaira. */
export function addSessionRow(
  sandbox: Sandbox,
  sessionId: number,
  code: keyof Sandbox['scenario']['manifest']['typeRessourceIds'],
  reference: number,
  name: string,
) {
  return sandbox.aimaira.store.insert('PlanificationRessource', {
    PlanificationId: sessionId,
    TypeRessourceId: sandbox.scenario.manifest.typeRessourceIds[code],
    Reference: reference,
    Nom: name,
  });
}

export interface NewSession {
  name: string;
  /** ISO 8601 with offset, as Aimaira writes it (`2026-12-02T09:00:00+01:00`). */
  debut: string;
  fin: string;
  type?: 'SEANCE' | 'EVENEMENT';
  /** 0 for none (a common event without programme). */
  programmeId: number;
  /** `Object.DateCreation`; long before any scenario's instant by default. */
  createdAt?: string;
  cancelled?: boolean;
  rooms?: string[];
  facilitatorIds?: number[];
  learnerIds?: number[];
  groupIds?: number[];
}

/** Creates a session in Aimaira with its resource rows, as a planner would; returns its Planification id. */
export function insertSession(sandbox: Sandbox, session: NewSession): number {
  const { store } = sandbox.aimaira;
  const planification = store.insert('Planification', {
    Nom: session.name,
    Debut: session.debut,
    Fin: session.fin,
    TypePlanificationId: sandbox.scenario.manifest.typePlanificationIds[session.type ?? 'SEANCE'],
    ProgrammeId: session.programmeId,
    Annule: session.cancelled ?? false,
  });
  const id = Number(planification['Id']);
  store.patch('Object', id, { DateCreation: session.createdAt ?? '2026-01-05T09:00:00+01:00' });
  for (const room of session.rooms ?? []) addSessionRow(sandbox, id, 'SALLE', 0, room);
  for (const facilitatorId of session.facilitatorIds ?? []) addSessionRow(sandbox, id, 'PROF', facilitatorId, '');
  for (const groupId of session.groupIds ?? []) {
    const group = store.get('Ressource', groupId);
    addSessionRow(sandbox, id, 'GROUPE', groupId, typeof group?.['Nom'] === 'string' ? group['Nom'] : '');
  }
  for (const learnerId of session.learnerIds ?? []) addSessionRow(sandbox, id, 'APPRENANT', learnerId, '');
  return id;
}

/** The e-mail of an Aimaira person as stored (its `Mail` record), or undefined without one. */
export function aimairaEmail(sandbox: Sandbox, set: 'Apprenant' | 'Enseignant' | 'Professionnel', id: number) {
  const { store } = sandbox.aimaira;
  const mailId = store.get(set, id)?.['MailId'];
  const address = typeof mailId === 'number' && mailId > 0 ? store.get('Mail', mailId)?.['Adresse'] : undefined;
  return typeof address === 'string' ? address : undefined;
}

/** Changes the e-mail of an Aimaira person, as a person editing the record would. */
export function setAimairaEmail(sandbox: Sandbox, set: 'Apprenant' | 'Enseignant', id: number, address: string) {
  const { store } = sandbox.aimaira;
  const mailId = store.get(set, id)?.['MailId'];
  if (typeof mailId === 'number' && mailId > 0) store.patch('Mail', mailId, { Adresse: address });
  else store.patch(set, id, { MailId: store.insert('Mail', { Adresse: address })['Id'] });
}

/** The Edusign course carrying a session's API_ID (the first one, if a bug made several). */
export function courseOf(school: EdusignSchoolHandle, sessionId: number) {
  return school.courses().find((course) => course.API_ID === String(sessionId));
}

/** The Edusign student or professor carrying a person's API_ID. */
export function studentOf(school: EdusignSchoolHandle, learnerId: number) {
  return school.students().find((student) => student.API_ID === String(learnerId));
}
export function professorOf(school: EdusignSchoolHandle, facilitatorId: number) {
  return school.professors().find((professor) => professor.API_ID === String(facilitatorId));
}

/** A daily window hours away from now (Paris time), so that no scheduled run starts during a test. */
export function closedWindows(): ScheduleWindow[] {
  const hour = DateTime.now().setZone('Europe/Paris').hour;
  let start = (hour + 8) % 24;
  // 02:00 does not exist on the day clocks go forward: 04:00 instead.
  if (start === 2) start = 4;
  const pad = (value: number) => String(value).padStart(2, '0');
  return [{ id: 'later', start: `${pad(start)}:00`, end: `${pad(start)}:30` }];
}

/**
 * Adds a tenant on the simulators to a store, as `tenant add` does (secrets sealed with the key file's master key,
 * loopback URLs allowed): the service tests start the service on it.
 */
export async function addSimulatorTenant(
  tenants: TenantStore,
  simulators: Sandbox,
  options: { keyFile: string; id?: string; tenantOptions?: Partial<TenantOptions> },
) {
  const repository = createTenantRepository({
    store: tenants,
    keys: lazyMasterKeys(tenants, { keyFile: options.keyFile }),
    urlPolicy: { allowLoopbackHttp: true },
  });
  const { aimaira, edusign } = simulators.scenario.credentials;
  await repository.add({
    id: options.id ?? 'acme',
    aimaira: { url: simulators.aimaira.rootUrl, username: aimaira.username, password: aimaira.password },
    edusign: { url: simulators.edusign.url, apiKey: edusign.apiKey },
    options: { sendAttendance: true, ...options.tenantOptions },
  });
  return repository;
}
