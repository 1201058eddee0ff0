/**
 * The secret grep test: tenants added with canary secrets, a connection check (passing and failing) and downward
 * runs (succeeding and failing) while every output is captured, then every byte of the data folder (the SQLite
 * file, its WAL and shared memory, the key file) and every captured output is searched for the plaintext secrets,
 * and for the Basic authentication value made from them. None may be found.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startAimairaSimulator } from '../../sim/aimaira/server.js';
import type { AimairaSimulator } from '../../sim/aimaira/server.js';
import { startEdusignSimulator } from '../../sim/edusign/server.js';
import type { EdusignSimulator } from '../../sim/edusign/server.js';
import { generateScenario } from '../../sim/scenario/generate.js';
import { createSkippingClock } from '../../test/helpers.js';
import { toError } from '../errors.js';
import { openSqliteStore } from '../store/sqlite.js';
import { createTenantClients } from '../sync/clients.js';
import { runDown } from '../sync/down/run.js';
import { checkTenant } from './check.js';
import { createTenantRepository, lazyMasterKeys } from './tenants.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const now = new Date('2026-11-30T11:30:00+01:00');

/** Unique, unmistakable values: a hit can only come from a leak. */
const canary = (what: string) => `CANARY-${what}-${randomBytes(12).toString('hex')}`;
const username = 'CANARY\\api@aimaira.fr';
const aimairaPassword = canary('aimaira-password');
const aimairaApiKey = canary('aimaira-api-key');
const edusignApiKey = canary('edusign-api-key');
const wrongPassword = canary('wrong-password');
const wrongEdusignKey = canary('wrong-edusign-key');

/** Every form a secret could take in an output: as is, JSON-escaped, and the Basic authentication values. */
const forbidden = [aimairaPassword, aimairaApiKey, edusignApiKey, wrongPassword, wrongEdusignKey].flatMap((secret) => [
  secret,
  JSON.stringify(secret).slice(1, -1),
]);
for (const password of [aimairaPassword, wrongPassword]) {
  forbidden.push(Buffer.from(`${username}:${password}`).toString('base64'));
}

