/**
 * Fleet benchmark (issue 10 §5): `npm run bench:fleet -- [--tenants 40] [--size small|mixed]
 * [--configs sqlite,pg1,pg2,pg4] [--latency 5] [--worker-concurrency 4] [--postgres URL]`.
 *
 * N tenants, each with simulators of its own (`startSandbox`, in this process: one Aimaira and one Edusign per
 * tenant, seed = its number; `mixed` makes every tenth one medium, the others small), Edusign's 480 requests a
 * minute per school kept (the simulator's default limit, not raised; the connector keeps under it). For each
 * configuration, fresh simulators and a fresh store, then two passes of the real service (`bin/aimaira-edusign
 * serve`, child processes):
 * - `first`: every tenant's first sync, in a window whose start is past and every tenant's slot in it too, so
 *   each is due as soon as the scheduler looks;
 * - `unchanged`: the processes stopped, then started again with another window (a new occurrence per tenant): a
 *   pass that finds nothing to change.
 * Configurations: `sqlite` is the embedded mode (one `serve --role all` process on a SQLite file); `pgK` is the
 * scaled mode on PostgreSQL (a random schema of its own, dropped at the end): one `--role scheduler` process and
 * K `--role worker` processes (`--worker-concurrency` each, 4 by default).
 *
 * A pass ends when the store's `scheduled_runs` holds every tenant's occurrence finished. It prints: wall time from
 * the processes' spawn; when the first run started; the busy span (first run's start to last run's end, from the
 * `runs` table) and the tenant-runs per minute over it; p50/p95 of a tenant's run time (its down and up runs'
 * durations added); the simulators' requests; per process its CPU seconds (user + system from /proc/PID/stat,
 * start-up included, start-up also apart: CPU at its "listening" line) and peak RSS (VmHWM), read just before it
 * is stopped; PostgreSQL connections (peak of the processes' own sockets to the server, and peak of
 * pg_stat_activity for the database, this bench's own connections left out, other users of the database not);
 * this process's CPU (the simulators, and the bench's polling). Then the time 1,500 tenants' unchanged runs would
 * take at the measured rate, against the goal: within one 3-hour window on one 2-core machine.
 *
 * `npm run build` runs first when package.json has it, so that the children run the compiled dist/; should dist/
 * go stale meanwhile (someone edits src/), a child falls back to the sources through tsx. The output says which.
 * Progress goes to stderr, the figures to stdout.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { DateTime } from 'luxon';
import pg from 'pg';

import { startSandbox } from '../sim/sandbox.js';
import type { Sandbox } from '../sim/sandbox.js';
import type { ScenarioSize } from '../sim/scenario/generate.js';
import { defaultConcurrency, defaultTickMs } from '../src/service/scheduler.js';
import { defaultWorkerConcurrency } from '../src/service/serve.js';
import { parisDateOf, scheduleZone, slotOffsetMinutes } from '../src/service/schedule.js';
import type { ScheduleWindow } from '../src/service/schedule.js';
import { createTenantRepository, lazyMasterKeys } from '../src/service/tenants.js';
import { openStore } from '../src/store/open.js';
import type { Run, ScheduledRun, Stores } from '../src/store/port.js';
import { repositoryRoot, serviceUrl, startCommand } from '../test/service-process.js';
import type { CommandProcess } from '../test/service-process.js';
import { connectionsTo, cpuSeconds, heldSockets, machineCpu, peakRssMegabytes } from './fleet-proc.js';

const { values } = parseArgs({
  options: {
    tenants: { type: 'string', default: '40' },
    size: { type: 'string', default: 'small' },
    configs: { type: 'string', default: 'sqlite,pg1,pg2,pg4' },
    latency: { type: 'string', default: '5' },
    'worker-concurrency': { type: 'string', default: String(defaultWorkerConcurrency) },
    postgres: {
      type: 'string',
      default: process.env['AIMAIRA_EDUSIGN_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
    'pass-timeout': { type: 'string', default: '20' },
  },
});

const tenantCount = Number(values.tenants);
const sizeMode = values.size ?? 'small';
const latencyMs = Number(values.latency);
const workerConcurrency = Number(values['worker-concurrency']);
const postgresUrl = values.postgres ?? '';
const passTimeoutMs = Number(values['pass-timeout']) * 60_000;
if (!Number.isInteger(tenantCount) || tenantCount < 1) throw new Error('--tenants must be a whole number ≥ 1');
if (sizeMode !== 'small' && sizeMode !== 'mixed') throw new Error('--size must be small or mixed');
if (!Number.isInteger(workerConcurrency) || workerConcurrency < 1) {
  throw new Error('--worker-concurrency must be a whole number ≥ 1');
}

interface Config {
  name: string;
  /** Worker processes on PostgreSQL; undefined for the embedded SQLite mode. */
  workers: number | undefined;
}
const configs: Config[] = (values.configs ?? '')
  .split(',')
  .filter(Boolean)
  .map((name) => {
    if (name === 'sqlite') return { name, workers: undefined };
    const match = /^pg(\d+)$/.exec(name);
    if (!match || Number(match[1]) < 1) throw new Error(`--configs: unknown configuration "${name}" (sqlite, pgK)`);
    return { name, workers: Number(match[1]) };
  });

