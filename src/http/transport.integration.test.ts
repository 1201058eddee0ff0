import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startSimServer } from '../../sim/shared/http-server.js';
import type { SimServer } from '../../sim/shared/http-server.js';
import { createManualClock } from '../clock.js';
import { HttpStatusError, NetworkError } from '../errors.js';
import { createRateLimiter } from './rate-limiter.js';
import { createHttpTransport, describeUrl, isAmbiguousFailure } from './transport.js';

// A bare simulator shell: every request is answered by this handler, faults come from the rules each test adds.
let server: SimServer;
let writes = 0;

beforeAll(async () => {
  server = await startSimServer({
    handler: (request) => {
      if (request.method === 'POST') writes++;
      return { status: 200, body: { ok: true, path: request.url.pathname } };
    },
  });
});
afterAll(() => server.close());
beforeEach(() => {
  server.faults.clear();
  server.requests.length = 0;
  writes = 0;
});

const makeTransport = (overrides: { timeoutMs?: number; maxAttempts?: number; root?: string } = {}) => {
  const clock = createManualClock(Date.parse('2026-11-28T10:00:00Z'));
  const transport = createHttpTransport({
    system: 'aimaira',
    baseUrl: `${server.url}${overrides.root ?? '/GraphV1'}`,
    headers: { authorization: 'Basic c2VjcmV0' },
    clock,
    random: () => 0.5,
    timeoutMs: overrides.timeoutMs ?? 2_000,
    retry: { maxAttempts: overrides.maxAttempts ?? 4 },
  });
  return { transport, clock };
};

