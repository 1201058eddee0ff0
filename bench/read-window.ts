/**
 * Benchmark: reading a 14-day window of the large scenario from Aimaira through the client, the way a sync does
 * (`readSnapshot`), in three settings measured in one run:
 * - `in`: the default simulator, the client finding out that `in` lists work (OData 4.01);
 * - `or`: the same data, the client told to write `or` chains under a 100-node filter limit, as it does for an
 *   older ASP.NET Web API OData server: what that costs next to `in` (the target is at most 1.3 times the GETs);
 * - `harsh`: the simulator's harsh profile (docs/contracts/aimaira.md), every strategy found out at first use:
 *   `or` chains, `Object` one id at a time, `Mail` of facilitators and tutors read by id, codes listed twice.
 *
 * Run: `npx tsx bench/read-window.ts [--size large] [--latency 30]`. Each setting runs in its own child process
 * (the simulator in it too), so its peak resident memory is its own. For each it prints the GET requests by entity
 * set next to the lower bound (the pages the server must send at its maximum page size of 200), the wall time of
 * the read and the peak memory.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { startAimairaSimulator } from '../sim/aimaira/server.js';
import { generateScenario, scenarioSizes } from '../sim/scenario/generate.js';
import type { ScenarioSize } from '../sim/scenario/generate.js';
import { createAimairaClient } from '../src/aimaira/client.js';
import type { AimairaStrategyHints } from '../src/aimaira/client.js';
import { readSnapshot } from '../src/sync/down/read.js';
import { syncWindow } from '../src/sync/down/rules.js';

const settings = ['in', 'or', 'harsh'] as const;
type Setting = (typeof settings)[number];

interface Measure {
  setting: Setting;
  sessions: number;
  rows: number;
  learners: number;
  facilitators: number;
  tutors: number;
  requests: Record<string, number>;
  lowerBound: Record<string, number>;
  strategies: unknown;
  generateMs: number;
  startMs: number;
  readMs: number;
  peakRssMb: number;
}

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'large' },
    latency: { type: 'string', default: '30' },
    setting: { type: 'string' },
  },
});
const size = values.size as ScenarioSize;
if (!scenarioSizes.includes(size)) throw new Error(`--size must be one of ${scenarioSizes.join(', ')}`);
const latencyMs = Number(values.latency);

if (values.setting === undefined) {
  await compare();
} else {
  const setting = values.setting as Setting;
  if (!settings.includes(setting)) throw new Error(`--setting must be one of ${settings.join(', ')}`);
  console.log(JSON.stringify(await measure(setting)));
}

/** One setting, in this process: generate, start the simulator, read the window. */
async function measure(setting: Setting): Promise<Measure> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);

  const now = new Date('2026-11-30T10:30:00Z');
  let started = performance.now();
  const scenario = generateScenario({ size, seed: 1, now });
  const generateMs = performance.now() - started;
  started = performance.now();
  const simulator = await startAimairaSimulator({
    data: scenario.aimaira,
    credentials: scenario.credentials.aimaira,
    latencyMs,
    profile: setting === 'harsh' ? 'harsh' : 'default',
  });
  const startMs = performance.now() - started;

  const strategies: AimairaStrategyHints = setting === 'or' ? { filter: 'or', maxFilterNodes: 100 } : {};
  const client = createAimairaClient({
    baseUrl: simulator.rootUrl,
    username: scenario.credentials.aimaira.username,
    password: scenario.credentials.aimaira.password,
    strategies,
  });
  started = performance.now();
  const { snapshot } = await readSnapshot(client, {
    window: syncWindow(now, 14),
    extraSessionIds: [],
    knownCreations: () => Promise.resolve(new Map()),
    importStudentTutors: true,
  });
  const readMs = performance.now() - started;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  const setOf = (path: string) => path.replace(/^\/GraphV1\//, '').split('/')[0] ?? path;
  const requests: Record<string, number> = {};
  for (const request of simulator.requests) {
    if (request.method !== 'GET') throw new Error(`the read sent a ${request.method}`);
    requests[setOf(request.path)] = (requests[setOf(request.path)] ?? 0) + 1;
  }
  const rows = snapshot.sessions.reduce(
    (sum, session) =>
      sum + session.learnerIds.length + session.facilitatorIds.length + session.groupIds.length + session.rooms.length,
    0,
  );
  const pages = (records: number) => Math.max(1, Math.ceil(records / 200));
  const lowerBound: Record<string, number> = {
    TypePlanification: 1,
    TypeRessource: 1,
    Planification: pages(snapshot.sessions.length),
    // Rows of other types (rooms' equipment...) are filtered out by the server; at least one row per resource.
    PlanificationRessource: pages(rows),
    Apprenant: pages(snapshot.learners.size),
    Enseignant: pages(snapshot.facilitators.size),
    Programme: 1,
    Object: pages(snapshot.sessions.length),
    EtatConvention: 1,
    Convention: pages(snapshot.tutorsByLearner.size),
    Professionnel: pages(snapshot.tutors.size),
  };
  // Mail read by id: the facilitators' in one read, the tutors' in another.
  if (setting === 'harsh') lowerBound['Mail'] = pages(snapshot.facilitators.size) + pages(snapshot.tutors.size);
  await simulator.close();
  return {
    setting,
    sessions: snapshot.sessions.length,
    rows,
    learners: snapshot.learners.size,
    facilitators: snapshot.facilitators.size,
    tutors: snapshot.tutors.size,
    requests,
    lowerBound,
    strategies: client.strategies(),
    generateMs,
    startMs,
    readMs,
    peakRssMb: peakRss / (1024 * 1024),
  };
}

