/**
 * OData query building for Aimaira, where every literal goes through one escaping function.
 *
 * A `$filter` is only ever made by the builders below (`eq`, `and`, `inList`...), never by gluing strings: a
 * learner called O'Brien or an e-mail with a `+` must not change the meaning of a query. Strings are quoted with
 * `'` doubled, date-times are written unquoted with their offset, numbers must be finite. URL encoding is left to
 * `URLSearchParams` (through the transport), which is also what `encodedQueryLength` measures, so the lengths
 * computed here are the lengths the server sees.
 */
import { DateTime } from 'luxon';

const filterText = Symbol('odata filter text');

/** A `$filter` expression made by this module's builders. */
export interface Filter {
  readonly [filterText]: string;
  /** True for `and`/`or`/`not`, which get parentheses when nested. */
  readonly compound: boolean;
}

/** A literal value a filter can compare a field to. A JS `Date` or a luxon `DateTime` is a date-time. */
export type ODataValue = string | number | boolean | null | Date | DateTime;

/** The longest query string (the part after `?`, `?` included) Aimaira accepts before answering 414. */
export const aimairaMaxQueryLength = 2048;

const fieldPath = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;

function checkField(field: string): string {
  // Field names come from code, never from data; anything else is a programming error.
  if (!fieldPath.test(field)) throw new TypeError(`not an OData property path: ${JSON.stringify(field)}`);
  return field;
}

const make = (text: string, compound: boolean): Filter => ({ [filterText]: text, compound });

/** The filter as it goes into `$filter` (before URL encoding). */
export function filterToString(filter: Filter): string {
  return filter[filterText];
}

/** A date-time as OData wants it: ISO 8601 with seconds and a numeric offset, unquoted. */
export function formatDateTime(value: Date | DateTime): string {
  // A JS Date carries no zone: it is written in UTC, which names the same instant.
  const dateTime = value instanceof Date ? DateTime.fromJSDate(value, { zone: 'utc' }) : value;
  if (!dateTime.isValid) throw new RangeError(`invalid date-time in an OData filter: ${dateTime.invalidReason ?? ''}`);
  const pattern = dateTime.millisecond === 0 ? "yyyy-MM-dd'T'HH:mm:ssZZ" : "yyyy-MM-dd'T'HH:mm:ss.SSSZZ";
  return dateTime.toFormat(pattern);
}

/** One literal, escaped. */
export function formatLiteral(value: ODataValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite number in an OData filter: ${value}`);
    return String(value);
  }
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  if (value instanceof Date || DateTime.isDateTime(value)) return formatDateTime(value);
  throw new TypeError('unsupported OData literal');
}

type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

const compare =
  (operator: ComparisonOperator) =>
  (field: string, value: ODataValue): Filter =>
    make(`${checkField(field)} ${operator} ${formatLiteral(value)}`, false);

/** `field eq value` */
export const eq = compare('eq');
/** `field ne value` */
export const ne = compare('ne');
/** `field gt value` */
export const gt = compare('gt');
/** `field ge value` */
export const ge = compare('ge');
/** `field lt value` */
export const lt = compare('lt');
/** `field le value` */
export const le = compare('le');

/** `field in (v1,v2,...)`. An empty list is refused: it matches nothing, so the request should not be sent. */
export function inList(field: string, values: readonly ODataValue[]): Filter {
  if (values.length === 0) throw new RangeError(`empty "in" list for ${field}: skip the request instead`);
  return make(`${checkField(field)} in (${values.map(formatLiteral).join(',')})`, false);
}

const join = (operator: 'and' | 'or', filters: readonly (Filter | undefined)[]): Filter => {
  const present = filters.filter((f): f is Filter => f !== undefined);
  const [only] = present;
  if (only === undefined) throw new RangeError(`${operator}() needs at least one filter`);
  if (present.length === 1) return only;
  return make(present.map(operand).join(` ${operator} `), true);
};

const operand = (filter: Filter): string => (filter.compound ? `(${filter[filterText]})` : filter[filterText]);

/** All of the filters; `undefined` entries (optional conditions) are skipped. */
export function and(...filters: readonly (Filter | undefined)[]): Filter {
  return join('and', filters);
}

/** Any of the filters; `undefined` entries are skipped. */
export function or(...filters: readonly (Filter | undefined)[]): Filter {
  return join('or', filters);
}

/** The negation of a filter. */
export function not(filter: Filter): Filter {
  return make(`not (${filter[filterText]})`, true);
}

/** The query options the client sends, as names and unencoded values (what goes into `URLSearchParams`). */
export type QueryParams = Readonly<Record<string, string>>;

/** Length of `?` plus the query string once URL-encoded, as the transport will send it. */
export function encodedQueryLength(params: QueryParams): number {
  const search = new URLSearchParams(Object.entries(params)).toString();
  return search.length === 0 ? 0 : search.length + 1;
}

/** URL-encoded length of a piece of a query value. */
function encodedLength(text: string): number {
  return new URLSearchParams([['', text]]).toString().length - 1;
}

/**
 * Splits `field in (...)` over several filters so that each request's encoded query string stays within
 * `maxQueryLength`. Values are kept once each (duplicates dropped), in their first order.
 *
 * `build` places one chunk's filter into the request's full query options (other filters, `$select`...), so
 * that everything that shares the query string is counted; by default the chunk is the whole `$filter`.
 */
export function chunkInList(
  field: string,
  values: readonly ODataValue[],
  maxQueryLength: number,
  build: (chunk: Filter) => QueryParams = (chunk) => ({ $filter: filterToString(chunk) }),
): Filter[] {
  const unique = [...new Map(values.map((value) => [formatLiteral(value), value] as const)).values()];
  const chunks: Filter[] = [];
  let start = 0;
  while (start < unique.length) {
    const first = unique.slice(start, start + 1);
    let length = encodedQueryLength(build(inList(field, first)));
    if (length > maxQueryLength) {
      throw new RangeError(`one value of ${field} alone makes a query longer than ${maxQueryLength} characters`);
    }
    let end = start + 1;
    // Appending `,literal` inside the parentheses grows the encoded query by exactly its own encoded length.
    for (; end < unique.length; end++) {
      const next = unique[end] as ODataValue;
      const grown = length + encodedLength(`,${formatLiteral(next)}`);
      if (grown > maxQueryLength) break;
      length = grown;
    }
    const chunk = inList(field, unique.slice(start, end));
    if (encodedQueryLength(build(chunk)) > maxQueryLength) {
      // Only possible when `build` does not embed the filter exactly once and verbatim.
      throw new RangeError(`chunkInList: build() must place the chunk filter once in the query`);
    }
    chunks.push(chunk);
    start = end;
  }
  return chunks;
}
