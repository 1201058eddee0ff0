/**
 * The alert webhook. Traffic goes to loopback only: a receiver on 127.0.0.1, and the refusals are made before any
 * socket opens (an injected resolver names the private address; no connection to it is attempted).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { UrlPolicyError } from '../service/url-policy.js';
import type { HostResolver } from '../service/url-policy.js';
import { WebhookError, createWebhookSender } from './webhook.js';
import type { WebhookPayload } from './webhook.js';

interface Received {
  method: string;
  url: string;
  contentType: string;
  body: unknown;
}

let server: Server;
let base: string;
const received: Received[] = [];
let answer = 200;

const readBody = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

beforeAll(async () => {
  server = createServer((request, response) => {
    void readBody(request).then((text) => {
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        contentType: request.headers['content-type'] ?? '',
        body: JSON.parse(text) as unknown,
      });
      if (answer === 302) response.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
      else response.writeHead(answer);
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const payload: WebhookPayload = {
  text: '[Aimaira ↔ Edusign] tenant acme is paused\n\nTenant acme is paused.',
  tenant: 'acme',
  kind: 'paused',
  subject: '[Aimaira ↔ Edusign] tenant acme is paused',
  at: '2026-11-28T10:00:00.000Z',
};

describe('the alert webhook', () => {
  it('posts the JSON alert, with the Slack- and Teams-style text, to a loopback receiver when loopback is allowed', async () => {
    answer = 200;
    const send = createWebhookSender({ allowLoopback: true, timeoutMs: 2_000 });
    await send(`${base}/hooks/T000/B000/XXXX?sig=abc`, payload);
    const last = received.at(-1);
    expect(last).toMatchObject({ method: 'POST', url: '/hooks/T000/B000/XXXX?sig=abc', body: payload });
    expect(last?.contentType).toContain('application/json');
  });

  it('a non-2xx answer is an error that names the host, not the secret path', async () => {
    answer = 500;
    const send = createWebhookSender({ allowLoopback: true, timeoutMs: 2_000 });
    const error = await send(`${base}/hooks/secret-token`, payload).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookError);
    expect(String(error)).toContain('HTTP 500');
    expect(String(error)).not.toContain('secret-token');
  });

  it('a redirect is refused, not followed', async () => {
    answer = 302;
    const count = received.length;
    const send = createWebhookSender({ allowLoopback: true, timeoutMs: 2_000 });
    await expect(send(`${base}/hooks/x`, payload)).rejects.toThrow(/redirect: not followed/);
    expect(received.length).toBe(count + 1);
  });

  it('loopback is refused when not allowed', async () => {
    const send = createWebhookSender({ timeoutMs: 2_000 });
    await expect(send(`${base}/hooks/x`, payload)).rejects.toBeInstanceOf(UrlPolicyError);
  });

  it('a name that resolves to a private address is refused before any connection', async () => {
    const names: string[] = [];
    const resolve: HostResolver = (hostname) => {
      names.push(hostname);
      return Promise.resolve(['10.0.0.7']);
    };
    const send = createWebhookSender({ resolve, timeoutMs: 2_000 });
    const error = await send('https://hooks.example.test/services/T/B/X', payload).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UrlPolicyError);
    expect((error as UrlPolicyError).refusal).toBe('private');
    expect(names).toEqual(['hooks.example.test']);
  });

  it('an address written in the URL is held to the policy too (the cloud metadata address)', async () => {
    const send = createWebhookSender({ resolve: () => Promise.reject(new Error('not asked')) });
    await expect(send('https://169.254.169.254/hook', payload)).rejects.toMatchObject({ refusal: 'metadata' });
  });
});
