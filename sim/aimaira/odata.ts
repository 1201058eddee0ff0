/**
 * The OData v4 query language as the Aimaira simulator accepts it: `$filter` (lexer, recursive-descent parser to
 * an AST, type check, compilation to a closure), `$orderby`, `$select`, `$expand`, `$top`, `$skip`, `$count`, and the
 * Edm.DateTimeOffset literals and Paris formatting the API uses.
 *
 * The simulator must never be more lenient than the real API, so anything outside the supported subset (functions,
 * arithmetic, lambdas, nested expand options, date literals without offset) is a 400 with a message that says what
 * was found and what was expected, rather than a silent best guess.
 */
import { IANAZone } from 'luxon';

import { entityFields, navigations } from './entities.js';
import type { EntitySetName, FieldKind, Navigation } from './entities.js';

/** One stored entity as the wire shows it (date-times as Paris strings with their offset). */
export type EntityRecord = Readonly<Record<string, unknown>>;

/** Finds the entity a one-valued navigation points to. */
export type RelatedLookup = (set: EntitySetName, id: number) => EntityRecord | undefined;

/** A query option the API would refuse: the server answers 400 with this message. */
export class ODataQueryError extends Error {
  override readonly name = 'ODataQueryError';
  /** Offset in the `$filter` text (0-based) when the problem has a place. */
  readonly position: number | undefined;

