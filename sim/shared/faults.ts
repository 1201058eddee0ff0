/**
 * Fault injection for the simulators, per route.
 *
 * A rule matches a request by method and path and then, for its next `times` matching requests, replaces the
 * normal answer with a fault. Faults model what real services and networks do to a client:
 * - `latency`: answer normally after `latencyMs`;
 * - `rate-limit`: 429 with `Retry-After` (seconds, or an HTTP date), nothing applied;
 * - `server-error`: a JSON 5xx (`status`, default 503), nothing applied;
 * - `html-error`: a 502 HTML error page as a proxy would send, nothing applied;
 * - `hang`: never answer (the client's timeout must fire);
 * - `reset-after-write`: apply the request, then reset the connection without an answer (the ambiguous write);
 * - `truncated-json`: apply the request, then send half of the JSON body and close.
 */
import { z } from 'zod';

export const faultKinds = [
  'latency',
  'rate-limit',
  'server-error',
  'html-error',
  'hang',
  'reset-after-write',
  'truncated-json',
] as const;
export type FaultKind = (typeof faultKinds)[number];

export const FaultRuleInput = z
  .object({
    kind: z.enum(faultKinds),
    /** Exact method, or any when absent. */
    method: z.string().toUpperCase().optional(),
    /** A path prefix (`/GraphV1/Planification`) or, as `/regex/`, a regular expression over path and query. */
    path: z.string().min(1),
    /** How many matching requests the rule applies to; forever when absent. */
    times: z.number().int().positive().optional(),
    latencyMs: z.number().int().nonnegative().optional(),
    /** `Retry-After` value for `rate-limit`: delay-seconds (`"2"`) or an HTTP date. */
    retryAfter: z.string().optional(),
    /** Status for `server-error` (5xx). */
    status: z.number().int().min(500).max(599).optional(),
  })
  .strict();
export type FaultRuleInput = z.input<typeof FaultRuleInput>;
export type FaultRule = z.output<typeof FaultRuleInput> & { id: number; remaining: number };

export interface FaultInjector {
  /** Adds a rule; returns its id. */
  add(rule: FaultRuleInput): number;
  remove(id: number): void;
  clear(): void;
  list(): readonly FaultRule[];
  /** The rule that applies to this request, consuming one of its uses. */
  take(method: string, pathAndQuery: string): FaultRule | undefined;
}

export function createFaultInjector(): FaultInjector {
  let rules: FaultRule[] = [];
  let nextId = 1;

  const matches = (rule: FaultRule, method: string, pathAndQuery: string): boolean => {
    if (rule.method !== undefined && rule.method !== method) return false;
    if (rule.path.length > 2 && rule.path.startsWith('/') && rule.path.endsWith('/')) {
      return new RegExp(rule.path.slice(1, -1)).test(pathAndQuery);
    }
    return pathAndQuery.startsWith(rule.path);
  };

  return {
    add(input) {
      const parsed = FaultRuleInput.parse(input);
      const id = nextId++;
      rules.push({ ...parsed, id, remaining: parsed.times ?? Number.POSITIVE_INFINITY });
      return id;
    },
    remove(id) {
      rules = rules.filter((r) => r.id !== id);
    },
    clear() {
      rules = [];
    },
    list: () => rules,
    take(method, pathAndQuery) {
      const rule = rules.find((r) => r.remaining > 0 && matches(r, method, pathAndQuery));
      if (rule) rule.remaining -= 1;
      return rule;
    },
  };
}
