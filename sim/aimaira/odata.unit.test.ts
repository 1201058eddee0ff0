import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';

import { makeRecord } from './entities.js';
import type { EntitySetName } from './entities.js';
import {
  ODataQueryError,
  ParisDateTimes,
  compileFilter,
  filterNodeCount,
  inPosition,
  indexableCondition,
  indexableConditions,
  parseDateTimeOffset,
  parseExpand,
  parseFilter,
  parseOrderBy,
  parseQueryOptions,
  parseQueryString,
  parseSelect,
  sortRecords,
} from './odata.js';
import type { EntityRecord, FilterExpr, RelatedLookup } from './odata.js';

const mails: Record<number, EntityRecord> = {
  10: makeRecord('Mail', { Id: 10, Adresse: 'ada@example.org' }),
  11: makeRecord('Mail', { Id: 11, Adresse: "o'brien@example.org", IsDuplicate: true }),
};
const lookup: RelatedLookup = (set, id) => (set === 'Mail' ? mails[id] : undefined);

const learners: EntityRecord[] = [
  makeRecord('Apprenant', { Id: 1, Nom: 'Lovelace', Prenoms: 'Ada', MailId: 10, Code: 'A001' }),
  makeRecord('Apprenant', { Id: 2, Nom: "O'Brien", Prenoms: 'Sean', MailId: 11, Code: 'A002', Handicap: true }),
  makeRecord('Apprenant', { Id: 3, Nom: 'Hopper', Prenoms: 'Grace', MailId: 0, Code: 'A003' }),
  makeRecord('Apprenant', { Id: 4, Nom: 'Turing', Prenoms: '', MailId: 99, Code: 'A004', Photo: { url: 'x' } }),
];

const sessions: EntityRecord[] = [
  makeRecord('Planification', { Id: 1, Nom: 'winter', Debut: '2026-01-15T09:00:00+01:00', Realise: true }),
  makeRecord('Planification', { Id: 2, Nom: 'summer', Debut: '2026-07-15T09:00:00+02:00' }),
  makeRecord('Planification', { Id: 3, Nom: 'none', Debut: null, Annule: true }),
];

/** The Ids of the records of `set` matching `filter`. */
function matching(filter: string, set: EntitySetName = 'Apprenant', records = learners): number[] {
  const predicate = compileFilter(parseFilter(filter), set, lookup, filter);
  return records.filter(predicate).map((record) => record['Id'] as number);
}

function filterError(filter: string, set: EntitySetName = 'Apprenant'): ODataQueryError {
  try {
    compileFilter(parseFilter(filter), set, lookup, filter);
  } catch (error) {
    expect(error).toBeInstanceOf(ODataQueryError);
    return error as ODataQueryError;
  }
  throw new Error(`expected '${filter}' to be refused`);
}

