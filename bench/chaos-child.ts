/**
 * One sync of the chaos soak in a process of its own, so that the soak can kill it (SIGKILL) at a write of its
 * choosing: `node --import tsx bench/chaos-child.ts '<json>'` with `tenant` (a tenant configuration), `dataDir` (the
 * SQLite store's folder) and `now` (the sync instant, ISO). Prints the outcome as one JSON line.
 *
 * Not `aimaira-edusign sync`: the soak needs the short request budget and the clock that skips its backoffs
 * (bench/chaos-run.ts), which the command line does not offer.
 */
import { TenantConfig } from '../src/config/config.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { chaosSync } from './chaos-run.js';

const [json] = process.argv.slice(2);
if (json === undefined) throw new Error('chaos-child: expects one JSON argument');
const input = JSON.parse(json) as { tenant: unknown; dataDir: string; now: string };
const store = await openSqliteStore({ dataDir: input.dataDir });
try {
  const result = await chaosSync(TenantConfig.parse(input.tenant), store, new Date(input.now));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await store.close();
}
