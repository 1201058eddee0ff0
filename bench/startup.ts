/**
 * Start-up benchmark: `npx tsx bench/startup.ts [--runs 5]`, from the project's root.
 *
 * Times `bin/aimaira-edusign` run from the sources through tsx (before) and from the compiled dist/ (after), in the
 * same run, alternating the two: (a) `--help`; (b) an unchanged small sync, `sync --config F --data-dir D`, against
 * the simulators in a child process (`aimaira-edusign sim --scenario small`), after one sync that brought the
 * sessions down. For each, the median of the runs: wall time, CPU seconds (user + system of the child, from its own
 * `process.resourceUsage()` at exit, through a module given to `node --import`) and peak resident memory.
 * tsx keeps its transforms in a cache, warm after the first run: the "before" figures are tsx at its best.
 *
 * AIMAIRA_EDUSIGN_FROM picks the mode; `dist` fails rather than run a stale build, so dist/ is built first
 * (`npm run build`, timed) when it is missing or older than the sources. Figures go to stdout, the rest to stderr.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { startBenchSimulators, takeRequests } from './simulators.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const now = '2026-11-30T11:30:00+01:00';
const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type Mode = 'sources' | 'dist';
interface Measure {
  code: number;
  output: string;
  wallSeconds: number;
  cpuSeconds: number;
  rssMegabytes: number;
}

const dir = mkdtempSync(join(tmpdir(), 'aimaira-edusign-startup-'));
const usageFile = join(dir, 'usage.json');
// Runs in the child before the bin: writes the child's own resource usage when it exits.
const usageModule =
  'data:text/javascript,' +
  encodeURIComponent(
    "import { writeFileSync } from 'node:fs';\n" +
      'const file = process.env.STARTUP_BENCH_USAGE;\n' +
      "process.on('exit', () => { if (file) writeFileSync(file, JSON.stringify(process.resourceUsage())); });\n",
  );

function run(mode: Mode, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Measure> {
  rmSync(usageFile, { force: true });
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--import', usageModule, 'bin/aimaira-edusign', ...args], {
    env: { ...process.env, ...env, AIMAIRA_EDUSIGN_FROM: mode, STARTUP_BENCH_USAGE: usageFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as NodeJS.ResourceUsage;
      resolve({
        code: code ?? -1,
        output,
        wallSeconds,
        cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
        rssMegabytes: usage.maxRSS / 1024,
      });
    });
  });
}

function fail(message: string): never {
  throw new Error(message);
}

const median = (numbers: number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Each mode `runs` times, alternating, so that both see the same load; the medians by mode. */
async function compare(label: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const measures: Record<Mode, Measure[]> = { sources: [], dist: [] };
  for (let i = 0; i < runs; i += 1) {
    for (const mode of ['sources', 'dist'] as const) {
      const measure = await run(mode, args, env);
      if (measure.code !== 0) fail(`${label} (${mode}) exited with ${measure.code}:\n${measure.output}`);
      measures[mode].push(measure);
    }
  }
  const summary = (mode: Mode) => ({
    wall: median(measures[mode].map((m) => m.wallSeconds)),
    cpu: median(measures[mode].map((m) => m.cpuSeconds)),
    rss: median(measures[mode].map((m) => m.rssMegabytes)),
  });
  return { label, before: summary('sources'), after: summary('dist') };
}

// dist/ must be fresh: built here when it is not (and the build timed).
let buildSeconds: number | undefined;
if ((await run('dist', ['--help'])).code !== 0) {
  process.stderr.write('dist/ is missing or older than the sources: npm run build\n');
  const started = process.hrtime.bigint();
  const build = spawnSync('npm', ['run', 'build'], { stdio: ['ignore', 2, 2] });
  if (build.status !== 0) fail('npm run build failed');
  buildSeconds = Number(process.hrtime.bigint() - started) / 1e9;
}

const simulators = await startBenchSimulators({ size: 'small', now: new Date(now) });
try {
  const config = join(dir, 'config.json');
  const dataDir = join(dir, 'data');
  writeFileSync(
    config,
    JSON.stringify({
      tenants: [
        {
          id: 'bench',
          aimaira: { url: simulators.aimairaUrl, username: simulators.username, password: '${AIMAIRA_PASSWORD}' },
          edusign: { url: simulators.edusignUrl, apiKey: '${EDUSIGN_API_KEY}' },
        },
      ],
    }),
  );
  const env = { AIMAIRA_PASSWORD: simulators.password, EDUSIGN_API_KEY: simulators.edusignKey };
  // The simulators are on loopback http, which the URL policy admits only when told to.
  const sync = ['sync', '--config', config, '--data-dir', dataDir, '--now', now, '--allow-loopback-http'];

  process.stderr.write('first sync (brings the small scenario down)...\n');
  const first = await run('dist', sync, env);
  if (first.code !== 0) fail(`the first sync exited with ${first.code}:\n${first.output}`);
  await takeRequests(simulators.edusignUrl);

  process.stderr.write(`--help and the unchanged sync, ${runs} times in each mode...\n`);
  const results = [await compare('`--help`', ['--help']), await compare('unchanged small `sync`', sync, env)];
  const writes = (await takeRequests(simulators.edusignUrl)).filter((r) => writeMethods.has(r.method)).length;
  if (writes > 0) fail(`the unchanged syncs wrote ${writes} times to Edusign: not unchanged`);

  const seconds = (n: number) => `${n.toFixed(2)} s`;
  const megabytes = (n: number) => `${Math.round(n)} MB`;
  const ratio = (before: number, after: number) => `${(before / after).toFixed(1)}×`;
  console.log(`Node ${process.version}, median of ${runs} runs per mode; before: tsx (the sources), after: dist/`);
  console.log('');
  console.log('| command | wall before / after | CPU before / after | peak RSS before / after |');
  console.log('| --- | --- | --- | --- |');
  for (const { label, before, after } of results) {
    console.log(
      `| ${label} | ${seconds(before.wall)} / ${seconds(after.wall)} (${ratio(before.wall, after.wall)}) ` +
        `| ${seconds(before.cpu)} / ${seconds(after.cpu)} (${ratio(before.cpu, after.cpu)}) ` +
        `| ${megabytes(before.rss)} / ${megabytes(after.rss)} (${ratio(before.rss, after.rss)}) |`,
    );
  }
  if (buildSeconds !== undefined) console.log(`\nnpm run build: ${seconds(buildSeconds)} wall`);
} finally {
  await simulators.stop();
  rmSync(dir, { recursive: true, force: true });
}
