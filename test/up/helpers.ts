/**
 * Set-up of the upward tests: the downward harness (sandbox, tenant, SQLite store), a downward run that creates the
 * sheets, then helpers to mark and lock sheets on Edusign as a person would, run upward, and compare whole Aimaira
 * rows before and after.
 */
import { expect } from 'vitest';

import type { SandboxOptions } from '../../sim/sandbox.js';
import type { CourseRecord } from '../../sim/edusign/server.js';
import type { RecordedRequest } from '../../sim/shared/http-server.js';
import { createAimairaClient } from '../../src/aimaira/client.js';
import type { AimairaClient } from '../../src/aimaira/client.js';
import type { TenantOptions } from '../../src/config/config.js';
import { createTenantClients } from '../../src/sync/clients.js';
import { runUp } from '../../src/sync/up/run.js';
import type { UpRunResult } from '../../src/sync/up/run.js';
import { createSkippingClock, startDownHarness, tenantFor } from '../helpers.js';
import type { DownHarness } from '../helpers.js';

export type Row = Readonly<Record<string, unknown>>;

export interface UpHarness extends DownHarness {
  /** An upward run at `now` (the scenario's instant by default), with the tenant's options or these ones. */
  up(overrides?: {
    now?: Date;
    options?: Partial<TenantOptions>;
    dryRun?: boolean;
    /** Budget of one Aimaira request (the client's 30 s by default), to see timeouts quickly. */
    aimairaTimeoutMs?: number;
    /** Changes what the run's Aimaira client does (a stand-in for an answer the simulator cannot give). */
    wrapAimaira?: (client: AimairaClient) => AimairaClient;
  }): Promise<UpRunResult>;
  /** An Aimaira client on the sandbox, for what a test must ask the simulator as the connector would. */
  aimairaClient(): AimairaClient;
  /** The linked sheets created by the first downward run, with their session, most learners first. */
  sheets(): { edusignId: string; sessionId: number; course: CourseRecord }[];
  /** The Aimaira learner of an Edusign student. */
  learnerOf(studentId: string): number;
  /**
   * The learner's `PlanificationRessource` row on a session (the whole record), as the test's own data says: the row
   * whose `Reference` is the learner's id, else the one row carrying the learner's exact `Code` with no learner's id
   * in `Reference`. Deliberately not the connector's matcher, so that what a run wrote can be checked against it.
   */
  learnerRow(sessionId: number, learnerId: number): Row;
  /** The learner's `Apprenant.Code`. */
  learnerCode(learnerId: number): string;
  /** Aimaira requests recorded since the last `resetRequests`. */
  aimairaRequests(): RecordedRequest[];
}

export async function startUpHarness(
  sandboxOptions: SandboxOptions,
  options: Partial<TenantOptions> = {},
): Promise<UpHarness> {
  const down = await startDownHarness(sandboxOptions, { sendAttendance: true, ...options });
  const first = await down.sync();
  if (first.status !== 'success') throw new Error(`the downward run that sets up the test ended ${first.status}`);
  const clock = createSkippingClock();
  const links = await down.store.listLinks(down.tenant.id);
  const learnerByStudent = new Map(
    links.filter((link) => link.kind === 'learner').map((link) => [link.edusignId, link.aimairaId]),
  );
  const sheetLinks = links.filter((link) => link.kind === 'sheet');
  const store = down.sandbox.aimaira.store;
  // Every id of the code: the harsh profile lists each type code twice.
  const learnerTypes = new Set(
    store.list('TypeRessource').flatMap((type) => (String(type['Code']).trim() === 'APPRENANT' ? [type['Id']] : [])),
  );

  return {
    ...down,
    async up(overrides = {}) {
      const tenant = overrides.options
        ? tenantFor(down.sandbox, { ...down.tenant.options, ...overrides.options })
        : down.tenant;
      const clients = createTenantClients(tenant, { clock });
      const { url, username, password } = tenant.aimaira;
      const aimaira =
        overrides.aimairaTimeoutMs === undefined
          ? clients.aimaira
          : createAimairaClient({
              baseUrl: url,
              ...(username !== undefined && { username }),
              ...(password !== undefined && { password }),
              clock,
              timeoutMs: overrides.aimairaTimeoutMs,
            });
      return runUp({
        tenant,
        ...clients,
        aimaira: overrides.wrapAimaira ? overrides.wrapAimaira(aimaira) : aimaira,
        store: down.store,
        clock,
        now: overrides.now ?? new Date(down.sandbox.scenario.now),
        dryRun: overrides.dryRun ?? false,
      });
    },
    aimairaClient() {
      return createTenantClients(down.tenant, { clock }).aimaira;
    },
    sheets() {
      return sheetLinks
        .map((link) => {
          const course = down.school.course(link.edusignId);
          if (!course) throw new Error(`sheet ${link.edusignId} is not on Edusign`);
          return { edusignId: link.edusignId, sessionId: link.aimairaId, course };
        })
        .sort((a, b) => b.course.STUDENTS.length - a.course.STUDENTS.length || a.sessionId - b.sessionId);
    },
    learnerOf(studentId) {
      const learnerId = learnerByStudent.get(studentId);
      if (learnerId === undefined) throw new Error(`student ${studentId} is linked to no learner`);
      return learnerId;
    },
    learnerRow(sessionId, learnerId) {
      // What the test knows, not what the connector decides: the scenario writes each learner row with the learner's
      // id in `Reference` (and their code in `Code`). A test that moves a row off its `Reference` keeps the learner's
      // code there instead, on a row whose `Reference` is no learner's id at all.
      const rows = store
        .where('PlanificationRessource', 'PlanificationId', [sessionId])
        .filter((candidate) => learnerTypes.has(candidate['TypeRessourceId']));
      const byReference = rows.filter((candidate) => candidate['Reference'] === learnerId);
      const code = store.get('Apprenant', learnerId)?.['Code'];
      const byCode =
        byReference.length > 0 || typeof code !== 'string'
          ? []
          : rows.filter((candidate) => {
              const reference = candidate['Reference'];
              const referencesALearner =
                typeof reference === 'number' && store.get('Apprenant', reference) !== undefined;
              return !referencesALearner && candidate['Code'] === code;
            });
      const found = byReference.length > 0 ? byReference : byCode;
      if (found.length > 1) throw new Error(`learner ${learnerId} has ${found.length} rows on session ${sessionId}`);
      const [row] = found;
      if (!row) throw new Error(`learner ${learnerId} has no row on session ${sessionId}`);
      return row;
    },
    learnerCode(learnerId) {
      const code = store.get('Apprenant', learnerId)?.['Code'];
      if (typeof code !== 'string') throw new Error(`learner ${learnerId} has no code`);
      return code;
    },
    aimairaRequests: () => [...down.sandbox.aimaira.requests],
  };
}

