/**
 * Benchmark of the upward sync: `npx tsx bench/up.ts [--sizes medium,large] [--latency 30] [--concurrency 4]`.
 *
 * For each size, the simulators run in a child process (`aimaira-edusign sim`), built around an instant 14 days
 * before the upward run. A second child process prepares them: a downward sync at that earlier instant creates the
 * sheets of the 14 days, then every sheet that has ended by the later instant is signed at realistic rates (most
 * present, some absent, a few late, leaving early or excluded) and locked, through the Edusign simulator's `/__sim/`
 * routes. This process then runs upward twice on the same store: the first upload, then an unchanged run. So the
 * peak memory printed is the upward run's alone.
 *
 * The latency is added to every API request of both simulators during the upward runs only (a fault rule), so the
 * set-up is quick. Every option is on (delays, early departures, exclusions, `planifRealise`).
 *
 * Lower bounds, per run:
 * - Aimaira: one GET and one PUT per row whose values change (GET-modify-PUT), plus one GET and one PUT per session
 *   marked done (`Realise`, itself a GET-modify-PUT). Unchanged run: nothing.
 * - Edusign: the pages of the locked-sheet list over the look-back (40 sheets a page; the last page is short).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import type { RecordedRequest } from '../sim/shared/http-server.js';
import type { Clock } from '../src/clock.js';
import { systemClock } from '../src/clock.js';
import { TenantConfig } from '../src/config/config.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { createTenantClients } from '../src/sync/clients.js';
import { runDown } from '../src/sync/down/run.js';
import { runUp } from '../src/sync/up/run.js';
import type { UpRunResult } from '../src/sync/up/run.js';
import { simAdmin, startBenchSimulators, takeRequests } from './simulators.js';
import type { BenchSimulators } from './simulators.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'medium,large' },
    latency: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '4' },
    // Internal: the set-up child.
    'set-up': { type: 'string' },
  },
});

const upAt = new Date('2026-11-30T10:30:00Z');
const downAt = new Date(upAt.getTime() - 14 * 86_400_000);
const megabyte = 1024 * 1024;
const listPageSize = 40;

interface SetUp {
  tenant: TenantConfig;
  dataDir: string;
}

const tenantOf = (sims: Omit<BenchSimulators, 'child'>) =>
  TenantConfig.parse({
    id: 'bench',
    aimaira: { url: sims.aimairaUrl, username: sims.username, password: sims.password },
    edusign: { url: sims.edusignUrl, apiKey: sims.edusignKey },
    options: {
      sendAttendance: true,
      studentDelay: true,
      studentEarlyDeparture: true,
      studentExclusion: true,
      planifRealise: true,
    },
  });

// ---- The set-up child: downward sync 14 days earlier, then sign and lock ------------------------------------

/** A deterministic generator (mulberry32), so every run of the bench marks the same learners. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Course {
  ID: string;
  API_ID: string;
  START: string;
  END: string;
  STUDENTS: { studentId: string }[];
}

async function setUp({ tenant: raw, dataDir }: SetUp): Promise<void> {
  const tenant = TenantConfig.parse(raw);
  // Backoffs and the rate limiter move this clock instead of waiting: the set-up is not what is measured.
  let skipped = 0;
  const clock: Clock = {
    now: () => Date.now() + skipped,
    sleep: (ms) => {
      skipped += Math.max(0, ms);
      return Promise.resolve();
    },
  };
  const store = await openSqliteStore({ dataDir });
  const down = await runDown({
    tenant,
    ...createTenantClients(tenant, { clock, edusignRequestsPerMinute: 1_000_000 }),
    store,
    clock,
    now: downAt,
    dryRun: false,
  });
  await store.close();
  if (down.status !== 'success') throw new Error(`set-up downward sync ended ${down.status}: ${down.error ?? ''}`);

  const admin = async (path: string, body?: unknown) => {
    const response = await fetch(`${new URL(tenant.edusign.url).origin}/__sim/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${tenant.edusign.apiKey}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`/__sim/${path} answered ${response.status}: ${await response.text()}`);
    return await response.json();
  };
  const state = (await admin('state')) as { courses: Course[] };
  const ended = state.courses.filter((course) => course.API_ID !== '' && Date.parse(course.END) <= upAt.getTime());
  const random = seeded(14);
  const tally = { present: 0, absent: 0, late: 0, leftEarly: 0, excluded: 0 };
  const markCourse = async (course: Course) => {
    const start = Date.parse(course.START);
    const end = Date.parse(course.END);
    const at = (ms: number) => new Date(ms).toISOString();
    for (const { studentId } of course.STUDENTS) {
      const draw = random();
      const url = `courses/${encodeURIComponent(course.ID)}`;
      if (draw < 0.1) {
        tally.absent++;
        continue;
      }
      const late = draw < 0.15;
      const minutes = late ? 10 + Math.floor(random() * 30) : Math.floor(random() * 8);
      await admin(`${url}/sign`, { studentId, at: at(start + minutes * 60_000) });
      if (late) {
        tally.late++;
        await admin(`${url}/delay`, { studentId, minutes });
      } else if (draw < 0.17) {
        tally.leftEarly++;
        await admin(`${url}/early-departure`, { studentId, at: at(end - 60 * 60_000) });
      } else if (draw < 0.18) {
        tally.excluded++;
        await admin(`${url}/exclude`, { studentId, at: at(start + 90 * 60_000) });
      } else tally.present++;
    }
    await admin(`courses/${encodeURIComponent(course.ID)}/lock`, {});
  };
  // A few courses at a time: the simulator answers admin routes at once.
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < ended.length) {
        const course = ended[next++];
        if (course) await markCourse(course);
      }
    }),
  );
  process.stdout.write(
    `${JSON.stringify({ sheets: down.counts['sheet.created'] ?? 0, locked: ended.length, tally })}\n`,
  );
}

// ---- The benchmark ----------------------------------------------------------------------------------------

async function runSetUp(setUp: SetUp): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/up.ts', '--set-up', JSON.stringify(setUp)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`set-up failed (exit ${code}): ${output}`);
  return output.trim();
}

const byMethod = (requests: readonly RecordedRequest[]) => {
  const counts: Record<string, number> = {};
  for (const request of requests) counts[request.method] = (counts[request.method] ?? 0) + 1;
  return counts;
};

const ratio = (actual: number, bound: number) =>
  bound === 0 ? (actual === 0 ? '1.00' : '∞') : (actual / bound).toFixed(2);
const column = (value: number | string, width: number) => String(value).padStart(width);

function lowerBounds(result: UpRunResult) {
  const sheets = result.plan?.sheets ?? [];
  const rows = sheets.reduce((n, sheet) => n + sheet.writes.length, 0);
  const realised = result.counts['sheet.realised'] ?? 0;
  const listed = sheets.length + (result.plan?.notLinked.length ?? 0);
  return {
    rows,
    realised,
    aimairaGet: rows + realised,
    aimairaPut: rows + realised,
    edusignGet: Math.floor(listed / listPageSize) + 1,
  };
}

async function bench(): Promise<void> {
  const sizes = (values.sizes ?? '').split(',').filter(Boolean);
  const latencyMs = Number(values.latency);
  const concurrency = Number(values.concurrency);
  for (const size of sizes) {
    const sims = await startBenchSimulators({ size, now: downAt, edusignPerMinute: 1_000_000 });
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-up-'));
    const tenant = tenantOf(sims);
    try {
      const setUpStarted = performance.now();
      const prepared = await runSetUp({ tenant, dataDir });
      console.log(
        `\n== ${size} scenario: ${prepared} (set-up ${((performance.now() - setUpStarted) / 1000).toFixed(0)} s)`,
      );
      console.log(
        `   upward run at ${upAt.toISOString()}, ${latencyMs} ms latency per API request, ${concurrency} sheets at a time`,
      );
      for (const url of [sims.aimairaUrl, sims.edusignUrl]) {
        await takeRequests(url);
        if (latencyMs > 0) await simAdmin(url, 'faults', 'POST', { kind: 'latency', path: '/', latencyMs });
      }

      const store = await openSqliteStore({ dataDir });
      for (const label of ['first upload', 'unchanged second run']) {
        global.gc?.();
        let peakRss = process.memoryUsage().rss;
        const sampler = setInterval(() => {
          peakRss = Math.max(peakRss, process.memoryUsage().rss);
        }, 25);
        const started = performance.now();
        const result = await runUp({
          tenant,
          ...createTenantClients(tenant, { clock: systemClock }),
          store,
          clock: systemClock,
          now: upAt,
          concurrency,
        });
        const wallMs = performance.now() - started;
        clearInterval(sampler);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);

        const aimaira = byMethod(await takeRequests(sims.aimairaUrl));
        const edusign = byMethod(await takeRequests(sims.edusignUrl));
        const bound = lowerBounds(result);
        const total = (aimaira['GET'] ?? 0) + (aimaira['PUT'] ?? 0) + (edusign['GET'] ?? 0);
        const totalBound = bound.aimairaGet + bound.aimairaPut + bound.edusignGet;
        const otherMethods = Object.keys({ ...aimaira, ...edusign }).filter((m) => m !== 'GET' && m !== 'PUT');

        console.log(`\n  ${label}: status ${result.status}${result.error ? ` (${result.error})` : ''}`);
        console.log(
          `    locked sheets ${result.plan?.sheets.length ?? 0}, rows written ${bound.rows}, unchanged ${result.counts['attendance.unchanged'] ?? 0}, sessions marked done ${bound.realised}, errors ${result.counts['attendance.error'] ?? 0}`,
        );
        console.log('    requests               actual   lower bound   ratio');
        const line = (name: string, actual: number, lower: number) =>
          console.log(`    ${name.padEnd(20)} ${column(actual, 7)}   ${column(lower, 11)}   ${ratio(actual, lower)}`);
        line('Aimaira GET', aimaira['GET'] ?? 0, bound.aimairaGet);
        line('Aimaira PUT', aimaira['PUT'] ?? 0, bound.aimairaPut);
        line('Edusign GET', edusign['GET'] ?? 0, bound.edusignGet);
        line('all', total, totalBound);
        if (otherMethods.length > 0) console.log(`    other methods: ${otherMethods.join(', ')} (unexpected)`);
        // Requests one after the other within a sheet, `concurrency` sheets at a time, each paying the latency.
        const latencyBoundS = ((total - (edusign['GET'] ?? 0)) * latencyMs) / concurrency / 1000;
        console.log(
          `    wall time            ${(wallMs / 1000).toFixed(1)} s (the latency alone: ${latencyBoundS.toFixed(1)} s)`,
        );
        console.log(`    peak memory (RSS)    ${(peakRss / megabyte).toFixed(0)} MB`);
      }
      await store.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await sims.stop();
    }
  }
}

// Last, once every constant above is initialised.
if (values['set-up'] !== undefined) await setUp(JSON.parse(values['set-up']) as SetUp);
else await bench();
