import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';

import { filterNodeCount as simNodeCount, parseFilter } from '../../sim/aimaira/odata.js';
import {
  aimairaMaxQueryLength,
  and,
  between,
  chunkInList,
  encodedQueryLength,
  eq,
  filterNodeCount,
  filterToString,
  formatLiteral,
  ge,
  gt,
  hasInList,
  inList,
  le,
  lt,
  ne,
  nextOrChunk,
  not,
  or,
} from './query.js';
import type { Filter, FilterMode, ODataValue, OrChunk, OrChunkLimits, QueryParams } from './query.js';

/** The query string the transport sends for a filter (it sets each option with `URLSearchParams`). */
const sentSearch = (filter: Filter, extra: Record<string, string> = {}): string => {
  const url = new URL('https://graphacme.aimaira.net/GraphV1/Apprenant');
  for (const [key, value] of Object.entries(extra)) url.searchParams.set(key, value);
  url.searchParams.set('$filter', filterToString(filter));
  return url.search;
};

/** How a server reads it back: split on `&`, `+` is a space, then percent-decoding. */
const receivedFilter = (search: string): string | undefined => {
  for (const part of search.slice(1).split('&')) {
    const [key = '', value = ''] = part.split('=');
    const decode = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));
    if (decode(key) === '$filter') return decode(value);
  }
  return undefined;
};

/** The values of an `in (...)` filter made of integers. */
const inValues = (filter: Filter): number[] => {
  const match = /in \((.*)\)$/.exec(filterToString(filter));
  return (match?.[1] ?? '').split(',').map(Number);
};

/**
 * Every request of an `or`-mode id list at once, as the client plans them one after the other (no feedback between
 * requests); duplicates are dropped.
 */
function chunkOrList(
  field: string,
  values: readonly ODataValue[],
  limits: OrChunkLimits,
  build?: (chunk: Filter) => QueryParams,
): OrChunk[] {
  let unique = [...new Map(values.map((value) => [formatLiteral(value), value] as const)).values()];
  if ((limits.maxGap ?? 0) > 0) {
    if (!unique.every((value) => typeof value === 'number' && Number.isSafeInteger(value))) {
      throw new RangeError('chunkOrList: ranges need integer values');
    }
    unique = (unique as number[]).sort((a, b) => a - b);
  }
  const chunks: OrChunk[] = [];
  let spanned = 0;
  for (let start = 0; start < unique.length;) {
    const chunk = nextOrChunk(
      field,
      unique,
      start,
      { ...limits, maxSpan: Math.max(0, (limits.maxSpan ?? 0) - spanned) },
      build,
    );
    chunks.push(chunk);
    spanned += chunk.spanned;
    start += chunk.count;
  }
  return chunks;
}