const fleetTarget = 1_500;
const goalMinutes = 180;
const cores = availableParallelism();
const benchApplicationName = 'aimaira-edusign-fleet-bench';
const postgresPort = Number(new URL(postgresUrl).port || 5432);
const sizeOf = (index: number): ScenarioSize => (sizeMode === 'mixed' && index % 10 === 9 ? 'medium' : 'small');

const log = (message: string) => process.stderr.write(`${message}\n`);

// ---------------------------------------------------------------------------------------------------------------
// The code the children run: dist/ built now when the project has `npm run build`.

type CodeMode = 'dist' | 'sources';
const packageScripts = (
  JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  }
).scripts;
let buildNote: string;
let codeMode: CodeMode = 'sources';
if (packageScripts?.['build'] !== undefined) {
  log('npm run build ...');
  const started = performance.now();
  const build = spawnSync('npm', ['run', 'build'], { cwd: repositoryRoot, stdio: ['ignore', 2, 2] });
  const seconds = (performance.now() - started) / 1000;
  const check = spawnSync(process.execPath, ['bin/aimaira-edusign', '--help'], {
    cwd: repositoryRoot,
    env: { ...process.env, AIMAIRA_EDUSIGN_FROM: 'dist' },
    stdio: 'ignore',
  });
  codeMode = build.status === 0 && check.status === 0 ? 'dist' : 'sources';
  buildNote =
    build.status === 0
      ? `npm run build ran first (${seconds.toFixed(1)} s); ${codeMode === 'dist' ? 'the services start from the compiled dist/ while it is fresh (a process started after an edit of src/ runs the sources through tsx)' : 'dist/ was already stale: the services run the sources through tsx'}`
      : `npm run build failed (exit ${build.status}); the services run the sources through tsx`;
} else {
  buildNote = 'no build script: the services run the sources through tsx';
}

// ---------------------------------------------------------------------------------------------------------------
// Two windows open now (Paris time), and tenant ids whose slot in both has passed: every tenant is due at once.

