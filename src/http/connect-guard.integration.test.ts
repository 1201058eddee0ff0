/**
 * The URL policy at connect time. No test sends a packet anywhere but loopback: the resolver and the connect step
 * are injected, and a refused address must be refused before the connect step is called at all.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { buildConnector } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createManualClock } from '../clock.js';
import { HttpStatusError } from '../errors.js';
import type { HostResolver } from '../service/url-policy.js';
import { AddressRefusedError, checkedAddresses, createGuardedAgent } from './connect-guard.js';
import { RedirectRefusedError, createHttpTransport } from './transport.js';

/** A connect step that records what it was asked and opens nothing: it answers with an error. */
function recordingConnect() {
  const calls: buildConnector.Options[] = [];
  const connect: buildConnector.connector = (options, callback) => {
    calls.push(options);
    callback(new Error('test connect step: no socket opened'), null);
  };
  return { calls, connect };
}

/** A resolver that answers `addresses` for every name and counts its look-ups. */
function fixedResolver(addresses: readonly string[]) {
  const names: string[] = [];
  const resolve: HostResolver = (hostname) => {
    names.push(hostname);
    return Promise.resolve(addresses);
  };
  return { names, resolve };
}

function transportTo(baseUrl: string, dispatcher: ReturnType<typeof createGuardedAgent>) {
  return createHttpTransport({
    system: 'aimaira',
    baseUrl,
    headers: { authorization: 'Basic c2VjcmV0' },
    clock: createManualClock(Date.parse('2026-11-28T10:00:00Z')),
    random: () => 0.5,
    timeoutMs: 2_000,
    retry: { maxAttempts: 3 },
    dispatcher,
  });
}

describe('a host that resolves to a refused address at connect time (DNS rebinding)', () => {
  it.each<[string, readonly string[], string]>([
    ['a private address', ['10.0.0.1'], 'private'],
    ['the cloud metadata address', ['169.254.169.254'], 'metadata'],
    ['the metadata address written as IPv6', ['::ffff:169.254.169.254'], 'metadata'],
    ['loopback written as IPv6', ['::ffff:127.0.0.1'], 'loopback'],
    ['loopback in hex IPv6', ['::ffff:7f00:1'], 'loopback'],
    ['IPv6 loopback', ['::1'], 'loopback'],
    ['the AWS IPv6 metadata address', ['fd00:ec2::254'], 'metadata'],
    ['a link-local address at the top of its range', ['169.254.255.255'], 'link-local'],
    ['a 6to4 address', ['2002:a00:1::1'], 'reserved'],
    ['a Teredo address', ['2001:0:4136:e378::1'], 'reserved'],
    ['a local-use NAT64 address', ['64:ff9b:1::a00:1'], 'reserved'],
    ['the 6to4 relay anycast range', ['192.88.99.1'], 'reserved'],
    ['a public address followed by a private one', ['51.15.20.30', '10.0.0.1'], 'private'],
  ])('refuses %s before any socket opens, and does not retry', async (_what, addresses, refusal) => {
    const { calls, connect } = recordingConnect();
    const { names, resolve } = fixedResolver(addresses);
    const agent = createGuardedAgent({ allowLoopback: false, resolve, connect });
    const transport = transportTo('https://graphacme.aimaira.net/GraphV1', agent);
    const error = await transport.request({ method: 'GET', path: 'Planification' }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AddressRefusedError);
    expect((error as AddressRefusedError).refusal).toBe(refusal);
    expect((error as Error).message).toMatch(
      /^aimaira GET https:\/\/graphacme\.aimaira\.net\/GraphV1\/Planification: connection refused by the URL policy: graphacme\.aimaira\.net resolves to /,
    );
    expect(calls).toEqual([]);
    expect(names).toEqual(['graphacme.aimaira.net']);
    await agent.close();
  });

  it('refuses an IP literal without a look-up', async () => {
    const { calls, connect } = recordingConnect();
    const { names, resolve } = fixedResolver(['51.15.20.30']);
    const agent = createGuardedAgent({ allowLoopback: true, resolve, connect });
    for (const base of ['https://10.0.0.1/', 'https://[fd00:ec2::254]/', 'https://[2002:a00:1::1]/']) {
      await expect(transportTo(base, agent).request({ method: 'GET', path: 'x' })).rejects.toBeInstanceOf(
        AddressRefusedError,
      );
    }
    expect(calls).toEqual([]);
    expect(names).toEqual([]);
    await agent.close();
  });

  it('connects to the very address it checked, with TLS still verifying the name', async () => {
    const { calls, connect } = recordingConnect();
    const { resolve } = fixedResolver(['2a05:d012::1', '51.15.20.30']);
    const agent = createGuardedAgent({ allowLoopback: false, resolve, connect });
    // The recording connect step fails the connection: the transport reports a network error, as for a refusal.
    await expect(
      transportTo('https://graphacme.aimaira.net/GraphV1', agent).request({ method: 'GET', path: 'Planification' }),
    ).rejects.toThrow(/graphacme\.aimaira\.net/);
    // Each attempt tries the checked addresses in turn, IPv4 first, and nothing else.
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.map((call) => call.hostname).slice(0, 2)).toEqual(['51.15.20.30', '2a05:d012::1']);
    for (const call of calls) {
      expect(['51.15.20.30', '2a05:d012::1']).toContain(call.hostname);
      expect(call).toMatchObject({ servername: 'graphacme.aimaira.net', protocol: 'https:' });
    }
    await agent.close();
  });

  it('lets loopback through only when allowed, and nothing else with it', async () => {
    await expect(checkedAddresses('127.0.0.1', { allowLoopback: true })).resolves.toEqual(['127.0.0.1']);
    await expect(checkedAddresses('[::1]', { allowLoopback: true })).resolves.toEqual(['::1']);
    await expect(checkedAddresses('localhost', { allowLoopback: true })).resolves.toEqual(['127.0.0.1']);
    await expect(checkedAddresses('127.0.0.1', { allowLoopback: false })).rejects.toBeInstanceOf(AddressRefusedError);
    await expect(checkedAddresses('localhost', { allowLoopback: false })).rejects.toBeInstanceOf(AddressRefusedError);
    const { resolve } = fixedResolver(['127.0.0.1', '10.0.0.1']);
    await expect(checkedAddresses('sim.example', { allowLoopback: true, resolve })).rejects.toMatchObject({
      refusal: 'private',
      address: '10.0.0.1',
    });
  });
});