/** A sheet's attendance, as a facilitator would mark it: one of each case, the others signed on time. */
export interface MarkedSheet {
  edusignId: string;
  sessionId: number;
  course: CourseRecord;
  /** Edusign student ids by case. */
  onTime: string[];
  late: string;
  leftEarly: string;
  excluded: string;
  absent: string;
}

export function markSheet(harness: UpHarness, sheet: { edusignId: string; sessionId: number; course: CourseRecord }) {
  const { school } = harness;
  const start = Date.parse(sheet.course.START);
  const end = Date.parse(sheet.course.END);
  const minutes = (n: number) => new Date(start + n * 60_000);
  const ids = sheet.course.STUDENTS.map((row) => row.studentId);
  const [late, leftEarly, excluded, absent, ...onTime] = ids;
  if (late === undefined || leftEarly === undefined || excluded === undefined || absent === undefined) {
    throw new Error(`sheet ${sheet.edusignId} has fewer than four learners`);
  }
  for (const [index, id] of onTime.entries()) school.sign(sheet.edusignId, id, minutes(1 + (index % 5)));
  school.sign(sheet.edusignId, late, minutes(20));
  school.setDelay(sheet.edusignId, late, 20);
  school.sign(sheet.edusignId, leftEarly, minutes(2));
  school.setEarlyDeparture(sheet.edusignId, leftEarly, new Date(end - 45 * 60_000));
  school.sign(sheet.edusignId, excluded, minutes(3));
  school.exclude(sheet.edusignId, excluded, minutes(50));
  const marked: MarkedSheet = { ...sheet, onTime, late, leftEarly, excluded, absent };
  return marked;
}

/** Signs every learner of a sheet (at its start) and locks it. */
export function signAllAndLock(harness: UpHarness, sheet: { edusignId: string; course: CourseRecord }) {
  for (const row of sheet.course.STUDENTS) harness.school.sign(sheet.edusignId, row.studentId, sheet.course.START);
  harness.school.lock(sheet.edusignId);
}

/** Whole seconds since the epoch: Aimaira keeps date-times to the second at best (1/300 s on `datetime`). */
const seconds = (text: string) => Math.floor(Date.parse(text) / 1000);

const sameValue = (a: unknown, b: unknown) =>
  typeof a === 'string' && typeof b === 'string' && !Number.isNaN(Date.parse(a)) && /T\d{2}:\d{2}/.test(a)
    ? seconds(a) === seconds(b)
    : Object.is(a, b) || JSON.stringify(a) === JSON.stringify(b);

/**
 * The whole-row rule: `after` equals `before` in every field, except the `changed` ones, which hold the given values
 * (date-times compared as instants to the second: Aimaira answers in Paris time, and the connector writes whole
 * seconds).
 */
export function expectOnlyChanged(before: Row, after: Row, changed: Record<string, unknown>) {
  expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
  for (const key of Object.keys(before)) {
    if (Object.hasOwn(changed, key)) {
      expect(
        sameValue(after[key], changed[key]),
        `${key}: ${String(after[key])} should be ${String(changed[key])}`,
      ).toBe(true);
    } else {
      expect(after[key], `${key} must not change`).toEqual(before[key]);
    }
  }
}

/** PUT requests on one Aimaira entity set, by record id (only those the server applied: status 200). */
export function appliedPuts(requests: readonly RecordedRequest[], set: string): Map<number, number> {
  const counts = new Map<number, number>();
  const pattern = new RegExp(`^/GraphV1/${set}/(\\d+)$`);
  for (const request of requests) {
    const match = request.method === 'PUT' && request.status === 200 ? pattern.exec(request.path) : null;
    if (match?.[1]) counts.set(Number(match[1]), (counts.get(Number(match[1])) ?? 0) + 1);
  }
  return counts;
}

/** A fault path that matches exactly one record's URL (a plain prefix would also match longer ids). */
export function recordPath(set: string, id: number): string {
  return `/^\\/GraphV1\\/${set}\\/${id}$/`;
}