const pad = (value: number) => String(value).padStart(2, '0');
const hhmm = (minute: number) => `${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;
const windowOf = (start: number, end: number): ScheduleWindow => ({
  id: `w${hhmm(start).replace(':', '')}-${hhmm(end).replace(':', '')}`,
  start: hhmm(start),
  end: hhmm(end),
});
const parisNow = DateTime.now().setZone(scheduleZone);
const nowMinute = parisNow.hour * 60 + parisNow.minute;
let startMinute = Math.max(0, nowMinute - 180);
// A window may not start between 02:00 and 03:00 (one day a year that start does not exist).
if (startMinute >= 120 && startMinute < 180) startMinute = 119;
const endMinute = Math.min(nowMinute + 150, 24 * 60 - 1);
if (nowMinute - startMinute < 5 || endMinute - nowMinute < 40) {
  throw new Error(
    `Paris time is ${parisNow.toFormat('HH:mm')}: the bench needs a window open now that started at least 5 minutes ` +
      'ago and ends in 40 minutes or more, on one Paris day (windows cannot span midnight); run it between 00:05 and 23:19',
  );
}
const passes = [
  { name: 'first', window: windowOf(startMinute, endMinute) },
  { name: 'unchanged', window: windowOf(startMinute, endMinute - 1) },
] as const;
const parisDate = parisDateOf(Date.now());
const tenantIds: string[] = [];
for (let candidate = 1; tenantIds.length < tenantCount; candidate++) {
  const id = `school-${String(candidate).padStart(4, '0')}`;
  if (passes.every((pass) => slotOffsetMinutes(id, pass.window) <= nowMinute - startMinute - 2)) tenantIds.push(id);
}

// ---------------------------------------------------------------------------------------------------------------
// Figures.

interface ProcessFigures {
  role: string;
  from: CodeMode;
  /** From the spawn of the pass's processes to this one's "listening" line. */
  upSeconds: number;
  startupCpu: number;
  cpu: number;
  peakRssMb: number;
  postgresPeak: number;
}

interface PassFigures {
  config: string;
  pass: string;
  finished: number;
  outcomes: Record<string, number>;
  wallSeconds: number;
  firstRunSeconds: number;
  /** PostgreSQL: when the scheduler logged that it leads, from the spawn. */
  leaderSeconds: number | undefined;
  busySeconds: number;
  perMinute: number;
  p50: number;
  p95: number;
  edusignRequests: number;
  edusignWrites: number;
  aimairaRequests: number;
  /** Edusign requests of the busiest school in its busiest minute. */
  edusignPeakMinute: number;
  benchCpu: number;
  benchRssMb: number;
  /** The whole machine's CPU use over the busy span, every process of anyone included, in % of all cores. */
  machineCpuPercent: number;
  postgresOwnPeak: number | undefined;
  postgresActivityPeak: number | undefined;
  processes: ProcessFigures[];
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Most requests in any 60-second span (arrival times, sorted). */
function busiestMinute(times: readonly number[]): number {
  let best = 0;
  let from = 0;
  for (let to = 0; to < times.length; to++) {
    while ((times[to] ?? 0) - (times[from] ?? 0) >= 60_000) from++;
    best = Math.max(best, to - from + 1);
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// Cleanup on errors and Ctrl-C: children killed, schemas dropped, folders removed.

const cleanups: (() => Promise<void> | void)[] = [];
const runCleanups = async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      log(`cleanup: ${String(error)}`);
    }
  }
};
process.once('SIGINT', () => {
  log('interrupted: cleaning up');
  void runCleanups().finally(() => process.exit(130));
});

const admin = configs.some((config) => config.workers !== undefined)
  ? new pg.Pool({ connectionString: postgresUrl, max: 1, application_name: benchApplicationName })
  : undefined;

// ---------------------------------------------------------------------------------------------------------------
// One process of the service.

interface ServiceProcess {
  role: string;
  from: CodeMode;
  command: CommandProcess;
  pid: number;
  startupCpu: number;
  listeningAt: number;
}

async function startServiceProcess(role: string, args: readonly string[]): Promise<ServiceProcess> {
  for (const from of codeMode === 'dist' ? (['dist', 'sources'] as const) : (['sources'] as const)) {
    const command = startCommand(args, { AIMAIRA_EDUSIGN_FROM: from });
    cleanups.push(() => command.kill());
    try {
      await serviceUrl(command, 60_000);
    } catch (error) {
      const code = await Promise.race([command.exited, sleep(1_000).then(() => undefined)]);
      if (from === 'dist' && code === 70) {
        log(`${role}: dist/ went stale meanwhile (sources edited); this process runs the sources through tsx`);
        continue;
      }
      throw error;
    }
    const pid = command.child.pid ?? 0;
    return { role, from, command, pid, startupCpu: cpuSeconds(pid), listeningAt: Date.now() };
  }
  throw new Error(`${role} did not start`);
}

async function stopServiceProcess(service: ServiceProcess): Promise<void> {
  service.command.child.kill('SIGTERM');
  const code = await Promise.race([service.command.exited, sleep(30_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    log(`${service.role} did not stop within 30 s of SIGTERM: killed`);
    await service.command.kill();
  } else if (code !== 0) {
    log(`${service.role} exited with ${code}: ${service.command.stderr().slice(-1000)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One pass: the processes started on a window, until every tenant's occurrence is finished.

interface PassContext {
  config: Config;
  storeUrl: string;
  keyFile: string;
  dataDir: string;
  store: Stores;
  sandboxes: readonly Sandbox[];
}

const finishedStates = new Set(['done', 'failed', 'missed']);

async function runPass(context: PassContext, pass: (typeof passes)[number]): Promise<PassFigures> {
  const { config, store, sandboxes } = context;
  const common = [
    'serve',
    '--store',
    context.storeUrl,
    '--data-dir',
    context.dataDir,
    '--key-file',
    context.keyFile,
    '--port',
    '0',
    '--allow-loopback-http',
    '--log-level',
    'info',
    '--windows',
    `${pass.window.start}-${pass.window.end}`,
  ];
  const requestsBefore = sandboxes.map((sandbox) => ({
    edusign: sandbox.edusign.requests.length,
    aimaira: sandbox.aimaira.requests.length,
  }));
  const benchCpuBefore = process.cpuUsage();
  const spawnedAt = Date.now();
  const machineSamples = [{ at: spawnedAt, ...machineCpu() }];

  const roles =
    config.workers === undefined
      ? [{ role: 'all', extra: [] as string[] }]
      : [
          { role: 'scheduler', extra: [] as string[] },
          ...Array.from({ length: config.workers }, () => ({
            role: 'worker',
            extra: ['--worker-concurrency', String(workerConcurrency)],
          })),
        ];
  const processes = await Promise.all(
    roles.map(({ role, extra }, index) =>
      startServiceProcess(
        role === 'worker' ? `worker ${index}` : role,
        [...common, '--role', role, ...extra].map(String),
      ),
    ),
  );
  const postgresPeaks = processes.map(() => 0);
  let postgresOwnPeak = 0;
  let postgresActivityPeak = 0;
  let scheduled: ScheduledRun[];
  let lastProgress = 0;
  let lastFinished = -1;
  for (;;) {
    for (const service of processes) {
      if (service.command.child.exitCode !== null || service.command.child.signalCode !== null) {
        throw new Error(`${service.role} exited during the pass: ${service.command.stderr().slice(-2000)}`);
      }
    }
    if (admin && config.workers !== undefined) {
      const inodes = connectionsTo(postgresPort);
      let total = 0;
      processes.forEach((service, index) => {
        const held = heldSockets(service.pid, inodes);
        postgresPeaks[index] = Math.max(postgresPeaks[index] ?? 0, held);
        total += held;
      });
      postgresOwnPeak = Math.max(postgresOwnPeak, total);
      const { rows } = await admin.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where datname = current_database() ' +
          'and coalesce(application_name, $1) <> $2',
        ['', benchApplicationName],
      );
      postgresActivityPeak = Math.max(postgresActivityPeak, rows[0]?.n ?? 0);
    }
    machineSamples.push({ at: Date.now(), ...machineCpu() });
    scheduled = (await store.schedule.listScheduledRuns({ fromDate: parisDate, toDate: parisDate })).filter(
      (run) => run.windowId === pass.window.id,
    );
    const finished = scheduled.filter((run) => finishedStates.has(run.state)).length;
    const elapsed = Date.now() - spawnedAt;
    if (finished !== lastFinished || elapsed - lastProgress >= 10_000) {
      if (elapsed - lastProgress >= 5_000 || finished === tenantCount) {
        log(
          `  ${config.name} ${pass.name}: ${finished}/${tenantCount} finished after ${(elapsed / 1000).toFixed(0)} s`,
        );
        lastProgress = elapsed;
      }
      lastFinished = finished;
    }
    if (finished >= tenantCount) break;
    if (elapsed > passTimeoutMs) {
      throw new Error(`${config.name} ${pass.name}: ${finished}/${tenantCount} finished after ${elapsed / 60_000} min`);
    }
    await sleep(500);
  }
  const wallSeconds = (Date.now() - spawnedAt) / 1000;
  const benchCpuUsage = process.cpuUsage(benchCpuBefore);
  const processFigures: ProcessFigures[] = processes.map((service, index) => ({
    role: service.role,
    from: service.from,
    upSeconds: (service.listeningAt - spawnedAt) / 1000,
    startupCpu: service.startupCpu,
    cpu: cpuSeconds(service.pid),
    peakRssMb: peakRssMegabytes(service.pid),
    postgresPeak: postgresPeaks[index] ?? 0,
  }));
  await Promise.all(processes.map((service) => stopServiceProcess(service)));
  const leaderLine = processes
    .find((service) => service.role === 'scheduler')
    ?.command.lines.find((line) => line['leader'] === true);
  const leaderSeconds =
    typeof leaderLine?.['time'] === 'string' ? (Date.parse(leaderLine['time']) - spawnedAt) / 1000 : undefined;

  // Run durations from the runs table: each occurrence's runs (down and up), by tenant.
  const outcomes: Record<string, number> = {};
  const tenantSeconds: number[] = [];
  let firstStart = Number.POSITIVE_INFINITY;
  let lastEnd = 0;
  for (const occurrence of scheduled) {
    const key = occurrence.state === 'done' ? (occurrence.outcome ?? 'done') : occurrence.state;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
    const wanted = new Set(occurrence.runIds);
    const runs: Run[] = (await store.listRuns(occurrence.tenantId, 50)).filter((run) => wanted.has(run.id));
    let seconds = 0;
    for (const run of runs) {
      const started = Date.parse(run.startedAt);
      const ended = run.endedAt === null ? started : Date.parse(run.endedAt);
      seconds += (ended - started) / 1000;
      firstStart = Math.min(firstStart, started);
      lastEnd = Math.max(lastEnd, ended);
    }
    if (runs.length > 0) tenantSeconds.push(seconds);
  }
  tenantSeconds.sort((a, b) => a - b);
  const busySeconds = Math.max(0.001, (lastEnd - firstStart) / 1000);
  const sampleFrom = machineSamples.findLast((sample) => sample.at <= firstStart) ?? machineSamples[0];
  const sampleTo = machineSamples.find((sample) => sample.at >= lastEnd) ?? machineSamples.at(-1);
  const machineCpuPercent =
    sampleFrom && sampleTo && sampleTo.total > sampleFrom.total
      ? ((sampleTo.busy - sampleFrom.busy) / (sampleTo.total - sampleFrom.total)) * 100
      : Number.NaN;

  let edusignRequests = 0;
  let edusignWrites = 0;
  let aimairaRequests = 0;
  let edusignPeakMinute = 0;
  sandboxes.forEach((sandbox, index) => {
    const edusign = sandbox.edusign.requests.slice(requestsBefore[index]?.edusign ?? 0);
    edusignRequests += edusign.length;
    edusignWrites += edusign.filter((request) => request.method !== 'GET').length;
    aimairaRequests += sandbox.aimaira.requests.length - (requestsBefore[index]?.aimaira ?? 0);
    edusignPeakMinute = Math.max(
      edusignPeakMinute,
      busiestMinute(edusign.map((request) => request.at).sort((a, b) => a - b)),
    );
  });

  return {
    config: config.name,
    pass: pass.name,
    finished: scheduled.length,
    outcomes,
    wallSeconds,
    firstRunSeconds: (firstStart - spawnedAt) / 1000,
    leaderSeconds,
    busySeconds,
    perMinute: (tenantSeconds.length / busySeconds) * 60,
    p50: quantile(tenantSeconds, 0.5),
    p95: quantile(tenantSeconds, 0.95),
    edusignRequests,
    edusignWrites,
    aimairaRequests,
    edusignPeakMinute,
    benchCpu: (benchCpuUsage.user + benchCpuUsage.system) / 1e6,
    benchRssMb: peakRssMegabytes(process.pid),
    machineCpuPercent,
    postgresOwnPeak: config.workers === undefined ? undefined : postgresOwnPeak,
    postgresActivityPeak: config.workers === undefined ? undefined : postgresActivityPeak,
    processes: processFigures,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// One configuration: fresh simulators, a fresh store with the tenants, both passes.

async function runConfig(config: Config): Promise<PassFigures[]> {
  const configCleanups = cleanups.length;
  log(`== ${config.name}: ${tenantCount} tenants' simulators`);
  const sandboxes: Sandbox[] = [];
  for (let index = 0; index < tenantCount; index++) {
    const sandbox = await startSandbox({ size: sizeOf(index), seed: index + 1, latencyMs });
    cleanups.push(() => sandbox.close());
    sandboxes.push(sandbox);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'aimaira-edusign-fleet-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const keyFile = join(dataDir, 'master.key');
  let storeUrl: string;
  let benchStoreUrl: string;
  if (config.workers === undefined) {
    storeUrl = `sqlite:${join(dataDir, 'state.sqlite')}`;
    benchStoreUrl = storeUrl;
  } else {
    const schema = `fleet_bench_${randomBytes(5).toString('hex')}`;
    cleanups.push(async () => {
      await admin?.query(`drop schema if exists "${schema}" cascade`);
      await admin?.query(`drop schema if exists "${schema}_queue" cascade`);
    });
    const url = new URL(postgresUrl);
    url.searchParams.set('schema', schema);
    storeUrl = url.toString();
    url.searchParams.set('application_name', benchApplicationName);
    benchStoreUrl = url.toString();
  }
  const store = await openStore(benchStoreUrl, config.workers === undefined ? {} : { poolSize: 2 });
  cleanups.push(() => store.close());
  const repository = createTenantRepository({
    store: store.tenants,
    keys: lazyMasterKeys(store.tenants, {
      keyFile,
      environmentValue: process.env['AIMAIRA_EDUSIGN_MASTER_KEY'],
    }),
    urlPolicy: { allowLoopbackHttp: true },
  });
  for (const [index, sandbox] of sandboxes.entries()) {
    const { aimaira, edusign } = sandbox.scenario.credentials;
    await repository.add({
      id: tenantIds[index],
      aimaira: { url: sandbox.aimaira.rootUrl, username: aimaira.username, password: aimaira.password },
      edusign: { url: sandbox.edusign.url, apiKey: edusign.apiKey },
      options: { sendAttendance: true },
    });
  }
  const figures: PassFigures[] = [];
  try {
    for (const pass of passes) {
      log(`  ${config.name} ${pass.name}: starting (window ${pass.window.start}-${pass.window.end} Paris)`);
      figures.push(await runPass({ config, storeUrl, keyFile, dataDir, store, sandboxes }, pass));
    }
  } finally {
    const mine = cleanups.splice(configCleanups);
    for (const cleanup of mine.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        log(`cleanup: ${String(error)}`);
      }
    }
  }
  return figures;
}

// ---------------------------------------------------------------------------------------------------------------
// Printing.

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column < 2 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)));
  return [headers, ...rows].map((cells) => `  ${line(cells).join('  ')}`).join('\n');
}
const fixed = (value: number | undefined, digits = 1) =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);