describe('redirects', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      const status = Number(/\/(\d{3})$/.exec(request.url ?? '')?.[1] ?? 200);
      response.writeHead(status, {
        'content-type': 'text/plain',
        ...(status !== 300 && { location: 'http://169.254.169.254/latest/meta-data/iam?token=hunter2' }),
      });
      response.end('the body of the redirect, with a secret: hunter2');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/GraphV1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([301, 302, 303, 307, 308, 300])(
    'reports %i as an error naming the status and the Location host only, and follows nothing',
    async (status) => {
      const calls: string[] = [];
      const real = buildConnector({});
      const agent = createGuardedAgent({
        allowLoopback: true,
        connect: (options, callback) => {
          calls.push(options.hostname);
          real(options, callback);
        },
      });
      const error = await transportTo(base, agent)
        .request({ method: 'GET', path: `Planification/${status}` })
        .catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(RedirectRefusedError);
      expect(error).toBeInstanceOf(HttpStatusError);
      const redirect = error as RedirectRefusedError;
      expect(redirect.status).toBe(status);
      expect(redirect.message).toContain(`HTTP ${status}`);
      if (status === 300) {
        expect(redirect.locationHost).toBeNull();
      } else {
        expect(redirect.locationHost).toBe('169.254.169.254');
        expect(redirect.message).toContain('to 169.254.169.254');
      }
      for (const hidden of ['latest', 'meta-data', 'token', 'hunter2', 'body']) {
        expect(redirect.message).not.toContain(hidden);
      }
      expect(redirect.bodyExcerpt).toBe('');
      // Not retried, and the redirect's target was never connected to.
      expect(calls).toEqual(['127.0.0.1']);
      await agent.close();
    },
  );

  it('goes through the default guard too, which refuses a redirect just the same', async () => {
    const transport = createHttpTransport({ system: 'edusign', baseUrl: base, headers: {}, retry: { maxAttempts: 1 } });
    await expect(transport.request({ method: 'GET', path: '/v1/course/302' })).rejects.toBeInstanceOf(
      RedirectRefusedError,
    );
  });
});
