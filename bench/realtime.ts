/**
 * Near real time (issue 13): `npx tsx bench/realtime.ts [--quick] [--seed 1] [--latency 30]`
 * (`npm run bench:realtime`).
 *
 * Two identical environments (the medium scenario, same seed and instant; `--quick`: the small one and fewer
 * changes), each with both simulators (`startSandbox`, 30 ms of latency per request as in the other benches,
 * Edusign slowing above 480 requests a minute per school: a real school's limit, the one the connector's own
 * limiter keeps to) and the service in this process (embedded mode, SQLite, no window open, the settling times
 * of production: 3 s of quiet or 20 s after the oldest message):
 * - A: a first full sync, then the tenant's receivers on and both simulators' webhooks registered;
 * - B: the same first full sync, no receivers, no webhooks.
 * The same stream of changes is then made on both, spread over about 50 s, as people would make them: room and
 * name changes on upcoming sessions, learners added to sessions, a burst of 1,000 Aimaira patches touching 40
 * sessions (their room row and their name, over and over), and sheets signed then locked in Edusign.
 *
 * On A, every ~50 ms, each change's effect is looked for on the other side (the Edusign course shows the room, the
 * name, the learner; the Aimaira learner rows show the attendance): the time from the change to its effect, p50,
 * p95 and max (a burst session is timed from its last patch). The targeted runs (counts with `targeted.sessions` or
 * `targeted.sheets`) and the simulators' request logs are counted from the start of the stream to the moment every
 * effect is seen, then again once the inbox is empty (Edusign's echoes of the connector's own edits acted on).
 * On B, once A is done, ONE full run (`syncNow`: the scheduled window's run) syncs the same changes; then A's own
 * next full run shows what the targeted runs left to the window (nothing, when they did all of it).
 *
 * Both environments share this process (simulators, services, the bench's polling): RSS is the process's, per
 * phase. The figures go to stdout, progress to stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { startSandbox } from '../sim/sandbox.js';
import type { Sandbox } from '../sim/sandbox.js';
import type { RecordedRequest } from '../sim/shared/http-server.js';
import { systemClock } from '../src/clock.js';
import { defaultMaxWaitMs, defaultQuietMs } from '../src/service/realtime.js';
import { createServiceLogger } from '../src/service/logging.js';
import { startService } from '../src/service/serve.js';
import type { RunningService } from '../src/service/serve.js';
import { createTenantRepository, lazyMasterKeys } from '../src/service/tenants.js';
import { createWebhookEndpoints } from '../src/service/webhook-endpoints.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { Run } from '../src/store/port.js';
import { targetedSheetsCount } from '../src/sync/up/run.js';
import { targetedSessionsCount } from '../src/sync/down/run.js';
import { addSessionRow, closedWindows, sessionRowsOfType } from '../test/helpers.js';
import { peakRssMegabytes } from './fleet-proc.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    latency: { type: 'string', default: '30' },
  },
});
const quick = values.quick === true;
const seed = Number(values.seed);
const latencyMs = Number(values.latency);
const size = quick ? 'small' : 'medium';
const edusignPerMinute = 480;
const plan = quick
  ? { edits: 4, learners: 2, burstChanges: 100, burstSessions: 4, locks: 3, streamMs: 15_000, burstAtMs: 5_000 }
  : { edits: 30, learners: 4, burstChanges: 1_000, burstSessions: 40, locks: 20, streamMs: 48_000, burstAtMs: 20_000 };
const effectTimeoutMs = 240_000;
const pollMs = 50;
const goalP95Ms = 60_000;
const tenantId = 'acme';
const customerName = 'ECOLE-ACME';
const edusignSecret = 'le secret client de l’application du banc';
const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const now = new Date();
const benchStarted = performance.now();

const log = (message: string) =>
  process.stderr.write(`[${((performance.now() - benchStarted) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);

// ---------------------------------------------------------------------------------------------------------------
// Memory: the process's RSS sampled per phase.

let phase = 'setup';
const peakRss: Record<string, number> = {};
const sampleRss = () => {
  peakRss[phase] = Math.max(peakRss[phase] ?? 0, process.memoryUsage().rss / (1024 * 1024));
};
const rssTimer = setInterval(sampleRss, 200);

// ---------------------------------------------------------------------------------------------------------------
// One environment: simulators, a tenant, the service, a first full sync.

interface Env {
  name: string;
  sandbox: Sandbox;
  service: RunningService;
  dataDir: string;
  warnings: string[];
  sheetOf(aimairaId: number): string | undefined;
}

async function startEnv(name: string): Promise<Env> {
  const sandbox = await startSandbox({ size, seed, now, edusignPerMinute, latencyMs });
  const dataDir = mkdtempSync(join(tmpdir(), `bench-realtime-${name}-`));
  const keyFile = join(dataDir, 'master.key');
  const { aimaira, edusign } = sandbox.scenario.credentials;
  const store = await openSqliteStore({ dataDir });
  await createTenantRepository({
    store: store.tenants,
    keys: lazyMasterKeys(store.tenants, { keyFile }),
    urlPolicy: { allowLoopbackHttp: true },
  }).add({
    id: tenantId,
    aimaira: { url: sandbox.aimaira.rootUrl, username: aimaira.username, password: aimaira.password },
    edusign: { url: sandbox.edusign.url, apiKey: edusign.apiKey },
    options: { sendAttendance: true },
  });
  await store.close();
  const warnings: string[] = [];
  const service = await startService({
    dataDir,
    clock: systemClock,
    log: createServiceLogger({
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString('utf8').split('\n')) if (line) warnings.push(line);
          done();
        },
      }),
      level: 'warn',
    }),
    port: 0,
    host: '127.0.0.1',
    masterKey: { keyFile },
    urlPolicy: { allowLoopbackHttp: true },
    processMetrics: false,
    scheduler: { windows: closedWindows() },
    adminPassword: 'le mot de passe du banc',
  });
  log(`${name}: first full sync of the ${size} scenario ...`);
  const first = await service.syncNow(tenantId);
  if (!first.accepted) throw new Error(first.message);
  const outcome = await first.done;
  log(`${name}: first sync ${JSON.stringify(outcome?.directions.map((d) => d.status) ?? outcome)}`);
  const sheets = new Map((await service.store.listLinks(tenantId, 'sheet')).map((l) => [l.aimairaId, l.edusignId]));
  return { name, sandbox, service, dataDir, warnings, sheetOf: (id) => sheets.get(id) };
}

async function enableWebhooks(env: Env): Promise<void> {
  const { service, sandbox } = env;
  const keys = lazyMasterKeys(service.store.tenants, { keyFile: join(env.dataDir, 'master.key') });
  const endpoints = createWebhookEndpoints({
    store: service.store.webhooks,
    keys: async () => (await keys()).keyring(),
    clock: systemClock,
  });
  const school = sandbox.edusign.school(sandbox.scenario.credentials.edusign.apiKey);
  const credentials = await endpoints.newAimairaCredentials(tenantId);
  await endpoints.setAimairaCustomerName(tenantId, customerName);
  await endpoints.setEdusign(tenantId, { schoolId: school.id, clientSecret: edusignSecret });
  await endpoints.setEnabled(tenantId, true);
  sandbox.registerAimairaWebhook({
    url: `${service.url}/hooks/aimaira/${tenantId}`,
    customerName,
    auth: {
      kind: 'oauth',
      tokenUrl: `${service.url}/hooks/aimaira/${tenantId}/token`,
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
    },
  });
  sandbox.registerEdusignWebhook({ url: `${service.url}/hooks/edusign/${tenantId}`, clientSecret: edusignSecret });
}

const schoolOf = (env: Env) => env.sandbox.edusign.school(env.sandbox.scenario.credentials.edusign.apiKey);

// ---------------------------------------------------------------------------------------------------------------
// Set up both environments at once (each has its own simulators and its own Edusign limit).

log(`two ${size} environments (seed ${seed}), ${latencyMs} ms latency, Edusign ${edusignPerMinute} requests a minute`);
const setupStarted = performance.now();
const [envA, envB] = await Promise.all([startEnv('A'), startEnv('B')]);
const setupSeconds = (performance.now() - setupStarted) / 1000;
await enableWebhooks(envA);
const schoolA = schoolOf(envA);

// ---------------------------------------------------------------------------------------------------------------
// The sessions the stream touches: upcoming (over an hour ahead), unlocked, with a room and learners, on both sides.

interface Candidate {
  sessionId: number;
  room: Record<string, unknown>;
}
const candidates: Candidate[] = [];
for (const [sessionId, edusignId] of (await envA.service.store.listLinks(tenantId, 'sheet'))
  .map((link) => [link.aimairaId, link.edusignId] as const)
  .sort((a, b) => a[0] - b[0])) {
  const course = schoolA.course(edusignId);
  const [room] = sessionRowsOfType(envA.sandbox, sessionId, 'SALLE');
  if (!course || !room || course.LOCKED || Date.parse(course.START) < Date.now() + 3_600_000) continue;
  if (course.STUDENTS.length < 2 || envB.sheetOf(sessionId) === undefined) continue;
  candidates.push({ sessionId, room });
}
const needed = plan.edits + plan.learners + plan.burstSessions + plan.locks;
if (candidates.length < needed) {
  throw new Error(`only ${candidates.length} upcoming sheets with a room and learners; the stream needs ${needed}`);
}
// Spread the picks over the window rather than taking the first ones.
const step = Math.floor(candidates.length / needed);
const picked = Array.from({ length: needed }, (_, index) => candidates[index * step] as Candidate);
const editSessions = picked.slice(0, plan.edits);
const learnerSessions = picked.slice(plan.edits, plan.edits + plan.learners);
const burstSessions = picked.slice(plan.edits + plan.learners, plan.edits + plan.learners + plan.burstSessions);
const lockSessions = picked.slice(plan.edits + plan.learners + plan.burstSessions);

// ---------------------------------------------------------------------------------------------------------------
// The stream: each event is made on both environments at once; its effect is looked for on A.

interface Pending {
  kind: 'room' | 'name' | 'learner' | 'burst' | 'lock';
  sessionId: number;
  changedAt: number;
  seen(): boolean;
  seenAt?: number;
}
const pending: Pending[] = [];
interface StreamEvent {
  at: number;
  make(): void;
}
const events: StreamEvent[] = [];
const courseA = (sessionId: number) => schoolA.course(envA.sheetOf(sessionId) ?? '');
const both = (action: (env: Env) => void) => {
  action(envA);
  action(envB);
};

const spread = (count: number, from: number, to: number) =>
  Array.from({ length: count }, (_, index) => Math.round(from + ((to - from) * index) / Math.max(1, count - 1)));

// Room and name changes, alternately.
spread(plan.edits, 0, plan.streamMs - 3_000).forEach((at, index) => {
  const { sessionId, room } = editSessions[index] as Candidate;
  const value = `${index % 2 === 0 ? 'Salle' : 'Cours'} banc ${index}`;
  events.push({
    at,
    make() {
      if (index % 2 === 0) {
        both((env) => env.sandbox.aimaira.store.patch('PlanificationRessource', Number(room['Id']), { Nom: value }));
        pending.push({
          kind: 'room',
          sessionId,
          changedAt: performance.now(),
          seen: () => courseA(sessionId)?.CLASSROOM === value,
        });
      } else {
        both((env) => env.sandbox.aimaira.store.patch('Planification', sessionId, { Nom: value }));
        pending.push({
          kind: 'name',
          sessionId,
          changedAt: performance.now(),
          seen: () => courseA(sessionId)?.NAME.includes(value) === true,
        });
      }
    },
  });
});

// Learners added: a learner Edusign already has (the first sync made them), not on the session yet.
const learnerLinks = new Map(
  (await envA.service.store.listLinks(tenantId, 'learner')).map((link) => [link.aimairaId, link.edusignId]),
);
const badPeople = new Set(envA.sandbox.scenario.manifest.badPeople.map((person) => person.id));
spread(plan.learners, 3_000, plan.streamMs - 8_000).forEach((at, index) => {
  const { sessionId } = learnerSessions[index] as Candidate;
  const present = new Set(
    sessionRowsOfType(envA.sandbox, sessionId, 'APPRENANT').map((row) => Number(row['Reference'])),
  );
  const newcomer = [...learnerLinks.keys()].filter((id) => !present.has(id) && !badPeople.has(id))[index * 3];
  const studentId = learnerLinks.get(newcomer ?? -1);
  if (newcomer === undefined || studentId === undefined) throw new Error(`no learner to add to session ${sessionId}`);
  events.push({
    at,
    make() {
      both((env) => addSessionRow(env.sandbox, sessionId, 'APPRENANT', newcomer, ''));
      pending.push({
        kind: 'learner',
        sessionId,
        changedAt: performance.now(),
        seen: () => courseA(sessionId)?.STUDENTS.some((row) => row.studentId === studentId) === true,
      });
    },
  });
});

// The burst: patches of the sessions' room rows and names, over and over, in chunks over about 2 s.
{
  const perSession = Math.ceil(plan.burstChanges / plan.burstSessions);
  const patches: { sessionId: number; room: number; round: number }[] = [];
  for (let round = 0; patches.length < plan.burstChanges; round++) {
    for (const { sessionId, room } of burstSessions) {
      if (patches.length < plan.burstChanges) patches.push({ sessionId, room: Number(room['Id']), round });
    }
  }
  const finalName = (sessionId: number) => `Import ${sessionId} v${perSession - 1}`;
  const finalRoom = (sessionId: number) => `Salle import ${sessionId} v${perSession - 1}`;
  const chunk = 50;
  for (let start = 0; start < patches.length; start += chunk) {
    const slice = patches.slice(start, start + chunk);
    events.push({
      at: plan.burstAtMs + (start / chunk) * 100,
      make() {
        for (const { sessionId, room, round } of slice) {
          // Even rounds patch the room row, odd ones the name; the last two rounds leave the final values.
          const last = round >= perSession - 2;
          const version = last ? perSession - 1 : round;
          both((env) => {
            if (round % 2 === 0) {
              env.sandbox.aimaira.store.patch('PlanificationRessource', room, {
                Nom: `Salle import ${sessionId} v${version}`,
              });
            } else {
              env.sandbox.aimaira.store.patch('Planification', sessionId, { Nom: `Import ${sessionId} v${version}` });
            }
          });
          const existing = pending.find((entry) => entry.kind === 'burst' && entry.sessionId === sessionId);
          if (existing) existing.changedAt = performance.now();
          else {
            pending.push({
              kind: 'burst',
              sessionId,
              changedAt: performance.now(),
              seen: () => {
                const course = courseA(sessionId);
                return course?.CLASSROOM === finalRoom(sessionId) && course.NAME.includes(finalName(sessionId));
              },
            });
          }
        }
      },
    });
  }
}

// Sheets signed (all learners but the first), then locked a second later.
const signedCounts = new Map<number, number>();
spread(plan.locks, 1_000, plan.streamMs - 2_000).forEach((at, index) => {
  const { sessionId } = lockSessions[index] as Candidate;
  events.push({
    at,
    make() {
      both((env) => {
        const school = schoolOf(env);
        const sheetId = env.sheetOf(sessionId) ?? '';
        const course = school.course(sheetId);
        if (!course) throw new Error(`${env.name}: no sheet for session ${sessionId}`);
        const others = course.STUDENTS.slice(1);
        for (const row of others) school.sign(sheetId, row.studentId, course.START);
        signedCounts.set(sessionId, others.length);
      });
    },
  });
  events.push({
    at: at + 1_000,
    make() {
      both((env) => schoolOf(env).lock(env.sheetOf(sessionId) ?? ''));
      pending.push({
        kind: 'lock',
        sessionId,
        changedAt: performance.now(),
        seen: () =>
          sessionRowsOfType(envA.sandbox, sessionId, 'APPRENANT').filter((row) => row['Presence'] === true).length ===
          signedCounts.get(sessionId),
      });
    },
  });
});
events.sort((a, b) => a.at - b.at);

// ---------------------------------------------------------------------------------------------------------------
// Phase A: the stream, with webhooks.

const takeRequests = (env: Env): { aimaira: RecordedRequest[]; edusign: RecordedRequest[] } => ({
  aimaira: env.sandbox.aimaira.requests.splice(0),
  edusign: env.sandbox.edusign.requests.splice(0),
});
const countRequests = (requests: { aimaira: RecordedRequest[]; edusign: RecordedRequest[] }) => ({
  aimaira: requests.aimaira.length,
  aimairaWrites: requests.aimaira.filter((request) => writeMethods.has(request.method)).length,
  edusign: requests.edusign.length,
  edusignWrites: requests.edusign.filter((request) => writeMethods.has(request.method)).length,
});
const runsSince = async (env: Env, since: number): Promise<Run[]> =>
  (await env.service.store.listRuns(tenantId, 10_000)).filter((run) => Date.parse(run.startedAt) >= since);
const isTargeted = (run: Run) =>
  run.counts[targetedSessionsCount] !== undefined || run.counts[targetedSheetsCount] !== undefined;

takeRequests(envA);
takeRequests(envB);
phase = 'stream';
log(
  `stream: ${events.length} events over ${(plan.streamMs / 1000).toFixed(0)} s on ${needed} sessions (of ${candidates.length} candidates)`,
);
const streamStarted = performance.now();
const streamStartedAt = Date.now();
let nextEvent = 0;
let allSeenAt: number | undefined;
const deadline = streamStarted + plan.streamMs + effectTimeoutMs;
for (;;) {
  const elapsed = performance.now() - streamStarted;
  while (nextEvent < events.length && (events[nextEvent] as StreamEvent).at <= elapsed) {
    (events[nextEvent] as StreamEvent).make();
    nextEvent++;
  }
  const at = performance.now();
  for (const entry of pending) if (entry.seenAt === undefined && entry.seen()) entry.seenAt = at;
  if (nextEvent === events.length && pending.every((entry) => entry.seenAt !== undefined)) {
    allSeenAt = at;
    break;
  }
  if (at > deadline) break;
  await sleep(pollMs);
}
const atAllSeen = countRequests(takeRequests(envA));
const runsAtAllSeen = await runsSince(envA, streamStartedAt);
const streamSeconds = ((allSeenAt ?? performance.now()) - streamStarted) / 1000;
log(`stream: ${allSeenAt ? 'every effect seen' : 'timed out'} after ${streamSeconds.toFixed(1)} s`);

// Then until the inbox is empty and no run is live: Edusign's echoes of the connector's own edits acted on.
const drainDeadline = performance.now() + 90_000;
while (performance.now() < drainDeadline) {
  const waiting = (await envA.service.store.webhooks.pendingWebhookMessages(tenantId, 10)).length;
  const live = (await runsSince(envA, streamStartedAt)).some((run) => run.status === 'running');
  const deliveries = envA.sandbox.aimaira.webhooks.deliveries().some((entry) => entry.state === 'pending');
  if (waiting === 0 && !live && !deliveries) break;
  await sleep(200);
}
const drainedSeconds = (performance.now() - streamStarted) / 1000;
const afterDrain = countRequests(takeRequests(envA));
const drained = {
  aimaira: atAllSeen.aimaira + afterDrain.aimaira,
  aimairaWrites: atAllSeen.aimairaWrites + afterDrain.aimairaWrites,
  edusign: atAllSeen.edusign + afterDrain.edusign,
  edusignWrites: atAllSeen.edusignWrites + afterDrain.edusignWrites,
};
const runsA = await runsSince(envA, streamStartedAt);
const messagesA = {
  aimaira: envA.sandbox.aimaira.webhooks.deliveries().length,
  edusign: envA.sandbox.edusign.webhooks.deliveries().length,
};

// ---------------------------------------------------------------------------------------------------------------
// Phase B: the same changes, no webhooks, one full run (the scheduled window's).

phase = 'full run';
const beforeFull = countRequests(takeRequests(envB));
log(`B: one full run (requests before it, none expected: ${JSON.stringify(beforeFull)}) ...`);
const fullStarted = performance.now();
const fullStartedAt = Date.now();
const full = await envB.service.syncNow(tenantId);
if (!full.accepted) throw new Error(full.message);
const fullOutcome = await full.done;
const fullSeconds = (performance.now() - fullStarted) / 1000;
const atFull = countRequests(takeRequests(envB));
const runsB = await runsSince(envB, fullStartedAt);
// Does B end where A is? The picked sessions' sheets, compared field by field.
const differences: string[] = [];
for (const { sessionId } of picked) {
  const a = courseA(sessionId);
  const b = schoolOf(envB).course(envB.sheetOf(sessionId) ?? '');
  for (const field of ['NAME', 'CLASSROOM', 'LOCKED'] as const) {
    if (a?.[field] !== b?.[field]) differences.push(`session ${sessionId} ${field}: A ${a?.[field]} B ${b?.[field]}`);
  }
  if (a?.STUDENTS.length !== b?.STUDENTS.length) differences.push(`session ${sessionId}: roster sizes differ`);
  const presence = (env: Env) =>
    sessionRowsOfType(env.sandbox, sessionId, 'APPRENANT')
      .map((row) => String(row['Presence']))
      .join(',');
  if (presence(envA) !== presence(envB)) differences.push(`session ${sessionId}: attendance rows differ`);
}
// A's next window: what the targeted runs left to the scheduled run (groups, anything missed).
const nextA = await envA.service.syncNow(tenantId);
if (!nextA.accepted) throw new Error(nextA.message);
await nextA.done;
const leftRequests = takeRequests(envA);
const leftToWindow = countRequests(leftRequests);
const leftWrites = [...leftRequests.aimaira, ...leftRequests.edusign]
  .filter((request) => writeMethods.has(request.method))
  .map((request) => `${request.method} ${request.path}`);
sampleRss();
clearInterval(rssTimer);

// ---------------------------------------------------------------------------------------------------------------
// Figures.

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const latencies = (kind?: Pending['kind']) =>
  pending
    .filter((entry) => entry.seenAt !== undefined && (kind === undefined || entry.kind === kind))
    .map((entry) => (entry.seenAt ?? 0) - entry.changedAt)
    .sort((a, b) => a - b);
const all = latencies();
const unseen = pending.filter((entry) => entry.seenAt === undefined);
const p95 = percentile(all, 95);
const fmt = (n: number) => n.toLocaleString('en-US');

console.log(
  `\nnear real time, ${size} scenario (seed ${seed}), ${latencyMs} ms of simulator latency, Edusign ${edusignPerMinute} requests a minute per school ` +
    `(simulator and connector), settling ${defaultQuietMs / 1000} s quiet / ${defaultMaxWaitMs / 1000} s max, ` +
    `both environments set up in ${setupSeconds.toFixed(0)} s (first syncs side by side)`,
);
console.log(
  `stream: ${plan.edits} room/name changes, ${plan.learners} learners added, a burst of ${fmt(plan.burstChanges)} ` +
    `Aimaira patches on ${plan.burstSessions} sessions, ${plan.locks} sheets signed then locked, over ` +
    `${(plan.streamMs / 1000).toFixed(0)} s`,
);
console.log('\nA. change → effect on the other side (polled every 50 ms; a burst session from its last patch)');
console.log(
  `  ${'changes'.padEnd(24)}${'measured'.padStart(9)}${'p50'.padStart(9)}${'p95'.padStart(9)}${'max'.padStart(9)}`,
);
for (const [label, kind] of [
  ['room / name (→ Edusign)', 'room|name'],
  ['learner added', 'learner'],
  ['burst sessions', 'burst'],
  ['locked sheet (→ Aimaira)', 'lock'],
  ['all', undefined],
] as const) {
  const values =
    kind === 'room|name' ? [...latencies('room'), ...latencies('name')].sort((a, b) => a - b) : latencies(kind);
  console.log(
    `  ${label.padEnd(24)}${String(values.length).padStart(9)}${seconds(percentile(values, 50)).padStart(9)}` +
      `${seconds(percentile(values, 95)).padStart(9)}${seconds(values.at(-1) ?? Number.NaN).padStart(9)}`,
  );
}
console.log(
  `  goal p95 < 60 s: ${p95 < goalP95Ms && unseen.length === 0 ? 'holds' : 'missed'} (p95 ${seconds(p95)}` +
    `${unseen.length > 0 ? `, ${unseen.length} effects never seen: ${unseen.map((u) => `${u.kind} ${u.sessionId}`).join(', ')}` : ''})`,
);
console.log(
  `  webhook messages sent: Aimaira ${fmt(messagesA.aimaira)}, Edusign ${fmt(messagesA.edusign)}; ` +
    `targeted runs: ${runsAtAllSeen.filter(isTargeted).length} when every effect was seen, ` +
    `${runsA.filter(isTargeted).length} once the inbox was empty (${seconds(drainedSeconds * 1000)}); other runs ${runsA.filter((run) => !isTargeted(run)).length}`,
);
const statusesA: Record<string, number> = {};
for (const run of runsA) {
  statusesA[`${run.direction} ${run.status}`] = (statusesA[`${run.direction} ${run.status}`] ?? 0) + 1;
}
console.log(`  runs by direction and status: ${JSON.stringify(statusesA)}`);

console.log('\nB. the same changes, webhooks off, one full run');
console.log(
  `  outcome: ${JSON.stringify(fullOutcome?.directions.map((d) => d.status))}, runs ${runsB.length} (down + up); ` +
    `state of the ${picked.length} touched sheets vs A: ${differences.length === 0 ? 'identical' : `${differences.length} differences: ${differences.slice(0, 5).join('; ')}`}`,
);

const table: [string, string, string, string][] = [
  ['', 'webhooks (A)', '… inbox empty', 'one full run (B)'],
  [
    'runs',
    `${runsAtAllSeen.filter(isTargeted).length} targeted`,
    `${runsA.filter(isTargeted).length} targeted`,
    `1 (${runsB.length} records: down + up)`,
  ],
  ['Aimaira requests', fmt(atAllSeen.aimaira), fmt(drained.aimaira), fmt(atFull.aimaira)],
  ['  of which writes', fmt(atAllSeen.aimairaWrites), fmt(drained.aimairaWrites), fmt(atFull.aimairaWrites)],
  ['Edusign requests', fmt(atAllSeen.edusign), fmt(drained.edusign), fmt(atFull.edusign)],
  ['  of which writes', fmt(atAllSeen.edusignWrites), fmt(drained.edusignWrites), fmt(atFull.edusignWrites)],
  [
    'wall time',
    `${streamSeconds.toFixed(1)} s (stream start → last effect)`,
    `${drainedSeconds.toFixed(1)} s`,
    `${fullSeconds.toFixed(1)} s`,
  ],
  [
    'peak RSS (process)',
    `${(peakRss['stream'] ?? 0).toFixed(0)} MB`,
    '',
    `${(peakRss['full run'] ?? 0).toFixed(0)} MB`,
  ],
];
console.log('\nside by side');
for (const row of table) console.log(`  ${row[0].padEnd(20)}${row[1].padEnd(40)}${row[2].padEnd(18)}${row[3]}`);
console.log(
  `  (one process holds both environments' simulators and services: peak RSS while setting up ` +
    `${(peakRss['setup'] ?? 0).toFixed(0)} MB, VmHWM ${peakRssMegabytes(process.pid).toFixed(0)} MB)`,
);
const holds = drained.edusignWrites <= atFull.edusignWrites;
console.log(
  `  goal: no more Edusign writes than the scheduled run: ${holds ? 'holds' : 'does not hold'} ` +
    `(${fmt(drained.edusignWrites)} vs ${fmt(atFull.edusignWrites)}, ratio ${(drained.edusignWrites / Math.max(1, atFull.edusignWrites)).toFixed(2)}); ` +
    `Aimaira requests ${(drained.aimaira / Math.max(1, atFull.aimaira)).toFixed(2)}×, Edusign requests ` +
    `${(drained.edusign / Math.max(1, atFull.edusign)).toFixed(2)}× the full run's`,
);
console.log(
  `  A's next scheduled run afterwards (what the targeted runs left to it): ${fmt(leftToWindow.edusignWrites)} Edusign ` +
    `writes, ${fmt(leftToWindow.aimairaWrites)} Aimaira writes (${fmt(leftToWindow.aimaira)} Aimaira and ` +
    `${fmt(leftToWindow.edusign)} Edusign requests)${leftWrites.length > 0 ? `: ${leftWrites.slice(0, 5).join(', ')}` : ''}`,
);
const warned = [envA, envB].flatMap((env) => env.warnings.map((line) => `${env.name} ${line.slice(0, 300)}`));
if (warned.length > 0) {
  console.log(`  service warnings: ${warned.length}`);
  for (const line of warned.slice(0, 5)) console.log(`    ${line}`);
}
console.log(`  bench wall time: ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);

for (const env of [envA, envB]) {
  await env.service.stop();
  await env.sandbox.close();
  rmSync(env.dataDir, { recursive: true, force: true });
}
