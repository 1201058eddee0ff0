import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';

import {
  aimairaMaxQueryLength,
  and,
  chunkInList,
  encodedQueryLength,
  eq,
  filterToString,
  formatLiteral,
  ge,
  gt,
  inList,
  le,
  lt,
  ne,
  not,
  or,
} from './query.js';
import type { Filter } from './query.js';

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
