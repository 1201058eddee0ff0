/**
 * The commands on a store named by URL, through the real binary: `sync`, `explain`, `tenant` and `migrate` on
 * PostgreSQL (127.0.0.1:5432, database `test` unless AIMAIRA_EDUSIGN_TEST_POSTGRES_URL says otherwise), each in
 * a schema of its own named `?schema=` in the URL and dropped at the end; `AIMAIRA_EDUSIGN_STORE` in place of
 * `--store`; store URLs refused as usage errors.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox } from '../../sim/sandbox.js';
import type { Sandbox } from '../../sim/sandbox.js';
import { writeMethods } from '../../test/helpers.js';
import type { TenantView } from '../service/tenants.js';
import { storeMigrations } from '../store/migrations.js';
import { openStore } from '../store/open.js';
import type { SessionExplanation } from '../sync/down/explain.js';
import type { MigrateSummary } from './migrate.js';
import type { SyncSummary } from './sync.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
// Monday 30 November 2026, 11:30 in Paris.
const now = '2026-11-30T11:30:00+01:00';
const baseUrl = process.env['AIMAIRA_EDUSIGN_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const migrationNames = Object.keys(storeMigrations('postgres'));
// The local server trusts its clients: a password in the URL is sent to no one, and must be shown nowhere.
const password = 'not-shown-anywhere';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A PostgreSQL store URL of a schema of its own, with a password in it. */
function schemaUrl(schema: string): string {
  const withPassword = baseUrl.replace(/^(postgres(ql)?:\/\/)([^:@/]+)@/i, `$1$3:${password}@`);
  return `${withPassword}${withPassword.includes('?') ? '&' : '?'}schema=${schema}`;
}