describe('literals', () => {
  it('doubles single quotes inside a string literal', () => {
    expect(filterToString(eq('Nom', "O'Brien"))).toBe("Nom eq 'O''Brien'");
    expect(filterToString(eq('Nom', "''"))).toBe("Nom eq ''''''");
  });

  it('cannot be closed early by a value that looks like OData', () => {
    const hostile = "x' or Id ne 0 or Nom eq 'y";
    expect(filterToString(eq('Code', hostile))).toBe("Code eq 'x'' or Id ne 0 or Nom eq ''y'");
  });

  it.each([
    ['a quote', "d'Artagnan"],
    ['unicode', 'Zoë Ærøskøbing 日本語 🎓'],
    ['a percent sign', '100% présent'],
    ['an ampersand', 'Dupont & Fils'],
    ['a hash', 'Salle #3'],
    ['a plus sign', 'jean+edusign@example.fr'],
    ['an equals sign and a question mark', 'a=b?c'],
    ['spaces', '  deux  espaces  '],
  ])('keeps %s intact through URL encoding', (_, value) => {
    const filter = eq('Mail/Adresse', value);
    const search = sentSearch(filter, { $select: 'Id,Nom' });
    expect(receivedFilter(search)).toBe(filterToString(filter));
    expect(filterToString(filter)).toBe(`Mail/Adresse eq '${value.replaceAll("'", "''")}'`);
    // Nothing in the value can end the option or the URL early.
    expect(search.split('&')).toHaveLength(2);
    expect(search).not.toContain('#');
  });

  it('encodes a plus sign so that it is not read back as a space', () => {
    const search = sentSearch(eq('Mail/Adresse', 'a+b@example.fr'));
    expect(search).toContain('%2B');
    expect(receivedFilter(search)).toBe("Mail/Adresse eq 'a+b@example.fr'");
  });

  it('writes numbers, booleans and null as OData literals', () => {
    expect(filterToString(eq('Id', 42))).toBe('Id eq 42');
    expect(filterToString(eq('Id', -7))).toBe('Id eq -7');
    expect(filterToString(ne('Remuneration', 1.5))).toBe('Remuneration ne 1.5');
    expect(filterToString(eq('Annule', false))).toBe('Annule eq false');
    expect(filterToString(eq('Realise', true))).toBe('Realise eq true');
    expect(filterToString(eq('ProgrammeId', null))).toBe('ProgrammeId eq null');
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('refuses the number %s', (value) => {
    expect(() => eq('Id', value)).toThrow(RangeError);
  });
});

describe('date-times', () => {
  it('writes a luxon date-time unquoted with its own offset', () => {
    const winter = DateTime.fromISO('2026-12-01T00:00:00', { zone: 'Europe/Paris' });
    const summer = DateTime.fromISO('2026-07-01T08:30:00', { zone: 'Europe/Paris' });
    expect(filterToString(ge('Debut', winter))).toBe('Debut ge 2026-12-01T00:00:00+01:00');
    expect(filterToString(lt('Debut', summer))).toBe('Debut lt 2026-07-01T08:30:00+02:00');
  });

  it('writes the offset across the spring change of time', () => {
    const before = DateTime.fromISO('2026-03-29T01:30:00', { zone: 'Europe/Paris' });
    const after = before.plus({ hours: 1 });
    expect(formatLiteral(before)).toBe('2026-03-29T01:30:00+01:00');
    expect(formatLiteral(after)).toBe('2026-03-29T03:30:00+02:00');
  });

  it('writes a JS Date in UTC with an explicit offset, and keeps milliseconds only when there are some', () => {
    expect(filterToString(gt('Fin', new Date('2026-01-05T08:00:00Z')))).toBe('Fin gt 2026-01-05T08:00:00+00:00');
    expect(filterToString(le('Fin', new Date('2026-01-05T08:00:00.250Z')))).toBe(
      'Fin le 2026-01-05T08:00:00.250+00:00',
    );
  });

  it('encodes the offset sign so the server reads a plus, not a space', () => {
    const filter = ge('Debut', DateTime.fromISO('2026-12-01T00:00:00', { zone: 'Europe/Paris' }));
    const search = sentSearch(filter);
    expect(search).toContain('%2B01%3A00');
    expect(receivedFilter(search)).toBe('Debut ge 2026-12-01T00:00:00+01:00');
  });

  it('refuses an invalid date-time', () => {
    expect(() => ge('Debut', DateTime.invalid('broken'))).toThrow(RangeError);
    expect(() => ge('Debut', new Date('not a date'))).toThrow(RangeError);
  });
});

describe('combinators', () => {
  const a = eq('Annule', false);
  const b = eq('TypePlanificationId', 3);
  const c = eq('TypePlanificationId', 4);

  it('puts parentheses around nested and/or/not only', () => {
    expect(filterToString(and(a, or(b, c)))).toBe(
      'Annule eq false and (TypePlanificationId eq 3 or TypePlanificationId eq 4)',
    );
    expect(filterToString(or(and(a, b), c))).toBe(
      '(Annule eq false and TypePlanificationId eq 3) or TypePlanificationId eq 4',
    );
    expect(filterToString(not(or(b, c)))).toBe('not (TypePlanificationId eq 3 or TypePlanificationId eq 4)');
    expect(filterToString(and(not(a), b))).toBe('(not (Annule eq false)) and TypePlanificationId eq 3');
  });

  it('skips undefined conditions and unwraps a single one', () => {
    expect(filterToString(and(undefined, a, undefined))).toBe('Annule eq false');
    expect(filterToString(or(a, undefined, b))).toBe('Annule eq false or TypePlanificationId eq 3');
    expect(() => and(undefined)).toThrow(RangeError);
    expect(() => or()).toThrow(RangeError);
  });

  it('writes in lists with escaped literals and refuses an empty one', () => {
    expect(filterToString(inList('Id', [1, 2, 3]))).toBe('Id in (1,2,3)');
    expect(filterToString(inList('Code', ["A'1", 'B2']))).toBe("Code in ('A''1','B2')");
    expect(() => inList('Id', [])).toThrow(RangeError);
  });

  it('accepts navigation paths but refuses anything else as a field name', () => {
    expect(filterToString(eq('Mail/Adresse', 'x@example.fr'))).toBe("Mail/Adresse eq 'x@example.fr'");
    expect(() => eq("Id eq 1 or Nom eq 'x'", 1)).toThrow(TypeError);
    expect(() => eq('Id)', 1)).toThrow(TypeError);
    expect(() => eq('', 1)).toThrow(TypeError);
  });
});

describe('encodedQueryLength', () => {
  it('is the length of the query string the URL will carry, question mark included', () => {
    const params = { $filter: "Nom eq 'Zoë & Co #1 + 100%'", $select: 'Id,Nom', $top: '5' };
    const url = new URL('https://graphacme.aimaira.net/GraphV1/Apprenant');
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    expect(encodedQueryLength(params)).toBe(url.search.length);
    expect(encodedQueryLength({})).toBe(0);
  });
});

describe('chunkInList', () => {
  const ids = Array.from({ length: 1000 }, (_, i) => 1_000_000 + i * 37);

  it('keeps every id exactly once and every chunk within the limit', () => {
    const chunks = chunkInList('Id', ids, 300);
    expect(chunks.length).toBeGreaterThan(1);
    const seen = chunks.flatMap(inValues);
    expect(seen).toEqual(ids);
    for (const chunk of chunks) {
      expect(encodedQueryLength({ $filter: filterToString(chunk) })).toBeLessThanOrEqual(300);
    }
  });

  it('fills each chunk: one more id would not have fitted', () => {
    const chunks = chunkInList('Id', ids, 500);
    // Several chunks, so that the loop below compares some; and every id in one of them.
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flatMap(inValues)).toEqual(ids);
    chunks.slice(0, -1).forEach((chunk, index) => {
      const nextId = inValues(chunks[index + 1] as Filter)[0] as number;
      const grown = inList('Id', [...inValues(chunk), nextId]);
      expect(encodedQueryLength({ $filter: filterToString(grown) })).toBeGreaterThan(500);
    });
  });

  it('drops duplicate ids', () => {
    const chunks = chunkInList('Id', [5, 6, 5, 7, 6], aimairaMaxQueryLength);
    expect(chunks.map((chunk) => filterToString(chunk))).toEqual(['Id in (5,6,7)']);
  });

  it('counts the whole query, other options and URL encoding included', () => {
    const codes = Array.from({ length: 400 }, (_, i) => `A'${i} é&#+%`);
    const other = eq('Annule', false);
    const build = (chunk: Filter) => ({
      $filter: filterToString(and(other, chunk)),
      $select: 'Id,Nom,Prenoms,Code',
      $expand: 'Mail',
    });
    const chunks = chunkInList('Code', codes, 1000, build);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      const search = sentSearch(and(other, chunk), { $select: 'Id,Nom,Prenoms,Code', $expand: 'Mail' });
      expect(search.length).toBeLessThanOrEqual(1000);
      expect(encodedQueryLength(build(chunk))).toBe(search.length);
    }
    const received = chunks.flatMap((chunk) => {
      const text = filterToString(chunk);
      return [...text.matchAll(/'((?:[^']|'')*)'/g)].map((m) => (m[1] ?? '').replaceAll("''", "'"));
    });
    expect(received).toEqual(codes);
  });

  it('refuses a value that alone does not fit', () => {
    expect(() => chunkInList('Code', ['x'.repeat(200)], 100)).toThrow(RangeError);
  });

  it('makes no chunk for no ids', () => {
    expect(chunkInList('Id', [], 100)).toEqual([]);
  });
});

