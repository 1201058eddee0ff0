/**
 * A small seeded pseudo-random generator for the scenario generator.
 *
 * sfc32 (Chris Doty-Humphrey's "small fast counter") seeded through splitmix32: fast, 128 bits of state, and good
 * enough statistically for test data. Nothing here reads `Math.random`, so a scenario is a pure function of its
 * options. `fork(label)` derives an independent stream, which keeps one part of the generator from shifting every
 * other part when it draws one more number.
 */

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with the given probability (0 → never, 1 → always). */
  chance(probability: number): boolean;
  /** One element, uniformly. Throws on an empty list: a caller asking for nothing is a bug. */
  pick<T>(items: readonly T[]): T;
  /** One value, with probability proportional to its weight. */
  weighted<T>(choices: readonly (readonly [value: T, weight: number])[]): T;
  /** A shuffled copy (Fisher–Yates); the input is left alone. */
  shuffle<T>(items: readonly T[]): T[];
  /** `count` distinct elements (all of them when there are fewer), in random order. */
  sample<T>(items: readonly T[], count: number): T[];
  /** An independent stream for `label`, the same for the same seed and label. */
  fork(label: string): Random;
}

export function createRandom(seed: number): Random {
  if (!Number.isFinite(seed)) throw new Error(`A random seed must be a finite number, got ${seed}`);
  return fromSeed(seed >>> 0);
}

function fromSeed(seed: number): Random {
  const split = splitmix32(seed);
  const next = sfc32(split(), split(), split(), split());
  // Mixing a few draws out warms the state up, as the sfc32 author recommends.
  for (let i = 0; i < 12; i++) next();

  const random: Random = {
    next,
    int(min, max) {
      if (max < min) throw new Error(`Empty integer range [${min}, ${max}]`);
      return min + Math.floor(next() * (max - min + 1));
    },
    chance(probability) {
      return next() < probability;
    },
    pick(items) {
      if (items.length === 0) throw new Error('Cannot pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    weighted(choices) {
      let total = 0;
      for (const [, weight] of choices) total += weight;
      if (!(total > 0)) throw new Error('Weighted pick needs a positive total weight');
      let point = next() * total;
      for (const [value, weight] of choices) {
        point -= weight;
        if (point < 0) return value;
      }
      // Rounding can leave `point` a hair above zero: the last choice with a weight wins.
      const last = choices.findLast(([, weight]) => weight > 0);
      if (last === undefined) throw new Error('Weighted pick needs a positive total weight');
      return last[0];
    },
    shuffle(items) {
      const copy = items.slice();
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const held = copy[i] as (typeof copy)[number];
        copy[i] = copy[j] as (typeof copy)[number];
        copy[j] = held;
      }
      return copy;
    },
    sample(items, count) {
      return random.shuffle(items).slice(0, Math.max(0, count));
    },
    fork(label) {
      return fromSeed((seed ^ hashLabel(label)) >>> 0);
    },
  };
  return random;
}

function splitmix32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** FNV-1a over the label's UTF-16 code units, then avalanched: different labels give unrelated streams. */
function hashLabel(label: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
  hash = Math.imul(hash ^ (hash >>> 12), 0x297a2d39);
  return (hash ^ (hash >>> 15)) >>> 0;
}
