/**
 * The Host allow-list and the client's address behind a proxy, through the dashboard's own app: a DNS-rebinding
 * name is refused everywhere; the address the audit records is the socket's unless the proxy is trusted.
 */
import { describe, expect, it } from 'vitest';

import { createManualClock } from '../clock.js';
import { openSqliteStore } from '../store/sqlite.js';
import { createDashboard } from './dashboard.js';
import { hostAllowed } from './middleware.js';
import { standInDashboardDeps, standInTenant } from '../../test/stand-in-dashboard.js';

const password = 'le mot de passe des tests';

describe('the Host allow-list', () => {
  it('answers IP literals and localhost on any port, and a name only when it is the public URL’s', () => {
    for (const host of ['127.0.0.1:8080', '10.1.2.3', '[::1]:8080', 'localhost:3000', 'LOCALHOST']) {
      expect(hostAllowed(host, undefined), host).toBe(true);
    }
    for (const host of ['evil.example', 'evil.example:8080', '127.0.0.1.nip.io', '', undefined, 'a b']) {
      expect(hostAllowed(host, undefined), String(host)).toBe(false);
    }
    expect(hostAllowed('Connector.Example.fr', 'connector.example.fr')).toBe(true);
    expect(hostAllowed('connector.example.fr:8443', 'connector.example.fr')).toBe(false);
    expect(hostAllowed('other.example.fr', 'connector.example.fr')).toBe(false);
  });
});

describe('the client address the audit records', () => {
  async function pauseThrough(trustProxy: boolean): Promise<string | null> {
    const store = await openSqliteStore({ file: ':memory:' });
    const deps = standInDashboardDeps({
      store,
      clock: createManualClock(Date.parse('2026-11-30T10:30:00Z')),
      tenants: [standInTenant('acme')],
      adminPassword: { plaintext: password },
      overrides: { trustProxy },
    });
    const dashboard = createDashboard(deps);
    await dashboard.ready();
    // The proxy's header: what the client wrote first (forgeable), then what the proxy added.
    const headers = {
      host: '127.0.0.1:8080',
      'x-forwarded-for': '6.6.6.6, 203.0.113.7',
      'content-type': 'application/x-www-form-urlencoded',
    };
    const signIn = await dashboard.app.request('/sign-in', {
      method: 'POST',
      headers,
      body: new URLSearchParams({ email: 'admin', password }).toString(),
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const page = await (await dashboard.app.request('/account', { headers: { ...headers, cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const paused = await dashboard.app.request('/tenants/acme/pause', {
      method: 'POST',
      headers: { ...headers, cookie },
      body: new URLSearchParams({ csrf, reason: 'test' }).toString(),
    });
    expect(paused.status).toBe(303);
    const [entry] = await store.accounts.listAudit({ tenantId: 'acme', limit: 1 });
    expect(entry?.action).toBe('tenant.pause');
    await store.close();
    return entry?.address ?? null;
  }

  it('is the address the trusted proxy added, never what the client wrote before it', async () => {
    expect(await pauseThrough(true)).toBe('203.0.113.7');
  });

  it('ignores X-Forwarded-For unless the proxy is trusted', async () => {
    const address = await pauseThrough(false);
    expect(address).not.toBe('203.0.113.7');
    expect(address).not.toBe('6.6.6.6');
  });
});
