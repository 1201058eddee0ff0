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

const filterNode = Symbol('odata filter node');

type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

/** The syntax tree of a filter; literals are already formatted (escaped), field names already checked. */
type FilterNode =
  | {
      readonly kind: 'compare';
      readonly operator: ComparisonOperator;
      readonly field: string;
      readonly literal: string;
    }
  | { readonly kind: 'in'; readonly field: string; readonly literals: readonly string[] }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly FilterNode[] }
  | { readonly kind: 'not'; readonly operand: FilterNode };

/** A `$filter` expression made by this module's builders. */
export interface Filter {
  readonly [filterNode]: FilterNode;
}

/**
 * How an `in` list is written: `in` (OData 4.01), or `or` for servers that refuse it (ASP.NET Web API OData before
 * 4.01 support), where `F in (a,b)` becomes `(F eq a or F eq b)`.
 */
export type FilterMode = 'in' | 'or';

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

const make = (node: FilterNode): Filter => ({ [filterNode]: node });

const isCompound = (node: FilterNode): boolean => node.kind === 'and' || node.kind === 'or' || node.kind === 'not';

function render(node: FilterNode, mode: FilterMode): string {
  switch (node.kind) {
    case 'compare':
      return `${node.field} ${node.operator} ${node.literal}`;
    case 'in': {
      if (mode === 'in') return `${node.field} in (${node.literals.join(',')})`;
      const terms = node.literals.map((literal) => `${node.field} eq ${literal}`);
      // Parenthesised as a whole, so that the chain stays one operand wherever the `in` stood.
      return terms.length === 1 ? (terms[0] as string) : `(${terms.join(' or ')})`;
    }
    case 'and':
    case 'or':
      return node.operands
        .map((operand) => (isCompound(operand) ? `(${render(operand, mode)})` : render(operand, mode)))
        .join(` ${node.kind} `);
    case 'not':
      return `not (${render(node.operand, mode)})`;
  }
}

/** The filter as it goes into `$filter` (before URL encoding); `in` lists written as `mode` says. */
export function filterToString(filter: Filter, mode: FilterMode = 'in'): string {
  return render(filter[filterNode], mode);
}

function countNodes(node: FilterNode, mode: FilterMode): number {
  switch (node.kind) {
    case 'compare':
      return 3;
    case 'in': {
      const count = node.literals.length;
      // `in`: the operator, the property and each literal; `or` form: three a term, one per `or`.
      return mode === 'in' ? 2 + count : 4 * count - 1;
    }
    case 'and':
    case 'or':
      return node.operands.reduce((sum, operand) => sum + countNodes(operand, mode), node.operands.length - 1);
    case 'not':
      return 1 + countNodes(node.operand, mode);
  }
}

/**
 * The nodes a server counts in the filter once written in `mode`: one for each binary or unary operator, each
 * property path and each literal (ASP.NET Web API OData refuses a filter over its `MaxNodeCount`, 100 by default).
 */
export function filterNodeCount(filter: Filter, mode: FilterMode): number {
  return countNodes(filter[filterNode], mode);
}

function holdsIn(node: FilterNode): boolean {
  switch (node.kind) {
    case 'in':
      return true;
    case 'compare':
      return false;
    case 'and':
    case 'or':
      return node.operands.some(holdsIn);
    case 'not':
      return holdsIn(node.operand);
  }
}

/** Whether the filter holds an `in` list, which is written differently in `or` mode. */
export function hasInList(filter: Filter): boolean {
  return holdsIn(filter[filterNode]);
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

const compare =
  (operator: ComparisonOperator) =>
  (field: string, value: ODataValue): Filter =>
    make({ kind: 'compare', operator, field: checkField(field), literal: formatLiteral(value) });

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
  return make({ kind: 'in', field: checkField(field), literals: values.map(formatLiteral) });
}

/** `field ge low and field le high`: every value from `low` to `high`, both included. */
export function between(field: string, low: ODataValue, high: ODataValue): Filter {
  return and(ge(field, low), le(field, high));
}

