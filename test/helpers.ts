/** Shared test set-up: a sandbox (both simulators with a scenario), a tenant pointing at it, a real SQLite store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startSandbox } from '../sim/sandbox.js';
import type { Sandbox, SandboxOptions } from '../sim/sandbox.js';
import { systemClock } from '../src/clock.js';
import { TenantConfig } from '../src/config/config.js';
import type { TenantOptions } from '../src/config/config.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { StateStore } from '../src/store/port.js';
import { createTenantClients } from '../src/sync/clients.js';
import { runDown } from '../src/sync/down/run.js';
import type { DownRunResult } from '../src/sync/down/run.js';

export const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function tenantFor(sandbox: Sandbox, options: Partial<TenantOptions> = {}, id = 'demo'): TenantConfig {
  const { aimaira, edusign } = sandbox.scenario.credentials;
  return TenantConfig.parse({
    id,
    aimaira: { url: sandbox.aimaira.rootUrl, username: aimaira.username, password: aimaira.password },
    edusign: { url: sandbox.edusign.url, apiKey: edusign.apiKey },
    options,
  });
}

export interface DownHarness {
  sandbox: Sandbox;
  store: StateStore;
  dataDir: string;
  tenant: TenantConfig;
  /** A downward run at the scenario's instant (or `now`). */
  sync(overrides?: { now?: Date; dryRun?: boolean; tenant?: TenantConfig }): Promise<DownRunResult>;
  /** Edusign write requests recorded since the last call to `resetRequests`. */
  edusignWrites(): number;
  resetRequests(): void;
  close(): Promise<void>;
}

export async function startDownHarness(
  sandboxOptions: SandboxOptions,
  options: Partial<TenantOptions> = {},
): Promise<DownHarness> {
  const sandbox = await startSandbox(sandboxOptions);
  const dataDir = mkdtempSync(join(tmpdir(), 'aimaira-edusign-test-'));
  const store = await openSqliteStore({ dataDir });
  const tenant = tenantFor(sandbox, options);
  const now = new Date(sandbox.scenario.now);
  return {
    sandbox,
    store,
    dataDir,
    tenant,
    async sync(overrides = {}) {
      const effective = overrides.tenant ?? tenant;
      const clients = createTenantClients(effective, { clock: systemClock });
      return runDown({
        tenant: effective,
        ...clients,
        store,
        clock: systemClock,
        now: overrides.now ?? now,
        dryRun: overrides.dryRun ?? false,
      });
    },
    edusignWrites: () => sandbox.edusign.requests.filter((r) => writeMethods.has(r.method)).length,
    resetRequests() {
      sandbox.edusign.requests.length = 0;
      sandbox.aimaira.requests.length = 0;
    },
    async close() {
      await store.close();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