const benchStarted = performance.now();
const results: PassFigures[] = [];
try {
  for (const config of configs) results.push(...(await runConfig(config)));
} finally {
  await runCleanups();
  await admin?.end();
}
const benchMinutes = (performance.now() - benchStarted) / 60_000;

const maxConnections = await (async () => {
  if (!configs.some((config) => config.workers !== undefined)) return undefined;
  const client = new pg.Client({ connectionString: postgresUrl, application_name: benchApplicationName });
  await client.connect();
  try {
    return (await client.query<{ setting: string }>("select setting from pg_settings where name = 'max_connections'"))
      .rows[0]?.setting;
  } finally {
    await client.end();
  }
})();

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `\nFleet benchmark: ${tenantCount} tenants, ${sizeMode === 'mixed' ? 'mixed scenarios (every tenth medium, the others small)' : 'a small scenario each'} ` +
    `(seeds 1-${tenantCount}), ${latencyMs} ms latency per simulated request, Edusign's 480 requests a minute per ` +
    'school kept (the simulator default).',
);
console.log(
  `Machine: ${cores} cores (os.availableParallelism()), ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GB. The ` +
    `${tenantCount * 2} simulators run on the same machine, in the bench's own process ("simulators" below).`,
);
const allProcesses = results.flatMap((figures) => figures.processes);
console.log(
  `Code: ${buildNote}. Processes on dist/: ${allProcesses.filter((p) => p.from === 'dist').length} of ` +
    `${allProcesses.length} (column "code" below). Node ${process.version}.`,
);
console.log(
  `Windows (Paris, ${parisDate}): first sync ${passes[0].window.id}, unchanged pass ${passes[1].window.id}, opened ` +
    `before every tenant's slot in them: every tenant is due when the scheduler starts. Workers: ` +
    `--worker-concurrency ${workerConcurrency}; the embedded mode runs up to 8 tenants at once.` +
    (maxConnections === undefined ? '' : ` PostgreSQL max_connections ${maxConnections}.`),
);
console.log(`Bench time: ${benchMinutes.toFixed(1)} min.\n`);

