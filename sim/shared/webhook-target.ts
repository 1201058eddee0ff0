/**
 * What the simulators' webhooks share: they only ever call loopback URLs (the receivers tests start), and they
 * draw the messages they drop from a seeded stream, so a run is reproducible.
 */
import { isIP } from 'node:net';

import { createRandom } from '../scenario/random.js';

/** A webhook (or token) URL that is not on this machine's loopback, or not http(s). */
export class WebhookTargetError extends Error {
  override readonly name = 'WebhookTargetError';
}

/**
 * The URL, parsed, when it is http(s) on loopback (`127.0.0.0/8`, `::1` or `localhost`); throws otherwise, so
 * nobody can point a simulator at a real service.
 */
export function requireLoopbackUrl(text: unknown, what: string): URL {
  if (typeof text !== 'string' || text === '') throw new WebhookTargetError(`${what} must be a URL`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookTargetError(`${what} is not a valid URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WebhookTargetError(`${what} must be http or https, not ${url.protocol}`);
  }
  if (!isLoopbackHost(url.hostname)) {
    throw new WebhookTargetError(
      `${what} must be on loopback (127.0.0.1, [::1] or localhost): the simulators never send anywhere else; ` +
        `refusing ${url.origin}`,
    );
  }
  return url;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host);
  return false;
}

/** A share in [0, 1]; undefined is 0. */
export function requireShare(value: unknown, what: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new WebhookTargetError(`${what} must be a number from 0 to 1`);
  }
  return value;
}

/** Decides, message by message, whether to drop it: reproducible for the same seed and label. */
export function createDropper(share: number, seed: number, label: string): () => boolean {
  const random = createRandom(seed).fork(label);
  // Always draw, so the decisions for a share do not depend on earlier decisions being skipped.
  return () => random.next() < share;
}

/** A network failure as a short sentence (fetch wraps the cause). */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return `no answer in time (${error.name})`;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