describe('$filter parser', () => {
  it('builds comparisons with literals of every kind', () => {
    expect(parseFilter("Nom eq 'Ada'")).toMatchObject({
      kind: 'compare',
      operator: 'eq',
      left: { kind: 'property', path: ['Nom'] },
      right: { kind: 'literal', type: 'string', value: 'Ada' },
    });
    expect(parseFilter('Id ge -12')).toMatchObject({ right: { type: 'int', value: -12 } });
    expect(parseFilter('Remuneration lt 12.5')).toMatchObject({ right: { type: 'decimal', value: 12.5 } });
    expect(parseFilter('Annule eq true')).toMatchObject({ right: { type: 'bool', value: true } });
    expect(parseFilter('Debut eq null')).toMatchObject({ right: { type: 'null', value: null } });
    expect(parseFilter('Debut gt 2026-12-01T00:00:00+01:00')).toMatchObject({
      right: { type: 'datetime', value: Date.parse('2026-11-30T23:00:00Z') },
    });
  });

  it("reads '' inside a text literal as one quote", () => {
    expect(parseFilter("Nom eq 'O''Brien'")).toMatchObject({ right: { value: "O'Brien" } });
    expect(parseFilter("Nom eq ''''")).toMatchObject({ right: { value: "'" } });
    expect(parseFilter("Nom eq ''")).toMatchObject({ right: { value: '' } });
  });

  it('gives and precedence over or', () => {
    const tree = parseFilter('Id eq 1 or Id eq 2 and Id eq 3');
    expect(tree).toMatchObject({ kind: 'or', right: { kind: 'and' } });
  });

  it('lets parentheses override precedence', () => {
    const tree = parseFilter('(Id eq 1 or Id eq 2) and Id eq 3');
    expect(tree).toMatchObject({ kind: 'and', left: { kind: 'or' } });
  });

  it('binds not tighter than comparisons, and in tighter than not', () => {
    expect(parseFilter('not Annule eq true')).toMatchObject({
      kind: 'compare',
      left: { kind: 'not', operand: { kind: 'property' } },
    });
    expect(parseFilter('not Id in (1,2)')).toMatchObject({ kind: 'not', operand: { kind: 'in' } });
    expect(parseFilter('not not Annule')).toMatchObject({ kind: 'not', operand: { kind: 'not' } });
  });

  it('parses in lists and navigation paths', () => {
    expect(parseFilter("Code in ('A', 'B''C' ,'D')")).toMatchObject({
      kind: 'in',
      list: [{ value: 'A' }, { value: "B'C" }, { value: 'D' }],
    });
    expect(parseFilter("Mail/Adresse eq 'x'")).toMatchObject({ left: { path: ['Mail', 'Adresse'] } });
  });

  it('accepts Z, fractional seconds and minutes-only date-times', () => {
    expect(parseFilter('Debut lt 2026-12-01T00:00:00.5Z')).toMatchObject({
      right: { value: Date.parse('2026-12-01T00:00:00.500Z') },
    });
    expect(parseFilter('Debut lt 2026-12-01T10:30-03:30')).toMatchObject({
      right: { value: Date.parse('2026-12-01T14:00:00Z') },
    });
  });

  it.each([
    ['Id eq', 'expected a property, a literal, not or (, found the end of the expression at position 5'],
    ['Id eq 1 and', 'found the end of the expression at position 11'],
    ["Nom eq 'abc", 'unterminated string literal'],
    ['Id eq 1)', "expected 'and', 'or', a comparison operator or the end, found ')' at position 7"],
    ['(Id eq 1', "expected ')', found the end of the expression at position 8"],
    ['Id eq 1 Id', "found 'Id' at position 8"],
    ['Id in ()', "a literal (the 'in' list cannot be empty), found ')' at position 7"],
    ['Id in (1 2)', "expected ',' or ')' in the 'in' list, found literal 2"],
    ['Id in (Id)', "expected a literal, found 'Id'"],
    ['Id in 1', "expected '(' opening the 'in' list, found literal 1"],
    ["startswith(Nom, 'A')", "function 'startswith' is not supported at position 0"],
    ['Id add 1 eq 2', "operator 'add' is not supported at position 3"],
    ['Id eq 1 & Id eq 2', "unexpected character '&' at position 8"],
    ['Debut gt 2026-12-01', "date literal '2026-12-01' is not supported"],
    ['Debut gt 2026-12-01T00:00:00', 'has no offset'],
    ['Debut gt 2026-12-01T00:00:00 01:00', "a '+' in a URL must be sent as %2B"],
    ['Debut gt 2026-13-01T00:00:00Z', 'out of range'],
    ['Debut gt 2026-02-29T00:00:00Z', 'out of range'],
    ['Id eq 12abc', "unexpected character 'a' after literal '12'"],
    ['Mail/', 'expected a property name, found the end of the expression at position 5'],
    ['PlanificationsRessource/any(r: r/Presence eq true)', "lambda 'any' is not supported"],
    ['Id EQ 1', "found 'EQ'"],
  ])('refuses %j with a precise message', (filter, message) => {
    expect(() => parseFilter(filter)).toThrow(ODataQueryError);
    expect(() => parseFilter(filter)).toThrow(message);
  });

  it('reports the position of a syntax error', () => {
    try {
      parseFilter("Nom eq 'a' and and");
      expect.unreachable();
    } catch (error) {
      expect((error as ODataQueryError).position).toBe(15);
      expect((error as Error).message).toContain("in 'Nom eq 'a' and and'");
    }
  });
});

