/**
 * Benchmark of the downward sync: `npx tsx bench/down.ts [--sizes small,medium,large] [--latency 30]`.
 *
 * For each size, the simulators run in a child process (`aimaira-edusign sim`) with the given latency, so the peak
 * memory printed is the connector's alone. Two runs on a fresh SQLite store: the first sync, then an unchanged
 * second one. For each run it prints the requests by system and method next to their lower bound, the wall time,
 * and the connector's peak resident memory.
 *
 * Lower bounds:
 * - Edusign writes: the records that change. First sync: one create per learner, facilitator, tutor, group and
 *   sheet, plus one roster write per learner a sheet has beyond the members of its groups (Edusign enrols a group's
 *   members itself). Unchanged run: 0.
 * - Aimaira reads: the pages the server must send at 200 records a page, per entity set read.
 * - Time: the writes at Edusign's 480 requests a minute (first medium sync target: within 1.1 times that).
 *
 * Edusign slows down above 480 requests a minute, which makes the large first sync last about half an hour; the
 * large size therefore runs with the limit raised on both sides (the simulator and the connector's limiter), as its
 * target is memory, not time. The report says so.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import type { RecordedRequest } from '../sim/shared/http-server.js';
import { systemClock } from '../src/clock.js';
import { TenantConfig } from '../src/config/config.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { createTenantClients } from '../src/sync/clients.js';
import { runDown } from '../src/sync/down/run.js';
import type { DownRunResult } from '../src/sync/down/run.js';
import { rosterDiff } from '../src/sync/down/plan.js';
import { startBenchSimulators, takeRequests } from './simulators.js';

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: 'small,medium,large' }, latency: { type: 'string', default: '30' } },
});
const sizes = (values.sizes ?? '').split(',').filter(Boolean);
const latencyMs = Number(values.latency);
const now = new Date('2026-11-30T10:30:00Z');
const megabyte = 1024 * 1024;
const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const byMethod = (requests: readonly RecordedRequest[]) => {
  const counts: Record<string, number> = {};
  for (const request of requests) counts[request.method] = (counts[request.method] ?? 0) + 1;
  return counts;
};

/** Pages of 200 per Aimaira entity set, for what the run read. */
function aimairaLowerBound(result: DownRunResult, firstRun: boolean): number {
  const evaluation = result.evaluation;
  if (!evaluation) return 0;
  const sessions = evaluation.verdicts.map((v) => v.session);
  const rows = sessions.reduce(
    (n, s) => n + s.learnerIds.length + s.facilitatorIds.length + s.groupIds.length + s.rooms.length,
    0,
  );
  const learners = new Set(sessions.flatMap((s) => s.learnerIds)).size;
  const facilitators = new Set(sessions.flatMap((s) => s.facilitatorIds)).size;
  const pages = (n: number) => (n === 0 ? 0 : Math.ceil(n / 200));
  // Type codes (2), sessions, rows, learners, facilitators, programmes (1); creation dates only on the first run.
  return (
    2 +
    pages(sessions.length) +
    pages(rows) +
    pages(learners) +
    pages(facilitators) +
    1 +
    (firstRun ? pages(sessions.length) : 0)
  );
}

/** Records that change on a first sync into an empty Edusign. */
function edusignWriteLowerBound(result: DownRunResult): number {
  const desired = result.evaluation?.desired;
  if (!desired) return 0;
  const members = new Map(desired.groups.map((group) => [group.aimairaId, group.memberIds]));
  let rosterWrites = 0;
  for (const sheet of desired.sheets) {
    const enrolled = sheet.groupIds.flatMap((id) => members.get(id) ?? []);
    const { add, remove } = rosterDiff(enrolled, sheet.learnerIds);
    rosterWrites += add.length + remove.length;
  }
  return (
    desired.learners.length +
    desired.facilitators.length +
    desired.tutors.length +
    desired.groups.length +
    desired.sheets.length +
    rosterWrites
  );
}

const ratio = (actual: number, bound: number) =>
  bound === 0 ? (actual === 0 ? '1.00' : '∞') : (actual / bound).toFixed(2);

for (const size of sizes) {
  const raisedLimit = size === 'large';
  const perMinute = raisedLimit ? 1_000_000 : 480;
  const simulators = await startBenchSimulators({ size, now, latencyMs, edusignPerMinute: perMinute });
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-down-'));
  const store = await openSqliteStore({ dataDir });
  const tenant = TenantConfig.parse({
    id: 'bench',
    aimaira: { url: simulators.aimairaUrl, username: simulators.username, password: simulators.password },
    edusign: { url: simulators.edusignUrl, apiKey: simulators.edusignKey },
    options: { importEvenementsCommuns: false, importStudentTutors: false },
  });
  console.log(
    `\n== ${size} scenario, ${latencyMs} ms latency per request${raisedLimit ? ', Edusign limit raised (memory run)' : ', Edusign 480 requests a minute'}`,
  );
  await takeRequests(simulators.aimairaUrl);
  await takeRequests(simulators.edusignUrl);

  for (const [label, firstRun] of [
    ['first sync', true],
    ['unchanged second sync', false],
  ] as const) {
    global.gc?.();
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 25);
    const clients = createTenantClients(tenant, {
      clock: systemClock,
      ...(raisedLimit && { edusignRequestsPerMinute: 1_000_000 }),
    });
    const started = performance.now();
    const result = await runDown({ tenant, ...clients, store, clock: systemClock, now, dryRun: false });
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    const aimaira = await takeRequests(simulators.aimairaUrl);
    const edusign = await takeRequests(simulators.edusignUrl);
    const edusignMethods = byMethod(edusign);
    const writes = edusign.filter((r) => writeMethods.has(r.method)).length;
    const edusignReads = edusign.length - writes;
    const writeBound = firstRun ? edusignWriteLowerBound(result) : 0;
    const readBound = aimairaLowerBound(result, firstRun);
    const minutesAt480 = writes / 480;

    console.log(`\n  ${label}: status ${result.status}${result.error ? ` (${result.error})` : ''}`);
    console.log(
      `    sheets ${result.evaluation?.desired.sheets.length ?? 0}, learners ${result.evaluation?.desired.learners.length ?? 0}, skipped sessions ${result.plan?.skips.length ?? 0}`,
    );
    console.log('    requests                     actual   lower bound   ratio');
    console.log(
      `    Aimaira GET                 ${String(aimaira.length).padStart(7)}   ${String(readBound).padStart(11)}   ${ratio(aimaira.length, readBound)}`,
    );
    console.log(
      `    Edusign writes              ${String(writes).padStart(7)}   ${String(writeBound).padStart(11)}   ${ratio(writes, writeBound)}`,
    );
    console.log(
      `      by method: ${Object.entries(edusignMethods)
        .map(([method, count]) => `${method} ${count}`)
        .join(', ')}`,
    );
    console.log(
      `    Edusign reads               ${String(edusignReads).padStart(7)}   (${ratio(edusignReads, Math.max(1, writes))} of writes)`,
    );
    console.log(`    wall time                   ${(wallMs / 1000).toFixed(1)} s`);
    if (!raisedLimit && writes > 0) {
      console.log(
        `    time 480/min imposes on the writes: ${(minutesAt480 * 60).toFixed(1)} s -> ratio ${(wallMs / 1000 / (minutesAt480 * 60)).toFixed(2)}`,
      );
    }
    console.log(`    connector peak memory (RSS) ${(peakRss / megabyte).toFixed(0)} MB`);
  }

  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  await simulators.stop();
}