describe('no plaintext secret anywhere', { timeout: 120_000 }, () => {
  let aimaira: AimairaSimulator;
  let edusign: EdusignSimulator;
  let dir: string;
  let dataDir: string;
  /** Everything printed or logged, to search afterwards. */
  const captured: string[] = [];
  const logLines: string[] = [];
  const logger = pino(
    { base: { service: 'aimaira-edusign' }, level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );

  const cli = (args: readonly string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['bin/aimaira-edusign', 'tenant', ...args, '--data-dir', dataDir],
        {
          cwd: projectRoot,
          env: {
            ...process.env,
            AIMAIRA_EDUSIGN_MASTER_KEY: '',
            AIMAIRA_EDUSIGN_MASTER_KEY_FILE: '',
            T_AIMAIRA_PASSWORD: aimairaPassword,
            T_AIMAIRA_API_KEY: aimairaApiKey,
            T_EDUSIGN_API_KEY: edusignApiKey,
            T_WRONG_PASSWORD: wrongPassword,
            T_WRONG_EDUSIGN_KEY: wrongEdusignKey,
          },
          timeout: 60_000,
        },
        (error, stdout, stderr) => {
          captured.push(stdout, stderr);
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
        },
      );
    });

  beforeAll(async () => {
    const scenario = generateScenario({ size: 'small', seed: 5, now });
    aimaira = await startAimairaSimulator({
      data: scenario.aimaira,
      credentials: { username, password: aimairaPassword, apiKey: aimairaApiKey },
    });
    edusign = await startEdusignSimulator({ schools: [{ apiKey: edusignApiKey, name: 'Canary school' }], seed: 5 });
    dir = mkdtempSync(join(tmpdir(), 'aimaira-edusign-canary-'));
    dataDir = join(dir, 'data');
  });
  afterAll(async () => {
    await Promise.all([aimaira.close(), edusign.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs checks and syncs with canary secrets, and finds none of them in the data folder or any output', async () => {
    // Four tenants: password, API key, wrong password, wrong Edusign key; added and shown through the CLI.
    const access = ['--aimaira-url', aimaira.rootUrl, '--edusign-url', edusign.url, '--allow-loopback-http'];
    const withPassword = (passwordEnv: string) => [
      '--aimaira-username',
      username,
      '--aimaira-password-env',
      passwordEnv,
    ];
    const adds = [
      ['add', 'pw', ...access, ...withPassword('T_AIMAIRA_PASSWORD'), '--edusign-api-key-env', 'T_EDUSIGN_API_KEY'],
      [
        'add',
        'key',
        ...access,
        '--aimaira-api-key-env',
        'T_AIMAIRA_API_KEY',
        '--edusign-api-key-env',
        'T_EDUSIGN_API_KEY',
      ],
      [
        'add',
        'bad-aimaira',
        ...access,
        ...withPassword('T_WRONG_PASSWORD'),
        '--edusign-api-key-env',
        'T_EDUSIGN_API_KEY',
      ],
      [
        'add',
        'bad-edusign',
        ...access,
        ...withPassword('T_AIMAIRA_PASSWORD'),
        '--edusign-api-key-env',
        'T_WRONG_EDUSIGN_KEY',
      ],
    ];
    for (const args of adds) expect((await cli(args)).code, args[1]).toBe(0);
    expect((await cli(['list', '--json'])).code).toBe(0);
    expect((await cli(['show', 'pw'])).code).toBe(0);
    expect((await cli(['check', 'pw', '--allow-loopback-http'])).code).toBe(0);
    expect((await cli(['check', 'bad-aimaira', '--allow-loopback-http', '--json'])).code).toBe(2);
    expect((await cli(['check', 'bad-edusign', '--allow-loopback-http'])).code).toBe(2);
    expect((await cli(['update', 'key', '--option', 'sendAttendance=true', '--allow-loopback-http'])).code).toBe(0);

    // Runs as the service makes them: the tenant from the store, secrets opened, everything logged.
    const store = await openSqliteStore({ dataDir });
    const repository = createTenantRepository({
      store: store.tenants,
      keys: lazyMasterKeys(store.tenants, { keyFile: join(dataDir, 'master.key') }),
      urlPolicy: { allowLoopbackHttp: true },
    });
    const clock = createSkippingClock();
    const statuses: Record<string, string> = {};
    let walSeen: boolean;
    try {
      for (const id of ['pw', 'key', 'bad-aimaira', 'bad-edusign']) {
        const log = logger.child({ tenant: id });
        try {
          const tenant = await repository.toTenantConfig(id);
          const clients = createTenantClients(tenant, {
            clock,
            onExchange: (exchange) => log.debug({ exchange }, 'request'),
          });
          const report = await checkTenant(tenant, clients, { urlPolicy: { allowLoopbackHttp: true } });
          log.info({ report }, 'connection check');
          const result = await runDown({ tenant, ...clients, store, clock, now, dryRun: false });
          statuses[id] = result.status;
          log.info({ status: result.status, counts: result.counts, error: result.error }, 'downward run done');
          if (result.runId !== undefined) {
            log.info({ events: await store.listEvents({ tenantId: id, runId: result.runId, limit: 100 }) }, 'events');
          }
        } catch (error) {
          log.error({ err: toError(error) }, 'run failed');
        }
      }
      // The data folder while the store is open: the WAL holds the latest pages.
      walSeen = existsSync(join(dataDir, 'state.sqlite-wal'));
      expect(searchDataFolder(dataDir)).toEqual([]);
    } finally {
      await store.close();
    }
    expect(walSeen).toBe(true);

    // The runs really ran: successes with sheets written, failures with the reason in words.
    expect(statuses).toEqual({ pw: 'success', key: 'success', 'bad-aimaira': 'failed', 'bad-edusign': 'failed' });
    expect(edusign.school(edusignApiKey).courses().length).toBeGreaterThan(0);
    expect(logLines.join('')).toMatch(/HTTP 401/);

    // And after closing, every file of the data folder, then every output.
    expect(searchDataFolder(dataDir)).toEqual([]);
    const outputs = [...captured, ...logLines].join('\n');
    expect(outputs.length).toBeGreaterThan(1000);
    expect(forbidden.filter((secret) => outputs.includes(secret))).toEqual([]);

    // The search itself finds a secret where there is one (a control, so that "none found" means something).
    const control = join(dir, 'control');
    mkdirSync(control);
    writeFileSync(
      join(control, 'leak.bin'),
      Buffer.concat([randomBytes(64), Buffer.from(edusignApiKey), randomBytes(64)]),
    );
    expect(searchDataFolder(control)).toContain(`leak.bin: ${edusignApiKey.slice(0, 20)}…`);
  });
});

/** `file: secret` for every secret form found in any file of the folder (bytes, so the binary files too). */
function searchDataFolder(folder: string): string[] {
  const hits: string[] = [];
  for (const name of readdirSync(folder)) {
    const bytes = readFileSync(join(folder, name));
    for (const secret of forbidden) {
      if (bytes.includes(Buffer.from(secret, 'utf8')) || bytes.includes(Buffer.from(secret, 'utf16le'))) {
        hits.push(`${name}: ${secret.slice(0, 20)}…`);
      }
    }
  }
  return hits;
}