describe('$filter evaluation', () => {
  it('compares text exactly, with escaped quotes', () => {
    expect(matching("Nom eq 'O''Brien'")).toEqual([2]);
    expect(matching("Nom eq 'lovelace'")).toEqual([]);
    expect(matching("Nom ne 'Hopper'")).toEqual([1, 2, 4]);
    expect(matching("Nom gt 'Lz'")).toEqual([2, 4]);
  });

  it('compares numbers, int and decimal alike', () => {
    expect(matching('Id gt 2')).toEqual([3, 4]);
    expect(matching('Id le 2.0')).toEqual([1, 2]);
    expect(matching('MailId eq 0')).toEqual([3]);
  });

  it('evaluates not, and, or with their precedence', () => {
    expect(matching('Id eq 1 or Id eq 2 and Handicap eq true')).toEqual([1, 2]);
    expect(matching('(Id eq 1 or Id eq 2) and Handicap eq true')).toEqual([2]);
    expect(matching('not (Id eq 1) and not Handicap')).toEqual([3, 4]);
    expect(matching('not Id in (1, 2)')).toEqual([3, 4]);
    expect(matching('Handicap')).toEqual([2]);
    expect(matching('Handicap eq false and Id lt 3 or Id eq 4')).toEqual([1, 4]);
  });

  it('matches in lists', () => {
    expect(matching('Id in (4, 2, 99)')).toEqual([2, 4]);
    expect(matching("Code in ('A003')")).toEqual([3]);
    expect(matching("Prenoms in ('', 'Ada')")).toEqual([1, 4]);
  });

  it('follows one-valued navigations, a missing target being null', () => {
    expect(matching("Mail/Adresse eq 'ada@example.org'")).toEqual([1]);
    expect(matching("Mail/Adresse eq 'o''brien@example.org'")).toEqual([2]);
    expect(matching('Mail/IsDuplicate eq true')).toEqual([2]);
    // Learners 3 (MailId 0) and 4 (unknown Mail 99) have no Mail.
    expect(matching('Mail/Adresse eq null')).toEqual([3, 4]);
    expect(matching('Mail eq null')).toEqual([3, 4]);
    expect(matching('Mail ne null')).toEqual([1, 2]);
    // Unknown, not false: `not` of an unknown condition stays unknown.
    expect(matching('not Mail/IsDuplicate')).toEqual([1]);
    expect(matching("Mail/Adresse ne 'ada@example.org'")).toEqual([2, 3, 4]);
  });

  it('compares date-times as instants whatever their offsets', () => {
    const ids = (filter: string): number[] => matching(filter, 'Planification', sessions);
    expect(ids('Debut eq 2026-01-15T08:00:00Z')).toEqual([1]);
    expect(ids('Debut eq 2026-07-15T03:00:00-04:00')).toEqual([2]);
    expect(ids('Debut gt 2026-07-15T08:59:59+02:00')).toEqual([2]);
    expect(ids('Debut ge 2026-01-15T09:00:00.000+01:00 and Debut lt 2026-07-15T07:00:00Z')).toEqual([1]);
    expect(ids('Debut lt 2027-01-01T00:00:00Z')).toEqual([1, 2]);
    expect(ids('Debut in (2026-07-15T07:00:00Z, 2026-01-15T08:00:00Z)')).toEqual([1, 2]);
  });

  it('treats null as OData does: eq null only for null, orderings false', () => {
    const ids = (filter: string): number[] => matching(filter, 'Planification', sessions);
    expect(ids('Debut eq null')).toEqual([3]);
    expect(ids('Debut ne null')).toEqual([1, 2]);
    expect(ids('null eq Debut')).toEqual([3]);
    expect(ids('not (Debut lt 2027-01-01T00:00:00Z)')).toEqual([3]);
    expect(ids('Realise eq true or Annule')).toEqual([1, 3]);
  });

  it('compares untyped (json) fields with eq and ne only', () => {
    expect(matching('Photo eq null')).toEqual([1, 2, 3]);
    expect(filterError('Photo gt 1').message).toContain("using 'gt'");
  });

  it.each([
    ['Foo eq 1', "could not find a property named 'Foo' on Apprenant at position 0"],
    ['nom eq 1', "could not find a property named 'nom'"],
    ["Mail/Foo eq 'x'", "could not find a property named 'Foo' on Mail"],
    ["Nom/Foo eq 'x'", "'Nom' of Apprenant is not a navigation property"],
    ["Id eq 'A001'", "cannot compare 'Id' (Edm.Int32) with ''A001'' (Edm.String) using 'eq'"],
    ['Nom eq 1', 'cannot compare'],
    ["DateNaissance gt '2000-01-01T00:00:00Z'", 'Edm.DateTimeOffset'],
    ['Handicap gt false', 'booleans can only be compared with eq or ne'],
    ['Id gt null', "'gt' cannot compare with null"],
    ["Id in (1, 'x')", 'cannot compare'],
    ['Id', 'the expression must be a condition (Edm.Boolean), not Edm.Int32'],
    ['not Nom', "'not' needs a condition"],
    ['Nom eq Prenoms and Id', "'and' needs a condition (Edm.Boolean), but 'Id' is Edm.Int32"],
    ["Mail eq 'x'", 'a navigation property can only be compared with null'],
    ['constructor eq 1', "could not find a property named 'constructor'"],
  ])('refuses %j as a bad name or type', (filter, message) => {
    expect(filterError(filter).message).toContain(message);
  });

  it('refuses collection navigations and deeper paths', () => {
    expect(filterError('PlanificationsRessource eq null', 'Planification').message).toContain(
      "'PlanificationsRessource' is a collection navigation of Planification",
    );
    expect(filterError("Programme/Ecole/Code eq 'X'", 'Planification').message).toContain(
      'more than one navigation level',
    );
    expect(filterError('Programme/Ecole eq null', 'Planification').message).toContain(
      'more than one navigation level deep',
    );
  });
});

