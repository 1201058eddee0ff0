/**
 * The service's logs: JSON lines (pino), one child logger per tenant and per run, with secrets and learners'
 * e-mail addresses kept out twice over. By path: pino's `redact` censors the fields known to hold them
 * (`password`, `apiKey`, `authorization`, `email`...). By value: every string logged (the message, its
 * interpolated arguments, every field at any depth, error messages and stacks, and finally each JSON line as
 * written, child bindings included) has its e-mail addresses and every registered secret replaced, because an
 * error message or a URL can carry one under any name.
 */
import { pino } from 'pino';
import type { DestinationStream, Level, Logger } from 'pino';

export type { Logger } from 'pino';

/** What replaces a field known to hold a secret or an e-mail address. */
export const redactedMark = '[redacted]';
/** What replaces an e-mail address found inside a string. */
export const emailMark = '[email]';
/** What replaces a registered secret found inside a string. */
export const secretMark = '[secret]';

/**
 * Secrets shorter than this are not scrubbed by value: a two-letter "secret" would blank out every word that holds
 * it. Such a value is no secret anyway; the fields that carry it are still censored by path.
 */
export const minSecretLength = 4;

/** Field names (lower case, `-` and `_` ignored) whose value is censored wherever they appear. */
const sensitiveKeys = new Set([
  'password',
  'passwd',
  'apikey',
  'xapikey',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'secret',
  'token',
  'accesstoken',
  'refreshtoken',
  'masterkey',
  'email',
  'mail',
  'emails',
]);

function isSensitiveKey(key: string): boolean {
  return sensitiveKeys.has(key.toLowerCase().replace(/[-_]/g, ''));
}

/**
 * The same fields for pino's `redact` (exact paths, `*` for one level): at the top, one and two levels down, and
 * under `headers`. The value filter covers any depth; these make the intent visible in the logger's options.
 */
export const redactPaths: readonly string[] = [
  'password',
  'apiKey',
  'authorization',
  'email',
  'EMAIL',
  'Email',
  'headers',
  '*.password',
  '*.apiKey',
  '*.authorization',
  '*.email',
  '*.EMAIL',
  '*.Email',
  '*.headers',
  '*.*.password',
  '*.*.apiKey',
  '*.*.email',
];

/**
 * An e-mail address, or what is left of one (`jean.dupont@`, `marie@@ecole.fr`): some characters, one or more @,
 * then the domain if any. Broad on purpose: a learner's malformed address is personal data too.
 */
