/**
 * Benchmark: reading a 14-day window of the large scenario from Aimaira through the client.
 * Run: `npx tsx bench/read-window.ts [--size large] [--latency 30]`.
 *
 * Prints the time to generate the scenario and start the simulator, then the requests the downward reader made,
 * by entity set, next to the lower bound (the pages the server must send at its maximum page size of 200), the wall
 * time of the read and the peak resident memory. It is the same reader a sync uses (`readSnapshot`).
 */
import { parseArgs } from 'node:util';

import { startAimairaSimulator } from '../sim/aimaira/server.js';
import { generateScenario, scenarioSizes } from '../sim/scenario/generate.js';
import type { ScenarioSize } from '../sim/scenario/generate.js';
import { createAimairaClient } from '../src/aimaira/client.js';
import { readSnapshot } from '../src/sync/down/read.js';
import { syncWindow } from '../src/sync/down/rules.js';

const { values } = parseArgs({
  options: { size: { type: 'string', default: 'large' }, latency: { type: 'string', default: '30' } },
});
const size = values.size as ScenarioSize;
if (!scenarioSizes.includes(size)) throw new Error(`--size must be one of ${scenarioSizes.join(', ')}`);
const latencyMs = Number(values.latency);

const megabyte = 1024 * 1024;
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
});
const startMs = performance.now() - started;

const client = createAimairaClient({
  baseUrl: simulator.rootUrl,
  username: scenario.credentials.aimaira.username,
  password: scenario.credentials.aimaira.password,
});
const window = syncWindow(now, 14);
started = performance.now();
const { snapshot } = await readSnapshot(client, {
  window,
  extraSessionIds: [],
  knownCreations: () => Promise.resolve(new Map()),
  importStudentTutors: true,
});
const readMs = performance.now() - started;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);

// What the server had to send: per entity set, the records read at 200 a page.
const setOf = (path: string) => path.replace(/^\/GraphV1\//, '').split('/')[0] ?? path;
const requestsBySet = new Map<string, number>();
for (const request of simulator.requests) {
  requestsBySet.set(setOf(request.path), (requestsBySet.get(setOf(request.path)) ?? 0) + 1);
}
const rows = snapshot.sessions.reduce(
  (sum, session) =>
    sum + session.learnerIds.length + session.facilitatorIds.length + session.groupIds.length + session.rooms.length,
  0,
);
const pages = (records: number) => Math.max(1, Math.ceil(records / 200));
const tutorCount = snapshot.tutors.size;
const conventionLearners = snapshot.tutorsByLearner.size;
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
  Convention: pages(conventionLearners),
  Professionnel: pages(tutorCount),
};

console.log(
  `Reading a 14-day window of the ${size} scenario through the Aimaira client (${latencyMs} ms latency per request)`,
);
console.log(`  generate scenario      ${generateMs.toFixed(0)} ms`);
console.log(`  start simulator        ${startMs.toFixed(0)} ms`);
console.log(
  `  window: ${snapshot.sessions.length} sessions, ${rows} resource rows, ${snapshot.learners.size} learners, ${snapshot.facilitators.size} facilitators, ${tutorCount} tutors`,
);
console.log('');
console.log('  entity set               requests   lower bound');
let total = 0;
let totalBound = 0;
for (const [set, bound] of Object.entries(lowerBound)) {
  const count = requestsBySet.get(set) ?? 0;
  total += count;
  totalBound += bound;
  console.log(`  ${set.padEnd(24)} ${String(count).padStart(8)}   ${String(bound).padStart(11)}`);
}
const others = [...requestsBySet.entries()].filter(([set]) => !(set in lowerBound));
for (const [set, count] of others) {
  total += count;
  console.log(`  ${set.padEnd(24)} ${String(count).padStart(8)}   ${'-'.padStart(11)}`);
}
console.log(
  `  ${'all (GET)'.padEnd(24)} ${String(total).padStart(8)}   ${String(totalBound).padStart(11)}   ratio ${(total / totalBound).toFixed(2)}`,
);
console.log('');
console.log(`  read wall time         ${readMs.toFixed(0)} ms`);
console.log(`  peak memory (RSS)      ${(peakRss / megabyte).toFixed(0)} MB`);

await simulator.close();