describe('node count (what a harsh server limits)', () => {
  it.each([
    ['Id eq 1', 3],
    ['Id eq 1 or Id eq 2', 7],
    ['not (Id eq 1)', 4],
    ['Mail/Adresse eq null', 3],
    ['Annule eq false and (Id eq 1 or Id eq 2)', 11],
    ['Id in (1,2,3)', 5],
    ['(Id ge 10 and Id le 20) or Id eq 30', 11],
  ])('counts %s as %i nodes: operators, property paths and literals', (text, nodes) => {
    expect(filterNodeCount(parseFilter(text))).toBe(nodes);
  });

  it('finds an in list wherever it stands, and nothing in a filter without one', () => {
    expect(inPosition(parseFilter('Annule eq false and not (Id in (1,2))'))).toBe(28);
    expect(inPosition(parseFilter('Id eq 1 or Id eq 2'))).toBeUndefined();
  });
});

describe('index planning', () => {
  const plan = (filter: string): ReturnType<typeof indexableCondition> => indexableCondition(parseFilter(filter));

  it('finds an eq or in on a property among the top-level conjuncts', () => {
    expect(plan('PlanificationId in (1,2,3)')).toEqual({ field: 'PlanificationId', values: [1, 2, 3], ranges: [] });
    expect(plan('Presence eq true and 7 eq PlanificationId')).toEqual({
      field: 'PlanificationId',
      values: [7],
      ranges: [],
    });
  });

  it('narrows an or of such conditions on one field: the or form of an in list', () => {
    expect(
      plan('(PlanificationId eq 1 or PlanificationId eq 2) and (TypeRessourceId eq 5 or TypeRessourceId eq 6)'),
    ).toEqual({ field: 'PlanificationId', values: [1, 2], ranges: [] });
    expect(plan('Id eq 1 or Id in (2,3)')).toEqual({ field: 'Id', values: [1, 2, 3], ranges: [] });
    expect(plan('Annule eq false and ((Id ge 10 and Id le 20) or Id eq 7 or (30 le Id and 40 ge Id))')).toEqual({
      field: 'Id',
      values: [7],
      ranges: [
        [10, 20],
        [30, 40],
      ],
    });
  });

  it('offers every conjunct that narrows, for the server to pick the most selective', () => {
    expect(
      indexableConditions(
        parseFilter(
          '(TypeRessourceId eq 5 or TypeRessourceId eq 6) and (PlanificationId eq 1 or PlanificationId eq 2)',
        ),
      ).map((condition) => condition.field),
    ).toEqual(['TypeRessourceId', 'PlanificationId']);
  });

  it('does not narrow an or over two fields or an open range, nor under not, navigations or non-numbers', () => {
    expect(plan('Id eq 1 or PlanificationId eq 2')).toBeUndefined();
    expect(plan('Id ge 1 or Id eq 7')).toBeUndefined();
    expect(plan("(Id ge 1 and Nom eq 'x') or Id eq 7")).toBeUndefined();
    expect(plan('not Id in (1)')).toBeUndefined();
    expect(plan('Mail/Id eq 1')).toBeUndefined();
    expect(plan("Code eq 'A'")).toBeUndefined();
    expect(plan('Id gt 1')).toBeUndefined();
  });
});

