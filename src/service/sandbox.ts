/**
 * The embedded default: with no tenant configured, the service runs against both simulators seeded with the
 * medium scenario and one demo tenant pointing at them, so that a new user sees sheets come down and attendance go
 * up within a minute of `npm start`, without any account anywhere.
 *
 * The simulators keep their data in memory: each start is a new training organisation, so the sandbox's store
 * (its own folder, never the real data folder) starts empty each time too.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import { startSandbox } from '../../sim/sandbox.js';
import type { Sandbox } from '../../sim/sandbox.js';
import type { ScenarioSize } from '../../sim/scenario/generate.js';
import { TenantConfig } from '../config/config.js';
import type { StateStore } from '../store/port.js';
import { sqliteFileName } from '../store/sqlite.js';
import { readSheetLinkData } from '../sync/down/plan.js';

/** The demo tenant's id. */
export const sandboxTenantId = 'sandbox-demo';

/** The sandbox's store lives here, under the data folder: a real store is never touched by the demo. */
export const sandboxFolder = 'sandbox';

/**
 * Edusign requests a minute in the sandbox, for its simulator and for the demo tenant's limiter. Edusign allows
 * 480, at which the medium scenario's first sync (about 1,300 writes) takes about three minutes; the sandbox
 * shows the behaviour of the connector, not Edusign's rate, so both are raised to finish within the minute.
 */
export const sandboxEdusignPerMinute = 6_000;

/** Sheets the sandbox's "person" signs and locks after the first downward run. */
export const sandboxSignedSheets = 5;

export interface ServiceSandboxOptions {
  /** The data folder of the service; the sandbox uses `<dataDir>/sandbox`. */
  dataDir: string;
  size?: ScenarioSize;
  seed?: number;
  now?: Date;
  edusignPerMinute?: number;
}

export interface ServiceSandbox {
  readonly simulators: Sandbox;
  readonly tenant: TenantConfig;
  /** The sandbox's data folder. */
  readonly dataDir: string;
  readonly edusignPerMinute: number;
  /**
   * Signs and locks a few sheets the connector created, the earliest first, as a person would at the end of a
   * session: every learner signs but one, who is absent. Returns what was done.
   */
  signSomeSheets(store: StateStore, count?: number): Promise<{ sheets: number; signatures: number; absent: number }>;
  close(): Promise<void>;
}

/** Removes the store files of the sandbox folder: the simulators it described are gone. */
export async function resetSandboxStore(dataDir: string): Promise<void> {
  const file = join(dataDir, sqliteFileName);
  await Promise.all(['', '-wal', '-shm'].map((suffix) => rm(`${file}${suffix}`, { force: true })));
}

export async function startServiceSandbox(options: ServiceSandboxOptions): Promise<ServiceSandbox> {
  const dataDir = join(options.dataDir, sandboxFolder);
  await resetSandboxStore(dataDir);
  const edusignPerMinute = options.edusignPerMinute ?? sandboxEdusignPerMinute;
  const simulators = await startSandbox({
    size: options.size ?? 'medium',
    seed: options.seed ?? 1,
    edusignPerMinute,
    ...(options.now && { now: options.now }),
  });
  const { aimaira, edusign } = simulators.scenario.credentials;
  const tenant = TenantConfig.parse({
    id: sandboxTenantId,
    aimaira: { url: simulators.aimaira.rootUrl, username: aimaira.username, password: aimaira.password },
    edusign: { url: simulators.edusign.url, apiKey: edusign.apiKey },
    // Attendance goes up, and sessions are marked done: the whole loop is visible.
    options: { sendAttendance: true, planifRealise: true },
  });
  const school = simulators.edusign.school(edusign.apiKey);

  return {
    simulators,
    tenant,
    dataDir,
    edusignPerMinute,
    async signSomeSheets(store, count = sandboxSignedSheets) {
      const links = await store.listLinks(tenant.id, 'sheet');
      const sheets = links
        .map((link) => ({ link, course: school.course(link.edusignId) }))
        .filter(
          (sheet): sheet is { link: typeof sheet.link; course: NonNullable<typeof sheet.course> } =>
            sheet.course !== undefined && !sheet.course.LOCKED && sheet.course.STUDENTS.length >= 2,
        )
        .sort((a, b) => readSheetLinkData(a.link).start.localeCompare(readSheetLinkData(b.link).start))
        .slice(0, count);
      let signatures = 0;
      for (const { course } of sheets) {
        const start = Date.parse(course.START);
        // The last learner of each sheet stays absent; the others sign in the first minutes.
        for (const [index, row] of course.STUDENTS.slice(0, -1).entries()) {
          school.sign(course.ID, row.studentId, new Date(start + (1 + (index % 5)) * 60_000));
          signatures++;
        }
        school.lock(course.ID);
      }
      return { sheets: sheets.length, signatures, absent: sheets.length };
    },
    close: () => simulators.close(),
  };
}