console.log(
  'Passes (wall: from spawn until every occurrence finished; leads: the scheduler logs that it leads; 1st run: the ' +
    'first run starts;\n  busy: first run start to last run end, from the runs table; runs/min: tenants / busy ' +
    "minutes; p50/p95: a tenant's down + up run time):",
);
console.log(
  table(
    [
      'config',
      'pass',
      'outcomes',
      'wall s',
      'leads s',
      '1st run s',
      'busy s',
      'runs/min',
      'p50 s',
      'p95 s',
      'Edusign req',
      'writes',
      'max/min/school',
      'Aimaira req',
      'sim CPU s',
      'our CPU %',
      'machine CPU %',
      'PG conns',
      'pg_stat_activity',
    ],
    results.map((figures) => {
      const connectorCpu = figures.processes.reduce((sum, p) => sum + p.cpu - p.startupCpu, 0);
      return [
        figures.config,
        figures.pass,
        Object.entries(figures.outcomes)
          .map(([key, count]) => `${count} ${key}`)
          .join(', '),
        fixed(figures.wallSeconds),
        fixed(figures.leaderSeconds),
        fixed(figures.firstRunSeconds),
        fixed(figures.busySeconds),
        fixed(figures.perMinute),
        fixed(figures.p50, 2),
        fixed(figures.p95, 2),
        String(figures.edusignRequests),
        String(figures.edusignWrites),
        String(figures.edusignPeakMinute),
        String(figures.aimairaRequests),
        fixed(figures.benchCpu),
        fixed(((connectorCpu + figures.benchCpu) / (figures.busySeconds * cores)) * 100, 0),
        fixed(figures.machineCpuPercent, 0),
        figures.postgresOwnPeak === undefined ? '-' : String(figures.postgresOwnPeak),
        figures.postgresActivityPeak === undefined ? '-' : String(figures.postgresActivityPeak),
      ];
    }),
  ),
);
console.log(
  '  our CPU %: CPU of the service processes after start-up plus the simulators, over busy time × cores; machine' +
    ' CPU %: the\n  whole machine over the busy span (/proc/stat: anyone else’s processes too). PG conns: peak of the' +
    ' processes’ own sockets to\n  PostgreSQL; pg_stat_activity: peak for the database (this bench’s connections' +
    ' left out, other users’ not).\n',
);