describe('$orderby, $select, $expand', () => {
  it('orders by several keys, nulls first, then by Id', () => {
    const records = [
      makeRecord('Planification', { Id: 5, Nom: 'b', Debut: '2026-01-01T10:00:00+01:00' }),
      makeRecord('Planification', { Id: 4, Nom: 'a', Debut: '2026-01-01T09:30:00Z' }),
      makeRecord('Planification', { Id: 3, Nom: 'b', Debut: null }),
      makeRecord('Planification', { Id: 2, Nom: 'b', Debut: '2026-01-01T09:00:00Z' }),
    ];
    const ids = (orderBy: string): unknown[] =>
      sortRecords(records, parseOrderBy(orderBy, 'Planification'), 'Planification', lookup).map((r) => r['Id']);
    // 10:00+01:00 and 09:00Z are the same instant: Id breaks the tie.
    expect(ids('Debut')).toEqual([3, 2, 5, 4]);
    expect(ids('Debut desc')).toEqual([4, 2, 5, 3]);
    expect(ids('Nom desc,Debut asc')).toEqual([3, 2, 5, 4]);
    expect(sortRecords(records, [], 'Planification', lookup).map((r) => r['Id'])).toEqual([2, 3, 4, 5]);
  });

  it('orders by a navigation path', () => {
    const ids = sortRecords(learners, parseOrderBy('Mail/Adresse desc', 'Apprenant'), 'Apprenant', lookup).map(
      (r) => r['Id'],
    );
    expect(ids).toEqual([2, 1, 3, 4]);
  });

  it.each([
    ['Foo', "could not find a property named 'Foo'"],
    ['Nom sideways', "'Nom sideways' is not 'Property', 'Property asc' or 'Property desc'"],
    ['Nom,', 'empty item'],
    ['Mail', "'Mail' is a navigation property"],
    ['Photo', 'cannot be ordered'],
  ])('refuses $orderby=%s', (orderBy, message) => {
    expect(() => parseOrderBy(orderBy, 'Apprenant')).toThrow(message);
  });

  it('selects fields in the entity order, navigations allowed', () => {
    expect(parseSelect('Prenoms, Nom ,Id', 'Apprenant')).toEqual(['Id', 'Nom', 'Prenoms']);
    expect(parseSelect('Mail', 'Apprenant')).toEqual([]);
    expect(parseSelect('*', 'Apprenant')).toBeUndefined();
    expect(() => parseSelect('Nom,Foo', 'Apprenant')).toThrow("could not find a property named 'Foo' on Apprenant");
    expect(() => parseSelect('Mail/Adresse', 'Apprenant')).toThrow('only plain property names');
  });

  it('expands one level of navigation properties', () => {
    expect(parseExpand('Programme,TypePlanification,Programme', 'Planification')).toEqual([
      'Programme',
      'TypePlanification',
    ]);
    expect(() => parseExpand('Foo', 'Apprenant')).toThrow("could not find a navigation property named 'Foo'");
    expect(() => parseExpand('Nom', 'Apprenant')).toThrow("is not a navigation property named 'Nom'");
    expect(() => parseExpand('Mail($select=Adresse)', 'Apprenant')).toThrow('nested query options');
    expect(() => parseExpand('Programme/Ecole', 'Planification')).toThrow('one level');
    expect(() => parseExpand('*', 'Apprenant')).toThrow("'*' is not supported");
  });
});