  constructor(message: string, position?: number) {
    super(message);
    this.position = position;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Edm.DateTimeOffset

const dateTimeText = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Reads an ISO 8601 date-time that carries its offset (`Z` or `±hh:mm`) into epoch milliseconds. Fractions beyond
 * the millisecond are dropped. A date-time without offset is refused: it names no instant.
 */
export function parseDateTimeOffset(text: string): { instant: number } | { problem: string } {
  const match = dateTimeText.exec(text);
  if (!match) return { problem: `'${text}' is not an ISO 8601 date-time such as 2026-12-01T08:00:00+01:00` };
  const [, y, mo, d, h, mi, s, fraction, offset] = match;
  if (offset === undefined) {
    return { problem: `date-time '${text}' has no offset: add Z or ±hh:mm, e.g. ${text}+01:00` };
  }
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeapYear(year) ? 1 : 0);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    return { problem: `date-time '${text}' is out of range` };
  }
  let offsetMinutes = 0;
  if (offset !== 'Z') {
    const offsetHours = Number(offset.slice(1, 3));
    const offsetMins = Number(offset.slice(4, 6));
    if (offsetHours > 14 || offsetMins > 59) return { problem: `date-time '${text}' has an out-of-range offset` };
    offsetMinutes = (offset.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const millis = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, millis);
  return { instant: utc.getTime() - offsetMinutes * 60_000 };
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Writes instants the way the API answers them: Europe/Paris wall time with its offset, seconds always, milliseconds
 * only when not zero (`2022-01-01T07:00:00+01:00`). The offset comes from the EU rule rather than the time-zone
 * database where the rule applies, because a large seed formats hundreds of thousands of date-times and each
 * database lookup costs microseconds.
 */
export class ParisDateTimes {
  private readonly zone = IANAZone.create('Europe/Paris');
  private readonly offsetByHour = new Map<number, number>();
  private readonly summerByYear = new Map<number, readonly [number, number]>();

  /** Minutes east of UTC in Paris at `instant` (60 in winter, 120 in summer). */
  offsetMinutes(instant: number): number {
    const year = new Date(instant).getUTCFullYear();
    if (year >= 1996) {
      // Since 1996 (EU rule): summer time from the last Sunday of March to the last Sunday of October, 01:00 UTC.
      let summer = this.summerByYear.get(year);
      if (summer === undefined) {
        summer = [lastSundayOneAmUtc(year, 2), lastSundayOneAmUtc(year, 9)];
        this.summerByYear.set(year, summer);
      }
      return instant >= summer[0] && instant < summer[1] ? 120 : 60;
    }
    // Earlier rules vary: ask the time-zone database, once per UTC hour (Paris changes offset on whole hours).
    const hour = Math.floor(instant / 3_600_000);
    let offset = this.offsetByHour.get(hour);
    if (offset === undefined) {
      offset = Math.round(this.zone.offset(hour * 3_600_000));
      this.offsetByHour.set(hour, offset);
    }
    return offset;
  }

  format(instant: number): string {
    const offset = this.offsetMinutes(instant);
    const wall = new Date(instant + offset * 60_000);
    const millis = wall.getUTCMilliseconds();
    const sign = offset < 0 ? '-' : '+';
    const absolute = Math.abs(offset);
    return (
      `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1, 2)}-${pad(wall.getUTCDate(), 2)}` +
      `T${pad(wall.getUTCHours(), 2)}:${pad(wall.getUTCMinutes(), 2)}:${pad(wall.getUTCSeconds(), 2)}` +
      (millis === 0 ? '' : `.${pad(millis, 3)}`) +
      `${sign}${pad(Math.floor(absolute / 60), 2)}:${pad(absolute % 60, 2)}`
    );
  }
}

function lastSundayOneAmUtc(year: number, monthIndex: number): number {
  const lastDay = new Date(Date.UTC(year, monthIndex + 1, 0));
  return Date.UTC(year, monthIndex, lastDay.getUTCDate() - lastDay.getUTCDay(), 1);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

// ---------------------------------------------------------------------------------------------------------------
// Entity model lookups (own properties only: `constructor` is not a field)

export function fieldKindOf(set: EntitySetName, name: string): FieldKind | undefined {
  const fields: Readonly<Record<string, FieldKind>> = entityFields[set];
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}

export function navigationOf(set: EntitySetName, name: string): Navigation | undefined {
  const navs = navigations[set];
  return navs !== undefined && Object.hasOwn(navs, name) ? navs[name] : undefined;
}

const edmTypeNames: Record<FieldKind, string> = {
  int: 'Edm.Int32',
  decimal: 'Edm.Decimal',
  string: 'Edm.String',
  bool: 'Edm.Boolean',
  datetime: 'Edm.DateTimeOffset',
  json: 'Edm.Untyped',
};

export function edmTypeOf(kind: FieldKind): string {
  return edmTypeNames[kind];
}

// ---------------------------------------------------------------------------------------------------------------
// $filter: tokens

type Token =
  | { type: 'word'; text: string; position: number }
  | { type: 'string'; value: string; text: string; position: number }
  | { type: 'number'; value: number; integer: boolean; text: string; position: number }
  | { type: 'datetime'; instant: number; text: string; position: number }
  | { type: 'punct'; text: '(' | ')' | ',' | '/'; position: number }
  | { type: 'end'; position: number };

const wordPattern = /[A-Za-z_][A-Za-z0-9_]*/y;
const dateTimePattern = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?/y;
const datePattern = /\d{4}-\d{2}-\d{2}/y;
const numberPattern = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const wordChar = /[A-Za-z0-9_.]/;

function stickyMatch(pattern: RegExp, text: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
}

function filterError(text: string, what: string, position: number): ODataQueryError {
  return new ODataQueryError(`Invalid $filter: ${what} at position ${position} in '${text}'`, position);
}

/**
 * Reads the token that starts at or after `from`. The parser asks for tokens one at a time, so an error is reported
 * at the first place the expression goes wrong, whether it is a bad character or a bad construct before it.
 */
function lexToken(text: string, from: number): Token {
  let at = from;
  while (at < text.length && /\s/.test(text.charAt(at))) at += 1;
  if (at >= text.length) return { type: 'end', position: text.length };
  const char = text.charAt(at);
  if (char === '(' || char === ')' || char === ',' || char === '/') return { type: 'punct', text: char, position: at };
  if (char === "'") {
    let value = '';
    let end = at + 1;
    for (;;) {
      const quote = text.indexOf("'", end);
      if (quote < 0) throw filterError(text, 'unterminated string literal (a quote inside text is written as two)', at);
      value += text.slice(end, quote);
      // `''` inside a literal stands for one quote.
      if (text.charAt(quote + 1) !== "'") {
        end = quote + 1;
        break;
      }
      value += "'";
      end = quote + 2;
    }
    return { type: 'string', value, text: text.slice(at, end), position: at };
  }
  if (/\d/.test(char) || (char === '-' && /\d/.test(text.charAt(at + 1)))) {
    const lexed = (char === '-' ? undefined : lexDateTime(text, at)) ?? lexNumber(text, at);
    const after = text.charAt(at + lexed.text.length);
    if (wordChar.test(after) || after === "'") {
      throw filterError(text, `unexpected character '${after}' after literal '${lexed.text}'`, at + lexed.text.length);
    }
    return lexed;
  }
  const word = stickyMatch(wordPattern, text, at);
  if (word !== undefined) return { type: 'word', text: word, position: at };
  throw filterError(text, `unexpected character '${char}'`, at);
}

/** Where the text of a token ends. */
function tokenEnd(token: Token): number {
  switch (token.type) {
    case 'end':
      return token.position;
    case 'punct':
      return token.position + 1;
    default:
      return token.position + token.text.length;
  }
}

function lexDateTime(text: string, at: number): (Token & { type: 'datetime' }) | undefined {
  const dateTime = stickyMatch(dateTimePattern, text, at);
  if (dateTime !== undefined) {
    const parsed = parseDateTimeOffset(dateTime);
    if ('problem' in parsed) {
      // A space where the offset should be is the usual sign of a '+' sent unencoded in a URL.
      const hint = /^[ ]\d{2}:\d{2}/.test(text.slice(at + dateTime.length))
        ? " (a '+' in a URL must be sent as %2B)"
        : '';
      throw filterError(text, parsed.problem + hint, at);
    }
    return { type: 'datetime', instant: parsed.instant, text: dateTime, position: at };
  }
  const date = stickyMatch(datePattern, text, at);
  if (date !== undefined) {
    throw filterError(text, `date literal '${date}' is not supported: compare with a date-time with offset`, at);
  }
  return undefined;
}

function lexNumber(text: string, at: number): Token & { type: 'number' } {
  const literal = stickyMatch(numberPattern, text, at) ?? '';
  return {
    type: 'number',
    value: Number(literal),
    integer: /^-?\d+$/.test(literal),
    text: literal,
    position: at,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// $filter: syntax tree and parser

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type LiteralType = 'int' | 'decimal' | 'string' | 'bool' | 'datetime' | 'null';

export type FilterExpr =
  | {
      kind: 'literal';
      type: LiteralType;
      /** Date-times hold their instant in epoch milliseconds. */
      value: number | string | boolean | null;
      text: string;
      position: number;
    }
  | { kind: 'property'; path: string[]; position: number }
  | { kind: 'compare'; operator: ComparisonOperator; left: FilterExpr; right: FilterExpr; position: number }
  | { kind: 'in'; operand: FilterExpr; list: LiteralExpr[]; position: number }
  | { kind: 'and' | 'or'; left: FilterExpr; right: FilterExpr; position: number }
  | { kind: 'not'; operand: FilterExpr; position: number };

export type LiteralExpr = Extract<FilterExpr, { kind: 'literal' }>;

const comparisonOperators = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const unsupportedOperators = new Set<string>(['add', 'sub', 'mul', 'div', 'divby', 'mod', 'has', 'isof', 'cast']);
const keywords = new Set<string>([...comparisonOperators, 'and', 'or', 'not', 'in', 'true', 'false', 'null']);

/** Parses `$filter` text into a syntax tree; names are checked later, against an entity set, by `compileFilter`. */
export function parseFilter(text: string): FilterExpr {
  return new FilterParser(text).parse();
}

/**
 * OData precedence, tightest first: grouping, `in` (primary), `not`, `gt ge lt le`, `eq ne`, `and`, `or`. So
 * `not Id in (1,2)` negates the `in`, while `not Annule eq true` applies `not` to `Annule` alone.
 */
class FilterParser {
  private current: Token;

  constructor(private readonly text: string) {
    this.current = lexToken(text, 0);
  }

  parse(): FilterExpr {
    const expression = this.parseOr();
    const next = this.peek();
    if (next.type !== 'end') throw this.unexpected(next, "'and', 'or', a comparison operator or the end");
    return expression;
  }

  private parseOr(): FilterExpr {
    let left = this.parseAnd();
    while (this.peekWord('or')) {
      const position = this.advance().position;
      left = { kind: 'or', left, right: this.parseAnd(), position };
    }
    return left;
  }

  private parseAnd(): FilterExpr {
    let left = this.parseEquality();
    while (this.peekWord('and')) {
      const position = this.advance().position;
      left = { kind: 'and', left, right: this.parseEquality(), position };
    }
    return left;
  }

  private parseEquality(): FilterExpr {
    let left = this.parseRelational();
    for (let operator = this.peekOperator('eq', 'ne'); operator; operator = this.peekOperator('eq', 'ne')) {
      const position = this.advance().position;
      left = { kind: 'compare', operator, left, right: this.parseRelational(), position };
    }
    return left;
  }

  private parseRelational(): FilterExpr {
    let left = this.parseUnary();
    const relational = ['gt', 'ge', 'lt', 'le'] as const;
    for (let operator = this.peekOperator(...relational); operator; operator = this.peekOperator(...relational)) {
      const position = this.advance().position;
      left = { kind: 'compare', operator, left, right: this.parseUnary(), position };
    }
    return left;
  }

  private parseUnary(): FilterExpr {
    if (this.peekWord('not')) {
      const position = this.advance().position;
      return { kind: 'not', operand: this.parseUnary(), position };
    }
    return this.parseIn();
  }

  private parseIn(): FilterExpr {
    let operand = this.parsePrimary();
    while (this.peekWord('in')) {
      const position = this.advance().position;
      operand = { kind: 'in', operand, list: this.parseList(), position };
    }
    return operand;
  }

  private parseList(): LiteralExpr[] {
    this.expectPunct('(', "'(' opening the 'in' list");
    const list: LiteralExpr[] = [];
    for (;;) {
      const token = this.peek();
      const literal = this.literalOf(token);
      if (literal === undefined) {
        const empty = list.length === 0 && token.type === 'punct' && token.text === ')';
        throw this.unexpected(token, empty ? "a literal (the 'in' list cannot be empty)" : 'a literal');
      }
      this.advance();
      list.push(literal);
      const separator = this.peek();
      if (separator.type === 'punct' && separator.text === ',') {
        this.advance();
        continue;
      }
      if (separator.type === 'punct' && separator.text === ')') {
        this.advance();
        return list;
      }
      throw this.unexpected(separator, "',' or ')' in the 'in' list");
    }
  }

  private parsePrimary(): FilterExpr {
    const token = this.peek();
    if (token.type === 'punct' && token.text === '(') {
      this.advance();
      const inner = this.parseOr();
      this.expectPunct(')', "')'");
      return inner;
    }
    const literal = this.literalOf(token);
    if (literal !== undefined) {
      this.advance();
      return literal;
    }
    if (token.type === 'word' && !keywords.has(token.text) && !unsupportedOperators.has(token.text)) {
      this.advance();
      if (this.peekPunct('(')) {
        throw filterError(this.text, `function '${token.text}' is not supported`, token.position);
      }
      const path = [token.text];
      while (this.peekPunct('/')) {
        this.advance();
        const segment = this.peek();
        if (segment.type !== 'word' || keywords.has(segment.text)) throw this.unexpected(segment, 'a property name');
        this.advance();
        if (this.peekPunct('(')) {
          throw filterError(this.text, `function or lambda '${segment.text}' is not supported`, segment.position);
        }
        path.push(segment.text);
      }
      return { kind: 'property', path, position: token.position };
    }
    throw this.unexpected(token, 'a property, a literal, not or (');
  }

  private literalOf(token: Token): LiteralExpr | undefined {
    const base = { kind: 'literal' as const, position: token.position };
    switch (token.type) {
      case 'string':
        return { ...base, type: 'string', value: token.value, text: token.text };
      case 'number':
        return { ...base, type: token.integer ? 'int' : 'decimal', value: token.value, text: token.text };
      case 'datetime':
        return { ...base, type: 'datetime', value: token.instant, text: token.text };
      case 'word':
        if (token.text === 'true' || token.text === 'false') {
          return { ...base, type: 'bool', value: token.text === 'true', text: token.text };
        }
        if (token.text === 'null') return { ...base, type: 'null', value: null, text: 'null' };
        return undefined;
      default:
        return undefined;
    }
  }

  private unexpected(token: Token, expected: string): ODataQueryError {
    if (token.type === 'word' && unsupportedOperators.has(token.text)) {
      return filterError(this.text, `operator '${token.text}' is not supported`, token.position);
    }
    return filterError(this.text, `expected ${expected}, found ${describeToken(token)}`, token.position);
  }

  private expectPunct(text: string, expected: string): void {
    const token = this.peek();
    if (token.type !== 'punct' || token.text !== text) throw this.unexpected(token, expected);
    this.advance();
  }

  private peek(): Token {
    return this.current;
  }

  private advance(): Token {
    const token = this.current;
    if (token.type !== 'end') this.current = lexToken(this.text, tokenEnd(token));
    return token;
  }

  private peekWord(text: string): boolean {
    const token = this.peek();
    return token.type === 'word' && token.text === text;
  }

  private peekOperator<T extends ComparisonOperator>(...operators: T[]): T | undefined {
    const token = this.peek();
    return token.type === 'word' ? operators.find((operator) => operator === token.text) : undefined;
  }

  private peekPunct(text: string): boolean {
    const token = this.peek();
    return token.type === 'punct' && token.text === text;
  }
}

function describeToken(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'the end of the expression';
    case 'word':
      return `'${token.text}'`;
    case 'punct':
      return `'${token.text}'`;
    default:
      return `literal ${token.text}`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Property paths (shared by $filter and $orderby)

export type ResolvedPath =
  | { kind: 'field'; field: string; fieldKind: FieldKind }
  | { kind: 'navigationField'; navigation: Navigation; field: string; fieldKind: FieldKind }
  | { kind: 'navigation'; navigation: Navigation };

function resolvePath(
  set: EntitySetName,
  path: readonly string[],
  fail: (message: string) => ODataQueryError,
): ResolvedPath {
  const [first, second, ...rest] = path;
  if (first === undefined) throw fail('empty property path');
  const fieldKind = fieldKindOf(set, first);
  if (fieldKind !== undefined) {
    if (second !== undefined) {
      throw fail(`'${first}' of ${set} is not a navigation property; it cannot be followed by '/'`);
    }
    return { kind: 'field', field: first, fieldKind };
  }
  const navigation = navigationOf(set, first);
  if (navigation === undefined) throw fail(`could not find a property named '${first}' on ${set}`);
  if (navigation.kind === 'many') {
    throw fail(
      `'${first}' is a collection navigation of ${set}; collections cannot be used here (any/all are not supported)`,
    );
  }
  if (second === undefined) return { kind: 'navigation', navigation };
  if (rest.length > 0 || navigationOf(navigation.target, second) !== undefined) {
    throw fail(`'${path.join('/')}' goes more than one navigation level deep`);
  }
  const targetKind = fieldKindOf(navigation.target, second);
  if (targetKind === undefined) throw fail(`could not find a property named '${second}' on ${navigation.target}`);
  return { kind: 'navigationField', navigation, field: second, fieldKind: targetKind };
}

/** The value of a field as filters and sorting compare it: date-times as instants, missing as null. */
function comparable(kind: FieldKind, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (kind === 'datetime') return typeof value === 'string' ? Date.parse(value) : null;
  return value;
}

function pathReader(resolved: ResolvedPath, lookup: RelatedLookup): (record: EntityRecord) => unknown {
  switch (resolved.kind) {
    case 'field': {
      const { field, fieldKind } = resolved;
      if (fieldKind === 'datetime') return (record) => comparable('datetime', record[field]);
      return (record) => record[field] ?? null;
    }
    case 'navigation': {
      const { target, foreignKey } = resolved.navigation;
      return (record) => related(record, target, foreignKey, lookup) ?? null;
    }
    case 'navigationField': {
      const { navigation, field, fieldKind } = resolved;
      return (record) => {
        const target = related(record, navigation.target, navigation.foreignKey, lookup);
        return target === undefined ? null : comparable(fieldKind, target[field]);
      };
    }
  }
}

function related(
  record: EntityRecord,
  target: EntitySetName,
  foreignKey: string,
  lookup: RelatedLookup,
): EntityRecord | undefined {
  const id = record[foreignKey];
  return typeof id === 'number' && id !== 0 ? lookup(target, id) : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// $filter: type check and compilation

type ValueType = FieldKind | 'null' | 'entity';
type Evaluate = (record: EntityRecord) => unknown;
interface Compiled {
  type: ValueType;
  evaluate: Evaluate;
  /** Set for literals, so comparisons can capture the value once. */
  constant?: { value: unknown };
  text: string;
}

/** A compiled `$filter`: true when the entity matches. */
export type FilterPredicate = (record: EntityRecord) => boolean;

/**
 * Checks every name and type of `expression` against `set` and turns it into one closure, built once per request
 * and run per entity.
 */
export function compileFilter(
  expression: FilterExpr,
  set: EntitySetName,
  lookup: RelatedLookup,
  filterText = '',
): FilterPredicate {
  const fail = (what: string, position: number): ODataQueryError => filterError(filterText, what, position);
  const compiled = compileNode(expression, { set, lookup, fail });
  if (compiled.type !== 'bool') {
    throw fail(
      `the expression must be a condition (Edm.Boolean), not ${typeLabel(compiled.type)}`,
      expression.position,
    );
  }
  const evaluate = compiled.evaluate;
  return (record) => evaluate(record) === true;
}

interface CompileContext {
  set: EntitySetName;
  lookup: RelatedLookup;
  fail: (what: string, position: number) => ODataQueryError;
}

function compileNode(node: FilterExpr, context: CompileContext): Compiled {
  switch (node.kind) {
    case 'literal': {
      const value = node.value;
      return { type: node.type, evaluate: () => value, constant: { value }, text: node.text };
    }
    case 'property': {
      const resolved = resolvePath(context.set, node.path, (message) => context.fail(message, node.position));
      const type: ValueType = resolved.kind === 'navigation' ? 'entity' : resolved.fieldKind;
      return { type, evaluate: pathReader(resolved, context.lookup), text: node.path.join('/') };
    }
    case 'compare':
      return compileComparison(node, context);
    case 'in': {
      const operand = compileNode(node.operand, context);
      for (const item of node.list) checkComparable('eq', operand, compileNode(item, context), item.position, context);
      const values = new Set<unknown>(node.list.map((item) => item.value));
      const evaluate = operand.evaluate;
      return { type: 'bool', evaluate: (record) => values.has(evaluate(record)), text: `${operand.text} in (...)` };
    }
    case 'and':
    case 'or': {
      const left = compileCondition(node.left, node.kind, context);
      const right = compileCondition(node.right, node.kind, context);
      // Three-valued logic: a missing related entity makes a condition unknown (null), as in OData.
      const evaluate: Evaluate =
        node.kind === 'and'
          ? (record) => {
              const a = left(record);
              if (a === false) return false;
              const b = right(record);
              if (b === false) return false;
              return a === true && b === true ? true : null;
            }
          : (record) => {
              const a = left(record);
              if (a === true) return true;
              const b = right(record);
              if (b === true) return true;
              return a === false && b === false ? false : null;
            };
      return { type: 'bool', evaluate, text: node.kind };
    }
    case 'not': {
      const operand = compileCondition(node.operand, 'not', context);
      return {
        type: 'bool',
        evaluate: (record) => {
          const value = operand(record);
          return value === null ? null : !value;
        },
        text: 'not',
      };
    }
  }
}

function compileCondition(node: FilterExpr, operator: string, context: CompileContext): Evaluate {
  const compiled = compileNode(node, context);
  if (compiled.type !== 'bool') {
    throw context.fail(
      `'${operator}' needs a condition (Edm.Boolean), but '${compiled.text}' is ${typeLabel(compiled.type)}`,
      node.position,
    );
  }
  return compiled.evaluate;
}

function compileComparison(node: Extract<FilterExpr, { kind: 'compare' }>, context: CompileContext): Compiled {
  const left = compileNode(node.left, context);
  const right = compileNode(node.right, context);
  checkComparable(node.operator, left, right, node.position, context);
  const text = `${left.text} ${node.operator} ${right.text}`;
  const readLeft = left.evaluate;
  const readRight = right.evaluate;
  const test = comparators[node.operator];
  // Most filters compare a property with a literal: read the literal once.
  if (right.constant !== undefined) {
    const constant = right.constant.value;
    return { type: 'bool', evaluate: (record) => test(readLeft(record), constant), text };
  }
  return { type: 'bool', evaluate: (record) => test(readLeft(record), readRight(record)), text };
}

const comparators: Record<ComparisonOperator, (a: unknown, b: unknown) => boolean> = {
  // Date-times are instants (numbers) by now, so strict equality compares them across offsets.
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  gt: (a, b) => a !== null && b !== null && (a as number) > (b as number),
  ge: (a, b) => a !== null && b !== null && (a as number) >= (b as number),
  lt: (a, b) => a !== null && b !== null && (a as number) < (b as number),
  le: (a, b) => a !== null && b !== null && (a as number) <= (b as number),
};

function checkComparable(
  operator: ComparisonOperator,
  left: Compiled,
  right: Compiled,
  position: number,
  context: CompileContext,
): void {
  const equality = operator === 'eq' || operator === 'ne';
  const numeric = (type: ValueType): boolean => type === 'int' || type === 'decimal';
  const incompatible = (): ODataQueryError =>
    context.fail(
      `cannot compare '${left.text}' (${typeLabel(left.type)}) with '${right.text}' (${typeLabel(right.type)}) using '${operator}'`,
      position,
    );
  if (left.type === 'null' || right.type === 'null') {
    if (!equality) throw context.fail(`'${operator}' cannot compare with null: only eq and ne can`, position);
    return;
  }
  if (left.type === 'entity' || right.type === 'entity') {
    throw context.fail(`a navigation property can only be compared with null using eq or ne`, position);
  }
  if (left.type === 'json' || right.type === 'json') {
    if (!equality) throw incompatible();
    return;
  }
  if (numeric(left.type) && numeric(right.type)) return;
  if (left.type !== right.type) throw incompatible();
  if (left.type === 'bool' && !equality) {
    throw context.fail(`booleans can only be compared with eq or ne, not '${operator}'`, position);
  }
}

function typeLabel(type: ValueType): string {
  if (type === 'null') return 'null';
  if (type === 'entity') return 'an entity';
  return edmTypeOf(type);
}

/**
 * The nodes of a filter as ASP.NET Web API OData counts them against its `MaxNodeCount`: one for each operator
 * (binary or unary, `in` included), each property path and each literal.
 */
export function filterNodeCount(expression: FilterExpr): number {
  switch (expression.kind) {
    case 'literal':
    case 'property':
      return 1;
    case 'compare':
    case 'and':
    case 'or':
      return 1 + filterNodeCount(expression.left) + filterNodeCount(expression.right);
    case 'in':
      return 1 + filterNodeCount(expression.operand) + expression.list.length;
    case 'not':
      return 1 + filterNodeCount(expression.operand);
  }
}

/** Where the filter uses `in` (its offset in the text), or `undefined`. */
export function inPosition(expression: FilterExpr): number | undefined {
  switch (expression.kind) {
    case 'in':
      return expression.position;
    case 'compare':
    case 'and':
    case 'or':
      return inPosition(expression.left) ?? inPosition(expression.right);
    case 'not':
      return inPosition(expression.operand);
    default:
      return undefined;
  }
}

/** What an index can answer: the records whose `field` is one of `values` or lies in one of `ranges`. */
export interface IndexableCondition {
  field: string;
  values: number[];
  /** Inclusive `[low, high]` bounds, from `field ge low and field le high`. */
  ranges: [number, number][];
}

/** `property op <number>`, read either way round; `undefined` for anything else. */
function numericComparison(
  expression: FilterExpr,
): { field: string; operator: ComparisonOperator; value: number } | undefined {
  if (expression.kind !== 'compare') return undefined;
  const flipped = expression.left.kind !== 'property';
  const [property, literal] = flipped ? [expression.right, expression.left] : [expression.left, expression.right];
  if (property.kind !== 'property' || property.path.length !== 1 || literal.kind !== 'literal') return undefined;
  const field = property.path[0];
  if (field === undefined || typeof literal.value !== 'number' || literal.type === 'datetime') return undefined;
  const mirror: Record<ComparisonOperator, ComparisonOperator> = {
    eq: 'eq',
    ne: 'ne',
    gt: 'lt',
    ge: 'le',
    lt: 'gt',
    le: 'ge',
  };
  return { field, operator: flipped ? mirror[expression.operator] : expression.operator, value: literal.value };
}

/**
 * The conditions an index can answer, each one enough to narrow the scan: top-level conjuncts `Field eq <number>`,
 * `Field in (<numbers>)` or `Field ge <number> and Field le <number>` on a property of the set itself, or an `or`
 * of such conditions on one field (the `or` form of an `in` list, with ranges). The full predicate still runs on
 * the candidates; the caller picks the condition that leaves the fewest.
 */
export function indexableConditions(expression: FilterExpr): IndexableCondition[] {
  switch (expression.kind) {
    case 'and': {
      const low = numericComparison(expression.left);
      const high = numericComparison(expression.right);
      if (low?.operator === 'ge' && high?.operator === 'le' && low.field === high.field) {
        return [{ field: low.field, values: [], ranges: [[low.value, high.value]] }];
      }
      return [...indexableConditions(expression.left), ...indexableConditions(expression.right)];
    }
    case 'or': {
      // A field both sides narrow: their union narrows the `or`.
      const right = indexableConditions(expression.right);
      for (const left of indexableConditions(expression.left)) {
        const same = right.find((condition) => condition.field === left.field);
        if (same !== undefined) {
          return [
            { field: left.field, values: [...left.values, ...same.values], ranges: [...left.ranges, ...same.ranges] },
          ];
        }
      }
      return [];
    }
    case 'compare': {
      const comparison = numericComparison(expression);
      if (comparison?.operator !== 'eq') return [];
      return [{ field: comparison.field, values: [comparison.value], ranges: [] }];
    }
    case 'in': {
      const property = expression.operand;
      if (property.kind !== 'property' || property.path.length !== 1) return [];
      const field = property.path[0];
      const values: number[] = [];
      for (const item of expression.list) {
        if (typeof item.value !== 'number' || item.type === 'datetime') return [];
        values.push(item.value);
      }
      return field === undefined ? [] : [{ field, values, ranges: [] }];
    }
    default:
      return [];
  }
}

/** The first of `indexableConditions`, or `undefined`. */
export function indexableCondition(expression: FilterExpr): IndexableCondition | undefined {
  return indexableConditions(expression)[0];
}

// ---------------------------------------------------------------------------------------------------------------
// $orderby, $select, $expand, $top, $skip, $count

export interface OrderByItem {
  path: string[];
  descending: boolean;
}

const orderByItemText = /^([A-Za-z_]\w*(?:\/[A-Za-z_]\w*)*)(?:\s+(asc|desc))?$/;

export function parseOrderBy(text: string, set: EntitySetName): OrderByItem[] {
  return splitList(text, '$orderby').map((item) => {
    const match = orderByItemText.exec(item);
    if (!match?.[1]) {
      throw new ODataQueryError(`Invalid $orderby: '${item}' is not 'Property', 'Property asc' or 'Property desc'`);
    }
    const path = match[1].split('/');
    const resolved = resolvePath(set, path, (message) => new ODataQueryError(`Invalid $orderby: ${message}`));
    if (resolved.kind === 'navigation') {
      throw new ODataQueryError(`Invalid $orderby: '${match[1]}' is a navigation property, not a value`);
    }
    if (resolved.fieldKind === 'json') {
      throw new ODataQueryError(`Invalid $orderby: '${match[1]}' is not a primitive property and cannot be ordered`);
    }
    return { path, descending: match[2] === 'desc' };
  });
}

/**
 * Sorts by `items`, then by Id ascending so that pages never overlap or skip. Keys are read once per entity.
 * Nulls come first in ascending order, as in SQL Server; text compares by code unit (ordinal).
 */
export function sortRecords(
  records: readonly EntityRecord[],
  items: readonly OrderByItem[],
  set: EntitySetName,
  lookup: RelatedLookup,
): EntityRecord[] {
  if (items.length === 0) return [...records].sort((a, b) => (a['Id'] as number) - (b['Id'] as number));
  const readers = items.map((item) =>
    pathReader(
      resolvePath(set, item.path, (m) => new ODataQueryError(m)),
      lookup,
    ),
  );
  const directions = items.map((item) => (item.descending ? -1 : 1));
  const keyed = records.map((record) => ({ record, keys: readers.map((read) => read(record)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < directions.length; i += 1) {
      const order = compareValues(a.keys[i], b.keys[i]);
      if (order !== 0) return order * (directions[i] ?? 1);
    }
    return (a.record['Id'] as number) - (b.record['Id'] as number);
  });
  return keyed.map((entry) => entry.record);
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

/** The fields to answer, in the entity's own order; `undefined` for all (`*` or no `$select`). */
export function parseSelect(text: string, set: EntitySetName): string[] | undefined {
  const names = splitList(text, '$select');
  if (names.includes('*')) return undefined;
  for (const name of names) {
    if (name.includes('/') || name.includes('(')) {
      throw new ODataQueryError(`Invalid $select: '${name}': only plain property names are supported`);
    }
    if (fieldKindOf(set, name) === undefined && navigationOf(set, name) === undefined) {
      throw new ODataQueryError(`Invalid $select: could not find a property named '${name}' on ${set}`);
    }
  }
  return Object.keys(entityFields[set]).filter((field) => names.includes(field));
}

export function parseExpand(text: string, set: EntitySetName): string[] {
  const names = splitList(text, '$expand');
  for (const name of names) {
    if (name.includes('(')) {
      throw new ODataQueryError(`Invalid $expand: '${name}': nested query options are not supported`);
    }
    if (name.includes('/')) {
      throw new ODataQueryError(`Invalid $expand: '${name}': only one level of expansion is supported`);
    }
    if (name === '*') {
      throw new ODataQueryError(`Invalid $expand: '*' is not supported; name the navigation properties`);
    }
    if (navigationOf(set, name) === undefined) {
      const why = fieldKindOf(set, name) === undefined ? 'could not find' : 'is not';
      throw new ODataQueryError(`Invalid $expand: ${why} a navigation property named '${name}' on ${set}`);
    }
  }
  return [...new Set(names)];
}

function splitList(text: string, option: string): string[] {
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new ODataQueryError(`Invalid ${option}: empty item in '${text}'`);
  return items;
}

function parseNonNegativeInteger(text: string, option: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new ODataQueryError(`Invalid ${option}: '${text}' is not a non-negative integer`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// The query string as a whole

/** Splits a query string (`?a=b&c=d`, as received) into decoded pairs, `+` meaning a space as on any web server. */
export function parseQueryString(search: string): [string, string][] {
  const raw = search.startsWith('?') ? search.slice(1) : search;
  if (raw === '') return [];
  return raw
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const equals = part.indexOf('=');
      const [key, value] = equals < 0 ? [part, ''] : [part.slice(0, equals), part.slice(equals + 1)];
      return [decodeQueryComponent(key), decodeQueryComponent(value)];
    });
}

export function decodeQueryComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new ODataQueryError(`Invalid query string: '${text}' is not correctly percent-encoded`);
  }
}

export interface QueryOptions {
  filter?: { expression: FilterExpr; text: string };
  orderBy: OrderByItem[];
  /** Fields to answer; all when absent. */
  select?: string[];
  expand: string[];
  top?: number;
  skip: number;
  count: boolean;
}

const collectionOptions = new Set(['$filter', '$orderby', '$select', '$expand', '$top', '$skip', '$count']);
const entityOptions = new Set(['$select', '$expand']);

/**
 * Reads the system query options for a collection or a single entity. Options without `$` are custom options and
 * ignored, as OData says; an unknown or repeated `$` option, or one that does not apply to the target, is refused.
 */
export function parseQueryOptions(
  pairs: readonly [string, string][],
  set: EntitySetName,
  target: 'collection' | 'entity',
): QueryOptions {
  const allowed = target === 'collection' ? collectionOptions : entityOptions;
  const seen = new Map<string, string>();
  for (const [key, value] of pairs) {
    if (!key.startsWith('$')) continue;
    if (!collectionOptions.has(key)) throw new ODataQueryError(`The query option '${key}' is not supported`);
    if (!allowed.has(key)) throw new ODataQueryError(`The query option '${key}' does not apply to a single entity`);
    if (seen.has(key)) throw new ODataQueryError(`The query option '${key}' is given more than once`);
    if (value.trim() === '') throw new ODataQueryError(`The query option '${key}' is empty`);
    seen.set(key, value);
  }
  const options: QueryOptions = { orderBy: [], expand: [], skip: 0, count: false };
  const filter = seen.get('$filter');
  if (filter !== undefined) options.filter = { expression: parseFilter(filter), text: filter };
  const orderBy = seen.get('$orderby');
  if (orderBy !== undefined) options.orderBy = parseOrderBy(orderBy, set);
  const select = seen.get('$select');
  if (select !== undefined) {
    const fields = parseSelect(select, set);
    if (fields !== undefined) options.select = fields;
  }
  const expand = seen.get('$expand');
  if (expand !== undefined) options.expand = parseExpand(expand, set);
  const top = seen.get('$top');
  if (top !== undefined) options.top = parseNonNegativeInteger(top, '$top');
  const skip = seen.get('$skip');
  if (skip !== undefined) options.skip = parseNonNegativeInteger(skip, '$skip');
  const count = seen.get('$count');
  if (count !== undefined) {
    if (count !== 'true' && count !== 'false') {
      throw new ODataQueryError(`Invalid $count: '${count}' is neither true nor false`);
    }
    options.count = count === 'true';
  }
  return options;
}