/** Every setting, each in a child process, then one table. */
async function compare(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const results: Measure[] = [];
  for (const setting of settings) {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          import.meta.resolve('tsx'),
          self,
          '--size',
          size,
          '--latency',
          String(latencyMs),
          '--setting',
          setting,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`${setting} exited with ${code}`))));
    });
    results.push(JSON.parse(output.trim().split('\n').at(-1) ?? '') as Measure);
  }

  const [first] = results;
  if (first === undefined) return;
  console.log(
    `Reading a 14-day window of the ${size} scenario through the Aimaira client (${latencyMs} ms latency per request)`,
  );
  console.log(
    `  window: ${first.sessions} sessions, ${first.rows} resource rows, ${first.learners} learners, ${first.facilitators} facilitators, ${first.tutors} tutors`,
  );
  console.log(`  generate scenario ${first.generateMs.toFixed(0)} ms, start simulator ${first.startMs.toFixed(0)} ms`);
  console.log('');
  const sets = [
    ...new Set(results.flatMap((result) => [...Object.keys(result.lowerBound), ...Object.keys(result.requests)])),
  ];
  const cell = (text: string | number, width = 15) => String(text).padStart(width);
  console.log(`  ${'GET requests / lower bound'.padEnd(26)}${results.map((r) => cell(r.setting)).join('')}`);
  const totals = results.map(() => ({ requests: 0, bound: 0 }));
  for (const set of sets) {
    const cells = results.map((result, index) => {
      const count = result.requests[set] ?? 0;
      const bound = result.lowerBound[set];
      const total = totals[index] as { requests: number; bound: number };
      total.requests += count;
      total.bound += bound ?? 0;
      return cell(bound === undefined ? `${count} / -` : `${count} / ${bound}`);
    });
    console.log(`  ${set.padEnd(26)}${cells.join('')}`);
  }
  console.log(`  ${'all'.padEnd(26)}${totals.map((t) => cell(`${t.requests} / ${t.bound}`)).join('')}`);
  console.log(
    `  ${'ratio to the bound'.padEnd(26)}${totals.map((t) => cell((t.requests / t.bound).toFixed(2))).join('')}`,
  );
  console.log(
    `  ${'read wall time'.padEnd(26)}${results.map((r) => cell(`${(r.readMs / 1000).toFixed(1)} s`)).join('')}`,
  );
  console.log(
    `  ${'peak memory (RSS)'.padEnd(26)}${results.map((r) => cell(`${r.peakRssMb.toFixed(0)} MB`)).join('')}`,
  );
  console.log('');
  const byName = new Map(results.map((result, index) => [result.setting, totals[index]?.requests ?? 0]));
  const ratio = (byName.get('or') ?? 0) / (byName.get('in') ?? 1);
  console.log(`  or / in GET requests: ${ratio.toFixed(2)} (target: at most 1.30)`);
  for (const result of results) console.log(`  strategies (${result.setting}): ${JSON.stringify(result.strategies)}`);
  console.log(
    '  harsh reads Object one id at a time (no collection): one GET per session whose creation date is not known yet.',
  );
}