describe('query string and options', () => {
  it('decodes pairs like a web server, + being a space', () => {
    expect(parseQueryString("?$filter=Nom+eq+'a%2Bb'&$top=5&flag")).toEqual([
      ['$filter', "Nom eq 'a+b'"],
      ['$top', '5'],
      ['flag', ''],
    ]);
    expect(parseQueryString('')).toEqual([]);
    expect(() => parseQueryString('?$filter=%E0%A4%A')).toThrow('not correctly percent-encoded');
  });

  it('reads every option of a collection', () => {
    const options = parseQueryOptions(
      [
        ['$filter', 'Id gt 1'],
        ['$orderby', 'Nom desc'],
        ['$select', 'Id,Nom'],
        ['$expand', 'Mail'],
        ['$top', '10'],
        ['$skip', '20'],
        ['$count', 'true'],
        ['custom', 'ignored'],
      ],
      'Apprenant',
      'collection',
    );
    expect(options).toMatchObject({
      filter: { text: 'Id gt 1' },
      orderBy: [{ path: ['Nom'], descending: true }],
      select: ['Id', 'Nom'],
      expand: ['Mail'],
      top: 10,
      skip: 20,
      count: true,
    });
  });

  it.each([
    [[['$top', '-1']], "Invalid $top: '-1' is not a non-negative integer"],
    [[['$skip', '1.5']], "Invalid $skip: '1.5'"],
    [[['$top', '99999999999999999999']], 'Invalid $top'],
    [[['$count', 'yes']], "Invalid $count: 'yes'"],
    [[['$search', 'x']], "The query option '$search' is not supported"],
    [[['$Filter', 'Id eq 1']], "The query option '$Filter' is not supported"],
    [
      [
        ['$top', '1'],
        ['$top', '2'],
      ],
      "'$top' is given more than once",
    ],
    [[['$filter', ' ']], "The query option '$filter' is empty"],
  ] as [[string, string][], string][])('refuses %j', (pairs, message) => {
    expect(() => parseQueryOptions(pairs, 'Apprenant', 'collection')).toThrow(message);
  });

  it('allows only $select and $expand on a single entity', () => {
    expect(parseQueryOptions([['$expand', 'Mail']], 'Apprenant', 'entity').expand).toEqual(['Mail']);
    expect(() => parseQueryOptions([['$top', '1']], 'Apprenant', 'entity')).toThrow(
      'does not apply to a single entity',
    );
  });
});