console.log(
  'Processes (up: seconds from spawn to its "listening" line; CPU s of its whole life, start-up included; start-up:' +
    ' CPU at "listening"):',
);
console.log(
  table(
    ['config', 'pass', 'process', 'code', 'up s', 'CPU s', 'start-up s', 'peak RSS MB', 'PG conns'],
    results.flatMap((figures) =>
      figures.processes.map((p) => [
        figures.config,
        figures.pass,
        p.role,
        p.from,
        fixed(p.upSeconds),
        fixed(p.cpu, 2),
        fixed(p.startupCpu, 2),
        fixed(p.peakRssMb, 0),
        figures.postgresOwnPeak === undefined ? '-' : String(p.postgresPeak),
      ]),
    ),
  ),
);
const benchRss = Math.max(...results.map((figures) => figures.benchRssMb));
console.log(`  The bench's own process (simulators, polling): peak RSS ${fixed(benchRss, 0)} MB.\n`);

console.log(
  `Extrapolation: ${fleetTarget.toLocaleString('en-GB')} tenants' unchanged runs at the measured rate, against the ` +
    `goal of one ${goalMinutes / 60}-hour window on one 2-core machine (${fixed(fleetTarget / goalMinutes, 2)} ` +
    'tenant-runs a minute):',
);
console.log(
  table(
    ['config', 'pass', 'runs/min', `${fleetTarget} tenants`, 'goal', 'service CPU s/run', 'CPU floor 1500'],
    results
      .filter((figures) => figures.pass === 'unchanged')
      .map((figures) => {
        const minutes = fleetTarget / figures.perMinute;
        const connectorCpu = figures.processes.reduce((sum, p) => sum + p.cpu - p.startupCpu, 0);
        const perRun = connectorCpu / tenantCount;
        return [
          figures.config,
          figures.pass,
          fixed(figures.perMinute),
          `${fixed(minutes, 0)} min`,
          minutes <= goalMinutes ? 'met' : 'missed',
          fixed(perRun, 3),
          `${fixed((perRun * fleetTarget) / cores / 60, 1)} min`,
        ];
      }),
  ),
);
console.log(
  `  service CPU s/run: the service processes' CPU after start-up over ${tenantCount} runs; CPU floor: that CPU for ` +
    `${fleetTarget} runs spread over ${cores} cores (the simulators' CPU not counted: real Aimaira and Edusign run elsewhere).`,
);
if (configs.some((config) => config.workers === undefined)) {
  const ticks = Math.ceil(fleetTarget / defaultConcurrency);
  console.log(
    `  Embedded mode: its scheduler starts at most ${defaultConcurrency} runs a tick, one tick every ` +
      `${defaultTickMs / 1000} s, so ${fleetTarget} tenants due at once need ${ticks} ticks, ` +
      `${fixed((ticks * defaultTickMs) / 60_000, 0)} min, however short the runs (a ceiling of ` +
      `${fixed((defaultConcurrency * 60_000) / defaultTickMs, 0)} runs a minute).`,
  );
}