const emailPattern = /[\p{L}\p{N}._%+'-]+@+[\p{L}\p{N}.-]*|@+[\p{L}\p{N}-]+\.[\p{L}\p{N}.-]+/gu;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces e-mail addresses and registered secrets in anything about to be logged. */
export interface LogScrubber {
  /** A tenant's password or API key, loaded at runtime: scrubbed from every later log line. */
  registerSecret(value: string | null | undefined): void;
  scrubText(text: string): string;
  /** A scrubbed copy (strings, arrays, plain objects, errors); the value itself is left untouched. */
  scrubValue(value: unknown): unknown;
}

/** Deepest level of a logged object that is walked; deeper values are replaced, never logged unscrubbed. */
const maxDepth = 10;

export function createLogScrubber(): LogScrubber {
  const secrets = new Set<string>();
  let secretPattern: RegExp | undefined;

  const scrubText = (text: string): string => {
    // Secrets first: one may contain an @ and would otherwise be cut in two by the e-mail pattern.
    const withoutSecrets = secretPattern ? text.replace(secretPattern, secretMark) : text;
    return withoutSecrets.replace(emailPattern, emailMark);
  };

  const scrubValue = (value: unknown, depth: number, seen: WeakMap<object, unknown>): unknown => {
    if (typeof value === 'string') return scrubText(value);
    if (value === null || typeof value !== 'object') return value;
    if (value instanceof Date) return value;
    const known = seen.get(value);
    if (known !== undefined) return known;
    if (depth >= maxDepth) return '[too deep]';
    if (Array.isArray(value)) {
      const copy: unknown[] = [];
      seen.set(value, copy);
      for (const item of value) copy.push(scrubValue(item, depth + 1, seen));
      return copy;
    }
    if (value instanceof Error) return scrubError(value, depth, seen);
    const copy: Record<string, unknown> = {};
    seen.set(value, copy);
    for (const [key, item] of Object.entries(value)) {
      copy[key] =
        isSensitiveKey(key) && item !== null && item !== undefined ? redactedMark : scrubValue(item, depth + 1, seen);
    }
    return copy;
  };

  /**
   * A copy with the same prototype, so pino's error serializer still names its type, and with message and stack
   * as own enumerable fields, so an error logged under another key than `err` keeps them too.
   */
  const scrubError = (error: Error, depth: number, seen: WeakMap<object, unknown>): Error => {
    const copy = Object.create(Object.getPrototypeOf(error) as object) as Error & Record<string, unknown>;
    seen.set(error, copy);
    copy['message'] = scrubText(error.message);
    if (error.stack !== undefined) copy['stack'] = scrubText(error.stack);
    for (const [key, item] of Object.entries(error)) {
      copy[key] = isSensitiveKey(key) ? redactedMark : scrubValue(item, depth + 1, seen);
    }
    if (error.cause !== undefined) copy['cause'] = scrubValue(error.cause, depth + 1, seen);
    return copy;
  };

  return {
    registerSecret(value) {
      if (value === null || value === undefined || value.length < minSecretLength || secrets.has(value)) return;
      secrets.add(value);
      // As it appears inside a JSON line, when it holds a quote, a backslash or a control character.
      secrets.add(JSON.stringify(value).slice(1, -1));
      // Longest first, so a secret that contains another is replaced whole.
      const alternatives = [...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
      secretPattern = new RegExp(alternatives.join('|'), 'g');
    },
    scrubText,
    scrubValue: (value) => scrubValue(value, 0, new WeakMap()),
  };
}

export interface ServiceLoggerOptions {
  level?: Level | 'silent';
  /** Where the JSON lines go: stdout by default (tests pass a stream that collects them). */
  destination?: DestinationStream;
  /** Fields on every line, e.g. `{ service: 'aimaira-edusign' }`. */
  base?: Record<string, unknown>;
  /** Shares one scrubber between loggers (and lets the caller register secrets first). */
  scrubber?: LogScrubber;
}

export interface ServiceLogger {
  logger: Logger;
  /** See `LogScrubber.registerSecret`. */
  registerSecret(value: string | null | undefined): void;
  scrubber: LogScrubber;
}

export function createServiceLogger(options: ServiceLoggerOptions = {}): ServiceLogger {
  const scrubber = options.scrubber ?? createLogScrubber();
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? { service: 'aimaira-edusign' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        // `info` rather than 30: a person reading the JSON sees the level.
        level: (label) => ({ level: label }),
      },
      hooks: {
        // Every argument of every call, before pino merges and formats them: the message, `%s` arguments,
        // the merged object and errors.
        logMethod(args, method) {
          const scrubbed = args.map((arg) => scrubber.scrubValue(arg)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
      redact: { paths: [...redactPaths], censor: redactedMark },
    },
    scrubbedDestination(options.destination ?? pino.destination({ dest: 1, sync: true }), scrubber),
  );
  return { logger, registerSecret: (value) => scrubber.registerSecret(value), scrubber };
}

/**
 * The last net, on each JSON line as written: child bindings (which pino serialises once, past every hook) and
 * anything else that went around the hooks. E-mail addresses never hold a character JSON escapes; secrets are
 * looked for in their escaped form too (see `registerSecret`).
 */
function scrubbedDestination(destination: DestinationStream, scrubber: LogScrubber): DestinationStream {
  return { write: (line: string) => destination.write(scrubber.scrubText(line)) };
}

/** The logger of one tenant: every line names it. */
export function tenantLogger(logger: Logger, tenantId: string): Logger {
  return logger.child({ tenant: tenantId });
}

/** The logger of one run of a tenant. */
export function runLogger(logger: Logger, run: { direction: 'down' | 'up'; runId: number | undefined }): Logger {
  return logger.child({ direction: run.direction, ...(run.runId !== undefined && { runId: run.runId }) });
}