describe('or mode', () => {
  it('writes an in list as a parenthesised or chain, a list of one as a bare comparison', () => {
    expect(filterToString(inList('Id', [1, 2, 3]), 'or')).toBe('(Id eq 1 or Id eq 2 or Id eq 3)');
    expect(filterToString(inList('Id', [7]), 'or')).toBe('Id eq 7');
    expect(filterToString(inList('Code', ["A'1", 'B2']), 'or')).toBe("(Code eq 'A''1' or Code eq 'B2')");
    expect(filterToString(inList('Id', [1, 2, 3]))).toBe('Id in (1,2,3)');
  });

  it('keeps the meaning of the in list wherever it stands', () => {
    const filter = and(eq('Annule', false), inList('TypePlanificationId', [3, 4]), not(inList('Id', [9, 10])));
    expect(filterToString(filter, 'or')).toBe(
      'Annule eq false and (TypePlanificationId eq 3 or TypePlanificationId eq 4) and (not ((Id eq 9 or Id eq 10)))',
    );
    expect(filterToString(filter, 'in')).toBe(
      'Annule eq false and TypePlanificationId in (3,4) and (not (Id in (9,10)))',
    );
  });

  it('writes a range as ge and le, parenthesised inside an or', () => {
    expect(filterToString(or(between('Id', 10, 20), eq('Id', 30)))).toBe('(Id ge 10 and Id le 20) or Id eq 30');
  });

  it('knows whether a filter holds an in list', () => {
    expect(hasInList(and(eq('Annule', false), not(inList('Id', [1]))))).toBe(true);
    expect(hasInList(or(eq('Id', 1), between('Id', 2, 5)))).toBe(false);
  });
});

