/**
 * Benchmark of the scenario generator: `npx tsx bench/generate.ts`.
 *
 * Builds each size with seed 1 around the current time and prints, per size, the wall time, the resident memory
 * of the process sampled right after the size was built (while its scenario is still alive), the highest sample so
 * far, and the record counts per entity set. Sizes run from small to large in one process, so the large column's
 * memory includes whatever the earlier sizes left to the garbage collector.
 */
import { entitySetNames } from '../sim/aimaira/entities.js';
import { generateScenario, scenarioSizes } from '../sim/scenario/generate.js';
import type { Scenario } from '../sim/scenario/generate.js';

interface Measure {
  wallMs: number;
  rssMb: number;
  peakRssMb: number;
  scenario: Scenario;
}

const megabyte = 1024 * 1024;
const now = new Date();
const measures: Measure[] = [];
let peakRss = 0;

for (const size of scenarioSizes) {
  const started = performance.now();
  const scenario = generateScenario({ size, seed: 1, now });
  const wallMs = performance.now() - started;
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  measures.push({ wallMs, rssMb: rss / megabyte, peakRssMb: peakRss / megabyte, scenario });
}

const whole = (value: number): string => Math.round(value).toLocaleString('en-US');
const lines: [label: string, values: string[]][] = [
  ['wall time (ms)', measures.map((measure) => whole(measure.wallMs))],
  ['RSS after size (MB)', measures.map((measure) => whole(measure.rssMb))],
  ['peak RSS so far (MB)', measures.map((measure) => whole(measure.peakRssMb))],
  ['APPRENANT rows', measures.map((measure) => whole(measure.scenario.manifest.apprenantRows))],
  ['', measures.map(() => '')],
  ...entitySetNames.map((set): [string, string[]] => [
    set,
    measures.map((measure) => whole(measure.scenario.manifest.counts[set] ?? 0)),
  ]),
];

const labelWidth = Math.max(...lines.map(([label]) => label.length));
const columnWidth = Math.max(10, ...lines.flatMap(([, values]) => values.map((value) => value.length)));
const row = (label: string, values: readonly string[]): string =>
  [label.padEnd(labelWidth), ...values.map((value) => value.padStart(columnWidth))].join('  ');

console.log(`Scenario generator, seed 1, now ${now.toISOString()}, Node ${process.version}`);
console.log('');
console.log(row('', scenarioSizes));
console.log(
  row(
    '',
    scenarioSizes.map(() => '-'.repeat(columnWidth)),
  ),
);
for (const [label, values] of lines) console.log(label === '' ? '' : row(label, values));