describe('transport retries', () => {
  it('waits the Retry-After seconds of a 429, then succeeds', async () => {
    server.faults.add({ kind: 'rate-limit', path: '/GraphV1/Mail', times: 1, retryAfter: '7' });
    const { transport, clock } = makeTransport();
    const response = await transport.request({ method: 'GET', path: 'Mail' });
    expect(response.json).toEqual({ ok: true, path: '/GraphV1/Mail' });
    expect(clock.sleeps).toEqual([7_000]);
    expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('waits until the HTTP date of a Retry-After', async () => {
    const { transport, clock } = makeTransport();
    const at = new Date(clock.now() + 12_000).toUTCString();
    server.faults.add({ kind: 'rate-limit', path: '/GraphV1/Mail', times: 1, retryAfter: at });
    await transport.request({ method: 'GET', path: 'Mail' });
    expect(clock.sleeps).toEqual([12_000]);
  });

  it('gives up on a Retry-After longer than the policy allows, after one request', async () => {
    server.faults.add({ kind: 'rate-limit', path: '/GraphV1/Mail', retryAfter: '3600' });
    const { transport } = makeTransport();
    await expect(transport.request({ method: 'GET', path: 'Mail' })).rejects.toMatchObject({ status: 429 });
    expect(server.requests).toHaveLength(1);
  });

  it('retries 5xx with capped full-jitter backoff and stops after the last attempt', async () => {
    server.faults.add({ kind: 'server-error', path: '/GraphV1/Mail', status: 503 });
    const { transport, clock } = makeTransport({ maxAttempts: 4 });
    const failure = await transport.request({ method: 'GET', path: 'Mail' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HttpStatusError);
    expect(server.requests).toHaveLength(4);
    // random() = 0.5 of caps 500, 1000, 2000 ms
    expect(clock.sleeps).toEqual([250, 500, 1000]);
  });

  it('keeps an excerpt of an HTML error page and the URL without query values', async () => {
    server.faults.add({ kind: 'html-error', path: '/GraphV1/Apprenant' });
    const { transport } = makeTransport({ maxAttempts: 2 });
    const failure = (await transport
      .request({ method: 'GET', path: 'Apprenant', query: { $filter: "Mail/Adresse eq 'zoe@ecole.fr'" } })
      .catch((e: unknown) => e)) as HttpStatusError;
    expect(failure.status).toBe(502);
    expect(failure.bodyExcerpt).toContain('502 Bad Gateway');
    expect(failure.message).not.toContain('zoe@ecole.fr');
    expect(failure.message).not.toContain('c2VjcmV0');
    expect(failure.url).toBe(`${server.url}/GraphV1/Apprenant?$filter`);
  });

  it('fails a 4xx other than 408 and 429 at once', async () => {
    const bad = await startSimServer({ handler: () => ({ status: 400, body: { error: { message: 'bad filter' } } }) });
    try {
      const transport = createHttpTransport({ system: 'aimaira', baseUrl: bad.url, headers: {} });
      await expect(transport.request({ method: 'GET', path: 'Mail' })).rejects.toMatchObject({ status: 400 });
      expect(bad.requests).toHaveLength(1);
    } finally {
      await bad.close();
    }
  });

  it('cuts a hanging request at the timeout and retries it', async () => {
    server.faults.add({ kind: 'hang', path: '/GraphV1/Mail', times: 1 });
    const { transport } = makeTransport({ timeoutMs: 150 });
    const response = await transport.request({ method: 'GET', path: 'Mail' });
    expect(response.status).toBe(200);
    expect(server.requests).toHaveLength(2);
  });

  it('retries a truncated JSON answer to a read', async () => {
    server.faults.add({ kind: 'truncated-json', path: '/GraphV1/Mail', times: 1 });
    const { transport } = makeTransport();
    const response = await transport.request({ method: 'GET', path: 'Mail' });
    expect(response.json).toEqual({ ok: true, path: '/GraphV1/Mail' });
    expect(server.requests).toHaveLength(2);
  });

  it('never resends a create after the connection was reset once the write was applied', async () => {
    server.faults.add({ kind: 'reset-after-write', path: '/v1/student', method: 'POST', times: 1 });
    const { transport } = makeTransport({ root: '' });
    const failure = await transport.request({ method: 'POST', path: '/v1/student', body: {} }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NetworkError);
    expect(isAmbiguousFailure(failure)).toBe(true);
    expect(writes).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it('resends a create refused with 429, which applied nothing', async () => {
    server.faults.add({ kind: 'rate-limit', path: '/v1/student', times: 1, retryAfter: '1' });
    const { transport } = makeTransport({ root: '' });
    await transport.request({ method: 'POST', path: '/v1/student', body: {} });
    expect(writes).toBe(1);
    expect(server.requests).toHaveLength(2);
  });

  it('reports a refused connection as not ambiguous', async () => {
    const closed = await startSimServer({ handler: () => ({ status: 200 }) });
    const url = closed.url;
    await closed.close();
    const transport = createHttpTransport({ system: 'edusign', baseUrl: url, headers: {}, retry: { maxAttempts: 1 } });
    const failure = await transport.request({ method: 'POST', path: '/v1/student', body: {} }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NetworkError);
    expect(isAmbiguousFailure(failure)).toBe(false);
  });
});

describe('rate limiter', () => {
  it('never lets more than the limit start in any window', async () => {
    const clock = createManualClock(0);
    const limiter = createRateLimiter({ limit: 3, windowMs: 1_000, clock });
    const starts: number[] = [];
    for (let i = 0; i < 10; i++) {
      await limiter.acquire();
      starts.push(clock.now());
    }
    for (let i = 3; i < starts.length; i++) expect(starts[i]! - starts[i - 3]!).toBeGreaterThanOrEqual(1_000);
    expect(starts.slice(0, 4)).toEqual([0, 0, 0, 1_000]);
  });

  it('serves concurrent callers one at a time', async () => {
    const clock = createManualClock(0);
    const limiter = createRateLimiter({ limit: 2, windowMs: 500, clock });
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 6 }, () => limiter.acquire().then(() => starts.push(clock.now()))));
    expect(starts).toEqual([0, 0, 500, 500, 1_000, 1_000]);
  });
});

describe('describeUrl', () => {
  it('hides e-mails in paths and every query value', () => {
    expect(describeUrl(new URL('https://ext.edusign.fr/v1/student/by-email/zo%C3%A9%40ecole.fr?page=2'))).toBe(
      'https://ext.edusign.fr/v1/student/by-email/[email]?page',
    );
  });
});

describe('error excerpts', () => {
  it('never keep an e-mail address the server echoed', async () => {
    const echo = await startSimServer({
      handler: () => ({
        status: 400,
        body: { error: { message: "Unknown field at position 3 in 'Mail/Adresse eq ''zoé.lefèvre@ecole.fr'''" } },
      }),
    });
    try {
      const transport = createHttpTransport({ system: 'aimaira', baseUrl: echo.url, headers: {} });
      const failure = (await transport
        .request({ method: 'GET', path: 'Apprenant' })
        .catch((e: unknown) => e)) as HttpStatusError;
      expect(failure.bodyExcerpt).toContain('[email]');
      expect(failure.message).not.toContain('@');
    } finally {
      await echo.close();
    }
  });
});