describe('filterNodeCount', () => {
  const filters: [string, Filter][] = [
    ['a comparison', eq('Id', 1)],
    ['an in list', inList('Id', [1, 2, 3, 4])],
    ['an in list of one', inList('Id', [1])],
    ['a navigation path', eq('Mail/Adresse', "o'brien@example.fr")],
    ['nested and, or, not', and(eq('Annule', false), or(inList('TypeRessourceId', [1, 2]), not(eq('Id', 3))))],
    ['ranges', or(between('Id', 10, 20), eq('Id', 30), between('Id', 40, 45))],
  ];
  it.each(filters)('counts %s as the simulator does, in both modes', (_, filter) => {
    for (const mode of ['in', 'or'] as FilterMode[]) {
      expect(filterNodeCount(filter, mode)).toBe(simNodeCount(parseFilter(filterToString(filter, mode))));
    }
  });

  it('counts an in list of n values as 2 + n, and as 4n - 1 once written as an or chain', () => {
    const list = inList('Id', [1, 2, 3, 4, 5]);
    expect(filterNodeCount(list, 'in')).toBe(7);
    expect(filterNodeCount(list, 'or')).toBe(19);
    expect(filterNodeCount(and(eq('Annule', false), list), 'or')).toBe(23);
  });
});

describe('or chunks', () => {
  /** The values a chunk asks for: ranges expanded over `all`. */
  const covered = (chunk: OrChunk, all: readonly number[]): number[] => {
    const text = filterToString(chunk.filter, 'or');
    const ranges = [...text.matchAll(/Id ge (\d+) and Id le (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const singles = [...text.replace(/Id ge \d+ and Id le \d+/g, '').matchAll(/Id eq (\d+)/g)].map((m) => Number(m[1]));
    return all.filter((id) => singles.includes(id) || ranges.some(([low = 0, high = 0]) => id >= low && id <= high));
  };
  const caller = and(eq('Annule', false), inList('TypeRessourceId', [11, 12, 13, 14]));
  const build = (chunk: Filter) => ({ $filter: filterToString(and(caller, chunk), 'or'), $select: 'Id,Nom' });
  const fixedNodes = filterNodeCount(caller, 'or') + 1;

  it('keeps every request within the node limit, the rest of the filter counted, and the query length', () => {
    const ids = Array.from({ length: 500 }, (_, i) => 1_000_000 + i * 7);
    const chunks = chunkOrList('Id', ids, { maxQueryLength: 1900, maxNodes: 100, fixedNodes }, build);
    // 500 ids at 20 a request (see below).
    expect(chunks).toHaveLength(25);
    for (const chunk of chunks) {
      const text = build(chunk.filter).$filter;
      expect(simNodeCount(parseFilter(text))).toBeLessThanOrEqual(100);
      expect(encodedQueryLength(build(chunk.filter))).toBeLessThanOrEqual(1900);
      expect(chunk.ranged).toBe(false);
    }
    expect(chunks.flatMap((chunk) => covered(chunk, ids))).toEqual(ids);
    // 100 nodes less the caller's 19 and the `and`: 20 terms of 4 nodes (the first without its `or`).
    expect(chunks[0]?.count).toBe(20);
  });

  it('packs dense runs as ranges, isolated ids as comparisons, and spans no more than allowed', () => {
    const run = (from: number, count: number, step: number) => Array.from({ length: count }, (_, i) => from + i * step);
    const ids = [...run(1000, 50, 3), 5000, 5002, ...run(9000, 30, 1), 20_000];
    const chunks = chunkOrList('Id', ids, { maxQueryLength: 1900, maxNodes: 100, maxGap: 4, maxSpan: 1000 });
    expect(chunks).toHaveLength(1);
    const [chunk] = chunks as [OrChunk];
    expect(filterToString(chunk.filter, 'or')).toBe(
      '(Id ge 1000 and Id le 1147) or Id eq 5000 or Id eq 5002 or (Id ge 9000 and Id le 9029) or Id eq 20000',
    );
    expect(chunk.spanned).toBe(49 * 2);
    expect(chunk.ranged).toBe(true);
    expect(covered(chunk, ids)).toEqual(ids);

    const tight = chunkOrList('Id', run(1000, 50, 3), { maxQueryLength: 1900, maxNodes: 100, maxGap: 4, maxSpan: 20 });
    expect(tight.reduce((sum, c) => sum + c.spanned, 0)).toBeLessThanOrEqual(20);
    expect(tight.flatMap((c) => covered(c, run(1000, 50, 3)))).toEqual(run(1000, 50, 3));
  });

  it('never makes a range over a gap wider than allowed', () => {
    const chunks = chunkOrList('Id', [1, 2, 3, 40, 41, 42], {
      maxQueryLength: 1900,
      maxNodes: 100,
      maxGap: 10,
      maxSpan: 1000,
    });
    expect(filterToString(chunks[0]?.filter as Filter, 'or')).toBe('(Id ge 1 and Id le 3) or (Id ge 40 and Id le 42)');
  });

  it('writes text values one comparison each, escaped, duplicates dropped', () => {
    const chunks = chunkOrList('Code', ["A'1", 'B2', "A'1"], { maxQueryLength: 1900, maxNodes: 100 });
    expect(chunks.map((chunk) => filterToString(chunk.filter, 'or'))).toEqual(["Code eq 'A''1' or Code eq 'B2'"]);
  });

  it('refuses a request that cannot hold even one value', () => {
    expect(() => nextOrChunk('Id', [1], 0, { maxQueryLength: 1900, maxNodes: 20, fixedNodes: 18 })).toThrow(RangeError);
    expect(() => nextOrChunk('Id', [1], 0, { maxQueryLength: 10, maxNodes: 100 })).toThrow(RangeError);
  });
});