const join = (operator: 'and' | 'or', filters: readonly (Filter | undefined)[]): Filter => {
  const present = filters.filter((f): f is Filter => f !== undefined);
  const [only] = present;
  if (only === undefined) throw new RangeError(`${operator}() needs at least one filter`);
  if (present.length === 1) return only;
  return make({ kind: operator, operands: present.map((filter) => filter[filterNode]) });
};

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
  return make({ kind: 'not', operand: filter[filterNode] });
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

/** What bounds one request of an `or`-mode id list. */
export interface OrChunkLimits {
  /** Longest encoded query string, as for `chunkInList`. */
  maxQueryLength: number;
  /** The most filter nodes a request may have (see `filterNodeCount`), the rest of the filter included. */
  maxNodes: number;
  /** Nodes the rest of the filter takes (the caller's conditions and the `and` joining them to the ids). */
  fixedNodes?: number;
  /**
   * Ranges: the longest run of values not asked for that a range may step over (0, the default: no ranges). With
   * ranges on, values must be sorted integers, unique.
   */
  maxGap?: number;
  /** Ranges: how many values not asked for the ranges of this request may span in all. */
  maxSpan?: number;
}

/** One request of an `or`-mode id list: its filter, how many values it consumed, and what its ranges span. */
export interface OrChunk {
  filter: Filter;
  /** Values taken from the list, from `start` on. */
  count: number;
  /** Values not asked for that lie inside its ranges (0 without ranges). */
  spanned: number;
  /** Whether any term is a range, so that the answer may hold records that were not asked for. */
  ranged: boolean;
}

/** Nodes of one term of an `or` chain: `F eq a` (3) or `(F ge a and F le b)` (7). */
const eqTermNodes = 3;
const rangeTermNodes = 7;

/**
 * The next request of `field` among `values` (from `start`) in `or` mode: `F eq a` terms, and with `maxGap` set,
 * `(F ge a and F le b)` terms for runs of three values or more whose gaps stay within `maxGap`, so that one term of
 * seven nodes stands for a whole run. A term is added while the whole filter stays within `maxNodes` and the
 * query within `maxQueryLength`; `build` places the chunk into the request's full query options.
 */
export function nextOrChunk(
  field: string,
  values: readonly ODataValue[],
  start: number,
  limits: OrChunkLimits,
  build: (chunk: Filter) => QueryParams = (chunk) => ({ $filter: filterToString(chunk, 'or') }),
): OrChunk {
  const maxGap = limits.maxGap ?? 0;
  const maxSpan = limits.maxSpan ?? 0;
  const budget = limits.maxNodes - (limits.fixedNodes ?? 0);
  const terms: Filter[] = [];
  let nodes = 0;
  let spanned = 0;
  let ranged = false;
  let at = start;
  while (at < values.length) {
    const first = values[at] as ODataValue;
    let end = at + 1;
    let span = 0;
    if (maxGap > 0 && typeof first === 'number') {
      let last = first;
      for (; end < values.length; end++) {
        const next = values[end];
        if (typeof next !== 'number') break;
        const gap = next - last - 1;
        if (gap < 0) throw new RangeError('nextOrChunk: with ranges, values must be sorted, unique integers');
        if (gap > maxGap || spanned + span + gap > maxSpan) break;
        span += gap;
        last = next;
      }
    }
    const isRange = end - at >= 3;
    const term = isRange ? between(field, first, values[end - 1] as ODataValue) : eq(field, first);
    const cost = (isRange ? rangeTermNodes : eqTermNodes) + (terms.length > 0 ? 1 : 0);
    const fits = nodes + cost <= budget && encodedQueryLength(build(or(...terms, term))) <= limits.maxQueryLength;
    if (!fits) {
      if (terms.length > 0) break;
      throw new RangeError(
        `one value of ${field} alone makes a request over ${limits.maxNodes} filter nodes or ${limits.maxQueryLength} characters`,
      );
    }
    terms.push(term);
    nodes += cost;
    if (isRange) {
      spanned += span;
      ranged = true;
      at = end;
    } else {
      at += 1;
    }
  }
  return { filter: or(...terms), count: at - start, spanned, ranged };
}