describe('commands on a store named by URL', { timeout: 120_000 }, () => {
  let sandbox: Sandbox;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let config: string;
  const schemas: string[] = [];
  const admin = new pg.Pool({ connectionString: baseUrl, max: 2 });
  admin.on('error', () => {});

  const newSchema = (): string => {
    const schema = `cli_test_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };
  // The sandbox's simulators are on loopback http, which the URL policy admits only when told to.
  const simulators = (args: readonly string[]) =>
    args[0] === 'sync' || args[0] === 'explain' ? [...args, '--allow-loopback-http'] : args;
  const cli = (args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        ['bin/aimaira-edusign', ...simulators(args)],
        { cwd: projectRoot, env: { ...env, ...extraEnv }, timeout: 60_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  const edusignWrites = () => sandbox.edusign.requests.filter((request) => writeMethods.has(request.method)).length;
  const appliedMigrations = async (schema: string): Promise<string[]> => {
    const { rows } = await admin.query<{ name: string }>(`select name from "${schema}".kysely_migration order by name`);
    return rows.map((row) => row.name);
  };
  /** A data folder nothing should be written to (no state.sqlite) when the store is elsewhere. */
  const emptyDataDir = (name: string) => join(dir, name);

  beforeAll(async () => {
    try {
      await admin.query('select 1');
    } catch (error) {
      throw new Error(`PostgreSQL is not reachable at ${baseUrl} (start it, see .ci/run)`, { cause: error });
    }
    sandbox = await startSandbox({ size: 'small', seed: 1, now: new Date(now) });
    dir = mkdtempSync(join(tmpdir(), 'aimaira-edusign-store-url-'));
    env = {
      ...process.env,
      AIMAIRA_PASSWORD: sandbox.scenario.credentials.aimaira.password,
      EDUSIGN_API_KEY: sandbox.scenario.credentials.edusign.apiKey,
    };
    for (const name of ['AIMAIRA_EDUSIGN_STORE', 'AIMAIRA_EDUSIGN_MASTER_KEY', 'AIMAIRA_EDUSIGN_MASTER_KEY_FILE']) {
      delete env[name];
    }
    config = join(dir, 'config.json');
    const tenant = {
      id: 'demo',
      aimaira: {
        url: sandbox.aimaira.rootUrl,
        username: sandbox.scenario.credentials.aimaira.username,
        password: '${AIMAIRA_PASSWORD}',
      },
      edusign: { url: sandbox.edusign.url, apiKey: '${EDUSIGN_API_KEY}' },
    };
    writeFileSync(config, JSON.stringify({ tenants: [tenant] }));
  });

  afterAll(async () => {
    await sandbox?.close();
    for (const schema of schemas) await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('sync and explain on PostgreSQL, as on SQLite', () => {
    let schema: string;
    let url: string;
    const sync = (...extra: string[]) =>
      cli(['sync', '--config', config, '--now', now, '--store', url, '--data-dir', emptyDataDir('sync'), ...extra]);

    beforeAll(() => {
      schema = newSchema();
      url = schemaUrl(schema);
    });

    it('--dry-run on an empty schema migrates it, records nothing and writes nothing to Edusign', async () => {
      const result = await sync('--dry-run', '--json');
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const summary = JSON.parse(result.stdout) as SyncSummary;
      expect(summary).toMatchObject({ dryRun: true, status: 'success' });
      expect(summary.store).toMatch(/^postgres(ql)?:\/\/\*\*\*@[^?]+\?schema=cli_test_[0-9a-f]{12}$/);
      expect(result.stdout).not.toContain(password);
      expect(summary.runs[0]?.plan?.operations.sheet?.['create']).toBeGreaterThan(0);
      expect(edusignWrites()).toBe(0);
      expect(await appliedMigrations(schema)).toEqual(migrationNames);
      const { rows } = await admin.query(`select id from "${schema}".runs`);
      expect(rows).toEqual([]);
      expect(existsSync(emptyDataDir('sync'))).toBe(false);
    });

    it('syncs: the first run creates, the second one is unchanged and writes nothing', async () => {
      const first = await sync('--json');
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      const summary = JSON.parse(first.stdout) as SyncSummary;
      const [down, up] = summary.runs;
      expect(down).toMatchObject({ direction: 'down', status: 'success', runId: 1, error: null });
      expect(down!.counts['sheet.created']).toBeGreaterThan(0);
      expect(up).toMatchObject({ direction: 'up', status: 'success', runId: 2 });
      const school = sandbox.edusign.school(sandbox.scenario.credentials.edusign.apiKey);
      expect(school.courses()).toHaveLength(down!.counts['sheet.created']!);

      sandbox.edusign.requests.length = 0;
      const second = await sync('--json');
      expect(second.code).toBe(0);
      const again = JSON.parse(second.stdout) as SyncSummary;
      expect(again.runs[0]).toMatchObject({ status: 'success', runId: 3 });
      expect(Object.keys(again.runs[0]!.counts).filter((key) => key !== 'sheet.skipped')).toEqual([]);
      expect(edusignWrites()).toBe(0);
      // Under the tenant lock, released at the end, in the same database.
      const { rows } = await admin.query(`select tenant_id from "${schema}".tenant_locks`);
      expect(rows).toEqual([]);
      expect(existsSync(emptyDataDir('sync'))).toBe(false);
    });

    it('--dry-run on the synced store plans nothing and records no run', async () => {
      const result = await sync('--dry-run', '--json');
      expect(result.code).toBe(0);
      const summary = JSON.parse(result.stdout) as SyncSummary;
      expect(summary.runs[0]?.plan?.operations).toEqual({});
      expect(edusignWrites()).toBe(0);
      const { rows } = await admin.query<{ id: string }>(`select id from "${schema}".runs order by id`);
      expect(rows.map((row) => Number(row.id))).toEqual([1, 2, 3, 4]);
    });

    it('explain reads the same store: the sheet of an eligible session is on Edusign', async () => {
      const run = await openStore(url);
      let sessionId: number;
      try {
        const [link] = (await run.listLinks('demo')).filter((candidate) => candidate.kind === 'sheet');
        sessionId = link!.aimairaId;
      } finally {
        await run.close();
      }
      const result = await cli([
        'explain',
        '--config',
        config,
        '--tenant',
        'demo',
        '--session',
        String(sessionId),
        '--now',
        now,
        '--store',
        url,
        '--json',
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const explanation = JSON.parse(result.stdout) as SessionExplanation;
      expect(explanation).toMatchObject({ found: true, sessionId, eligible: true });
      expect(explanation.found && explanation.edusign).not.toBeNull();
    });

    it('takes AIMAIRA_EDUSIGN_STORE when --store is not given, and --store over it', async () => {
      const fromEnvironment = await cli(
        ['sync', '--config', config, '--now', now, '--direction', 'down', '--data-dir', emptyDataDir('env'), '--json'],
        { AIMAIRA_EDUSIGN_STORE: url },
      );
      expect(fromEnvironment.code).toBe(0);
      const summary = JSON.parse(fromEnvironment.stdout) as SyncSummary;
      expect(summary.store).toContain(schema);
      expect(summary.runs[0]).toMatchObject({ status: 'success', runId: 5 });
      expect(existsSync(emptyDataDir('env'))).toBe(false);

      const file = join(dir, 'chosen.sqlite');
      const chosen = await cli(['migrate', '--store', `sqlite:${file}`, '--json'], { AIMAIRA_EDUSIGN_STORE: url });
      expect(chosen.code).toBe(0);
      expect((JSON.parse(chosen.stdout) as MigrateSummary).store).toBe(file);
      expect(existsSync(file)).toBe(true);
    });
  });

  it('tenant add and list on PostgreSQL: the tenant in the schema, the key file in the data folder', async () => {
    const schema = newSchema();
    const dataDir = join(dir, 'tenant-data');
    const store = ['--store', schemaUrl(schema), '--data-dir', dataDir];
    const added = await cli([
      'tenant',
      'add',
      'demo',
      '--aimaira-url',
      sandbox.aimaira.rootUrl,
      '--aimaira-username',
      sandbox.scenario.credentials.aimaira.username,
      '--aimaira-password-env',
      'AIMAIRA_PASSWORD',
      '--edusign-url',
      sandbox.edusign.url,
      '--edusign-api-key-env',
      'EDUSIGN_API_KEY',
      '--allow-loopback-http',
      ...store,
    ]);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('Added tenant demo.');
    expect(existsSync(join(dataDir, 'master.key'))).toBe(true);
    expect(existsSync(join(dataDir, 'state.sqlite'))).toBe(false);

    const list = await cli(['tenant', 'list', '--json', ...store]);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as TenantView[]).map((tenant) => [tenant.id, tenant.status])).toEqual([
      ['demo', 'active'],
    ]);
    const { rows } = await admin.query<{ id: string }>(`select id from "${schema}".tenants`);
    expect(rows).toEqual([{ id: 'demo' }]);
    for (const output of [added.stdout, added.stderr, list.stdout, list.stderr]) expect(output).not.toContain(password);
  });

  it('migrate applies every migration to an empty schema, then none', async () => {
    const schema = newSchema();
    const first = await cli(['migrate', '--store', schemaUrl(schema), '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const applied = JSON.parse(first.stdout) as MigrateSummary;
    expect(applied.store).toMatch(new RegExp(`^postgres(ql)?://\\*\\*\\*@[^?]+\\?schema=${schema}$`));
    expect(applied).toEqual({
      command: 'migrate',
      store: applied.store,
      version: migrationNames.at(-1),
      applied: migrationNames.length,
      appliedNow: migrationNames,
    });
    expect(first.stdout).not.toContain(password);

    const second = await cli(['migrate', '--store', schemaUrl(schema)]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`schema version ${migrationNames.at(-1)} (${migrationNames.length} migrations`);
    expect(second.stdout).toContain('Nothing to apply: it was up to date.');
    expect(second.stdout).not.toContain(password);
    expect(await appliedMigrations(schema)).toEqual(migrationNames);
  });

  it('refuses a store URL of no accepted form with exit 64, naming it without its password', async () => {
    const bad = 'mysql://admin:hunter2@db.example/prod';
    const option = await cli(['sync', '--config', config, '--store', bad, '--json']);
    expect(option.code).toBe(64);
    expect(option.stdout).toBe('');
    expect(option.stderr).toContain('--store: Unknown store URL mysql://***@db.example/prod; accepted: sqlite:PATH');
    expect(option.stderr).not.toContain('hunter2');

    const variable = await cli(['tenant', 'list', '--data-dir', emptyDataDir('bad')], { AIMAIRA_EDUSIGN_STORE: bad });
    expect(variable.code).toBe(64);
    expect(variable.stderr).toContain('AIMAIRA_EDUSIGN_STORE: Unknown store URL mysql://***@db.example/prod');

    const schema = await cli(['migrate', '--store', 'postgres://admin:hunter2@127.0.0.1:5432/test?schema=Bad']);
    expect(schema.code).toBe(64);
    expect(schema.stderr).toContain('--store: A PostgreSQL schema name is lower-case letters');
    expect(schema.stderr).not.toContain('hunter2');

    const serve = await cli(['serve', '--store', bad, '--port', '0', '--data-dir', emptyDataDir('bad')]);
    expect(serve.code).toBe(64);
    expect(serve.stderr).toContain('--store: Unknown store URL');
    expect(existsSync(emptyDataDir('bad'))).toBe(false);
  });
});
