/**
 * One error base for the connector, with subclasses that carry the facts needed to act on them.
 *
 * Messages are built from those facts (system, method, URL without credentials, status) and never from secrets;
 * response bodies are cut to a short excerpt. Expected outcomes of a sync (a record skipped, a person left out)
 * are values, not errors: these classes are for what stops a request, a record or a run.
 */

/** The external systems the connector talks to. */
export type SystemName = 'aimaira' | 'edusign';

export class ConnectorError extends Error {
  override name = 'ConnectorError';
}

/** Longest body excerpt kept in an error: enough to recognise the answer, too short to carry a data dump. */
export const bodyExcerptLength = 300;

function looksLikeHtml(body: string): boolean {
  return /^\s*<(!doctype html|html|head|body)\b/i.test(body);
}

/** The visible text of an HTML page (or of its beginning): what a person would read on it. */
export function htmlToText(html: string): string {
  if (!looksLikeHtml(html)) return html.replace(/\s+/g, ' ').trim();
  const text = html
    .replace(/<head\b[\s\S]*?(<\/head>|$)/gi, ' ')
    .replace(/<(script|style)\b[\s\S]*?(<\/\1>|$)/gi, ' ')
    .replace(/<[^>]*(>|$)/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
  return text === '' ? 'an HTML error page' : text;
}

/**
 * A short, readable form of a response body: an HTML page reduced to its visible text, e-mail addresses hidden
 * (an echoed query or record may hold some), whitespace collapsed, cut to `bodyExcerptLength`.
 */
export function excerpt(body: string): string {
  const flat = htmlToText(body).replace(/[^\s'"<>()@,;]+@[^\s'"<>()@,;]+/g, '[email]');
  return flat.length > bodyExcerptLength ? `${flat.slice(0, bodyExcerptLength)}…` : flat;
}

/** Context shared by every error about one HTTP exchange. */
export interface RequestContext {
  system: SystemName;
  method: string;
  /** The URL without credentials or query values that could hold personal data. */
  url: string;
}

/** The server answered with a status that is not a success. */
export class HttpStatusError extends ConnectorError {
  override name = 'HttpStatusError';
  readonly system: SystemName;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly bodyExcerpt: string;
  constructor(context: RequestContext, status: number, body: string) {
    super(`${context.system} ${context.method} ${context.url} failed with HTTP ${status}: ${excerpt(body)}`);
    this.system = context.system;
    this.method = context.method;
    this.url = context.url;
    this.status = status;
    this.bodyExcerpt = excerpt(body);
  }
}

/**
 * The exchange broke before a complete answer arrived: connection refused or reset, timeout, truncated body.
 * `ambiguous` is true when the request may have been applied by the server (it was sent, no answer came back).
 */
export class NetworkError extends ConnectorError {
  override name = 'NetworkError';
  readonly system: SystemName;
  readonly method: string;
  readonly url: string;
  readonly ambiguous: boolean;
  readonly reason: 'timeout' | 'connection' | 'truncated';
  constructor(context: RequestContext, reason: NetworkError['reason'], ambiguous: boolean, options?: ErrorOptions) {
    const what =
      reason === 'timeout' ? 'timed out' : reason === 'truncated' ? 'got a truncated answer' : 'lost the connection';
    super(`${context.system} ${context.method} ${context.url} ${what}`, options);
    this.system = context.system;
    this.method = context.method;
    this.url = context.url;
    this.ambiguous = ambiguous;
    this.reason = reason;
  }
}

/** The answer arrived but does not have the shape the contract promises. */
export class ResponseShapeError extends ConnectorError {
  override name = 'ResponseShapeError';
  readonly system: SystemName;
  readonly url: string;
  readonly issues: readonly string[];
  constructor(system: SystemName, url: string, issues: readonly string[]) {
    super(`${system} ${url} answered an unexpected shape: ${issues.slice(0, 5).join('; ')}`);
    this.system = system;
    this.url = url;
    this.issues = issues;
  }
}

/** Configuration or command-line input that cannot be used; the message names the bad field. */
export class ConfigError extends ConnectorError {
  override name = 'ConfigError';
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(
      issues.length === 1 ? (issues[0] ?? 'invalid configuration') : `invalid configuration:\n- ${issues.join('\n- ')}`,
    );
    this.issues = issues;
  }
}

/** Normalises anything thrown into an Error, at the catch site. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