describe('date-times', () => {
  it('reads ISO 8601 with an offset into an instant', () => {
    expect(parseDateTimeOffset('2022-01-01T08:00:00+02:00')).toEqual({ instant: Date.parse('2022-01-01T06:00:00Z') });
    expect(parseDateTimeOffset('2022-01-01T08:00:00.1234567Z')).toEqual({
      instant: Date.parse('2022-01-01T08:00:00.123Z'),
    });
    expect(parseDateTimeOffset('2024-02-29T00:00:00Z')).toEqual({ instant: Date.parse('2024-02-29T00:00:00Z') });
  });

  it.each([
    '2022-01-01T08:00:00',
    '2022-01-01',
    '2022-01-01 08:00:00Z',
    '2023-02-29T00:00:00Z',
    '2022-01-01T24:00:00Z',
    '2022-01-01T08:00:00+15:00',
    'soon',
  ])('refuses %j', (text) => {
    expect(parseDateTimeOffset(text)).toHaveProperty('problem');
  });

  it('writes Paris wall time with the offset of the season', () => {
    const paris = new ParisDateTimes();
    expect(paris.format(Date.parse('2022-01-01T06:00:00Z'))).toBe('2022-01-01T07:00:00+01:00');
    expect(paris.format(Date.parse('2026-07-14T08:00:00Z'))).toBe('2026-07-14T10:00:00+02:00');
    expect(paris.format(Date.parse('2018-02-01T15:15:12.053Z'))).toBe('2018-02-01T16:15:12.053+01:00');
    // The spring-forward and fall-back instants of 2026 (last Sundays of March and October, 01:00 UTC).
    expect(paris.format(Date.parse('2026-03-29T00:59:59Z'))).toBe('2026-03-29T01:59:59+01:00');
    expect(paris.format(Date.parse('2026-03-29T01:00:00Z'))).toBe('2026-03-29T03:00:00+02:00');
    expect(paris.format(Date.parse('2026-10-25T00:59:59Z'))).toBe('2026-10-25T02:59:59+02:00');
    expect(paris.format(Date.parse('2026-10-25T01:00:00Z'))).toBe('2026-10-25T02:00:00+01:00');
    // Before 1996 summer time ended in September; the time-zone database knows it.
    expect(paris.format(Date.parse('1994-09-26T12:00:00Z'))).toBe('1994-09-26T13:00:00+01:00');
    expect(paris.format(Date.parse('1994-09-24T12:00:00Z'))).toBe('1994-09-24T14:00:00+02:00');
  });

  it('agrees with the time-zone database on the offset, hour by hour, 1996 to 2040', () => {
    const paris = new ParisDateTimes();
    const zone = IANAZone.create('Europe/Paris');
    const disagreements: string[] = [];
    // Every 7 hours and 1 minute: every hour of the day and every day of the week come round.
    for (
      let instant = Date.parse('1996-01-01T00:00:00Z');
      instant < Date.parse('2041-01-01T00:00:00Z');
      instant += 421 * 60_000
    ) {
      if (paris.offsetMinutes(instant) !== zone.offset(instant)) disagreements.push(new Date(instant).toISOString());
    }
    for (const year of [1996, 2000, 2026, 2040]) {
      for (const transition of [`${year}-03`, `${year}-10`]) {
        const lastSunday = DateTime.fromISO(`${transition}-01`, { zone: 'utc' }).endOf('month').startOf('day');
        const day = lastSunday.minus({ days: lastSunday.weekday % 7 });
        for (const minutes of [59, 60, 61]) {
          const instant = day.plus({ minutes }).toMillis();
          if (paris.offsetMinutes(instant) !== zone.offset(instant)) {
            disagreements.push(new Date(instant).toISOString());
          }
        }
      }
    }
    expect(disagreements).toEqual([]);
  });
});

// Keeps the type import honest: the tree is a plain data structure.
const example: FilterExpr = { kind: 'property', path: ['Id'], position: 0 };
void example;
