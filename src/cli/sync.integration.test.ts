/**
 * `sync` and `explain` through the real binary (`node bin/aimaira-edusign ...`), against a sandbox started in this
 * process and a configuration file whose secrets come from the environment.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox } from '../../sim/sandbox.js';
import type { Sandbox } from '../../sim/sandbox.js';
import { writeMethods } from '../../test/helpers.js';
import type { SessionExplanation } from '../sync/down/explain.js';
import { openSqliteStore } from '../store/sqlite.js';
import { createProgressBar, renderProgress } from './progress.js';
import type { SyncSummary } from './sync.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
// Monday 30 November 2026, 11:30 in Paris.
const now = '2026-11-30T11:30:00+01:00';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the sync and explain commands', { timeout: 60_000 }, () => {
  let sandbox: Sandbox;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  // The sandbox's simulators are on loopback http, which the URL policy admits only when told to.
  const simulators = (args: readonly string[]) =>
    args[0] === 'sync' || args[0] === 'explain' ? [...args, '--allow-loopback-http'] : args;
  const cli = (args: readonly string[], environment: NodeJS.ProcessEnv = env): Promise<CliResult> =>
    rawCli(simulators(args), environment);
  const rawCli = (args: readonly string[], environment: NodeJS.ProcessEnv = env): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        ['bin/aimaira-edusign', ...args],
        { cwd: projectRoot, env: environment, timeout: 60_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  const writeConfig = (name: string, tenants: unknown[]): string => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify({ tenants }, null, 2));
    return file;
  };
  const tenant = (id: string, options: Record<string, unknown> = {}, password = '${AIMAIRA_PASSWORD}') => ({
    id,
    aimaira: { url: sandbox.aimaira.rootUrl, username: sandbox.scenario.credentials.aimaira.username, password },
    edusign: { url: sandbox.edusign.url, apiKey: '${EDUSIGN_API_KEY}' },
    options,
  });
  const edusignWrites = () => sandbox.edusign.requests.filter((request) => writeMethods.has(request.method)).length;
  const dataDir = () => join(dir, 'data');
  let config: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ size: 'small', seed: 1, now: new Date(now) });
    dir = mkdtempSync(join(tmpdir(), 'aimaira-edusign-cli-'));
    env = {
      ...process.env,
      AIMAIRA_PASSWORD: sandbox.scenario.credentials.aimaira.password,
      EDUSIGN_API_KEY: sandbox.scenario.credentials.edusign.apiKey,
    };
    config = writeConfig('config.json', [tenant('demo')]);
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--dry-run prints the plan and writes nothing, to Edusign or to a store that does not exist yet', async () => {
    const result = await cli([
      'sync',
      '--config',
      config,
      '--now',
      now,
      '--data-dir',
      dataDir(),
      '--dry-run',
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as SyncSummary;
    expect(summary).toMatchObject({ command: 'sync', dryRun: true, direction: 'both', status: 'success', exitCode: 0 });
    const [down, up] = summary.runs;
    expect(down).toMatchObject({ tenantId: 'demo', direction: 'down', status: 'success', runId: null, error: null });
    expect(up).toMatchObject({
      tenantId: 'demo',
      direction: 'up',
      status: 'success',
      runId: null,
    });
    expect(up?.note).toContain('sendAttendance is off');

    const plan = down!.plan!;
    expect(plan.operations.sheet?.['create']).toBeGreaterThan(0);
    expect(plan.operations.learner?.['create']).toBeGreaterThan(0);
    expect(plan.sheets.filter((sheet) => sheet.action === 'create')).toHaveLength(plan.operations.sheet!['create']!);
    const { sessions } = sandbox.scenario.manifest;
    expect(plan.skips).toContainEqual(
      expect.objectContaining({ sessionId: sessions.createdToday[0], reasons: ['CREATED_TODAY'] }),
    );
    expect(plan.skips).toContainEqual(expect.objectContaining({ sessionId: sessions.cancelled[0] }));
    for (const skip of plan.skips) expect(skip.name).not.toBe('');
    expect(plan.leftOut.length).toBeGreaterThan(0);
    expect(result.stdout).not.toContain('@');

    expect(edusignWrites()).toBe(0);
    expect(existsSync(dataDir())).toBe(false);
  });

  it('syncs: exit 0 and one JSON summary; a second run writes nothing to Edusign', async () => {
    const first = await cli(['sync', '--config', config, '--now', now, '--data-dir', dataDir(), '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as SyncSummary;
    expect(summary.status).toBe('success');
    const [down, up] = summary.runs;
    expect(down).toMatchObject({ tenantId: 'demo', direction: 'down', status: 'success', runId: 1, error: null });
    expect(down!.counts['sheet.created']).toBeGreaterThan(0);
    expect(down!.plan).toBeUndefined();
    expect(up).toMatchObject({ direction: 'up', status: 'success', runId: 2 });
    const school = sandbox.edusign.school(sandbox.scenario.credentials.edusign.apiKey);
    expect(school.courses()).toHaveLength(down!.counts['sheet.created']!);

    sandbox.edusign.requests.length = 0;
    const second = await cli(['sync', '--config', config, '--now', now, '--data-dir', dataDir(), '--json']);
    expect(second.code).toBe(0);
    const again = JSON.parse(second.stdout) as SyncSummary;
    expect(again.runs[0]).toMatchObject({ status: 'success', runId: 3 });
    expect(Object.keys(again.runs[0]!.counts).filter((key) => key !== 'sheet.skipped')).toEqual([]);
    expect(edusignWrites()).toBe(0);
  });

  it('--dry-run on an existing store records no run and no event, and writes nothing to Edusign', async () => {
    const result = await cli([
      'sync',
      '--config',
      config,
      '--now',
      now,
      '--data-dir',
      dataDir(),
      '--dry-run',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as SyncSummary;
    expect(summary.runs[0]?.plan?.operations).toEqual({});
    expect(edusignWrites()).toBe(0);
    const store = await openSqliteStore({ dataDir: dataDir() });
    try {
      expect((await store.listRuns('demo')).map((run) => run.id)).toEqual([4, 3, 2, 1]);
      expect((await store.listEvents({ tenantId: 'demo', limit: 1 }))[0]?.runId).toBeLessThanOrEqual(4);
    } finally {
      await store.close();
    }
  });

  it('prints a readable summary without --json, and no progress bar when stderr is not a terminal', async () => {
    const result = await cli([
      'sync',
      '--config',
      config,
      '--now',
      now,
      '--data-dir',
      dataDir(),
      '--direction',
      'down',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^demo {2}down {2}success {2}\(run 5\)$/m);
    expect(result.stdout).toContain('nothing written: Edusign was up to date');
    expect(result.stdout).toContain('Done.');
    expect(result.stdout).not.toContain('demo  up');
  });

  it('--direction up sends the attendance of locked sheets back to Aimaira when sendAttendance is on', async () => {
    const file = writeConfig('up.json', [tenant('demo', { sendAttendance: true, planifRealise: true })]);
    const school = sandbox.edusign.school(sandbox.scenario.credentials.edusign.apiKey);
    const course = school.courses()[0]!;
    const signer = course.STUDENTS[0]!.studentId;
    school.sign(course.ID, signer, '2026-11-30T09:00:00Z');
    school.lock(course.ID);
    sandbox.aimaira.requests.length = 0;
    const result = await cli([
      'sync',
      '--config',
      file,
      '--now',
      now,
      '--data-dir',
      dataDir(),
      '--direction',
      'up',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as SyncSummary;
    expect(summary.runs).toEqual([
      expect.objectContaining({ tenantId: 'demo', direction: 'up', status: 'success', note: null }),
    ]);
    const puts = sandbox.aimaira.requests.filter((request) => request.method === 'PUT');
    // One PUT per learner row of the sheet, plus the session's "Réalisé".
    expect(puts).toHaveLength(course.STUDENTS.length + 1);
    const session = sandbox.aimaira.store.get('Planification', Number(course.API_ID));
    expect(session?.['Realise']).toBe(true);

    sandbox.aimaira.requests.length = 0;
    const again = await cli([
      'sync',
      '--config',
      file,
      '--now',
      now,
      '--data-dir',
      dataDir(),
      '--direction',
      'up',
      '--json',
    ]);
    expect(again.code).toBe(0);
    expect(sandbox.aimaira.requests.filter((request) => request.method === 'PUT')).toEqual([]);
  });

  it('exits 2 when a tenant run fails, after running the other tenants', async () => {
    const file = writeConfig('two.json', [tenant('demo'), tenant('wrong-password', {}, 'not-the-password')]);
    const result = await cli([
      'sync',
      '--config',
      file,
      '--now',
      now,
      '--data-dir',
      dataDir(),
      '--direction',
      'down',
      '--json',
    ]);
    expect(result.code).toBe(2);
    const summary = JSON.parse(result.stdout) as SyncSummary;
    expect(summary.status).toBe('failed');
    expect(summary.runs.map((run) => [run.tenantId, run.status])).toEqual([
      ['demo', 'success'],
      ['wrong-password', 'failed'],
    ]);
    expect(summary.runs[1]?.error).toMatch(/401/);
    expect(summary.runs[1]?.error).not.toContain('not-the-password');
  });

  it('exits 64 naming an unknown configuration key', async () => {
    const file = writeConfig('unknown-key.json', [tenant('demo', { horizonDay: 3 })]);
    const result = await cli(['sync', '--config', file, '--json']);
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('tenants[0].options: unknown key horizonDay');
  });

  it('exits 64 naming an unknown --tenant, a missing --config, a bad --direction or --now, an unset variable', async () => {
    const unknown = await cli(['sync', '--config', config, '--tenant', 'nobody']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('--tenant: no tenant "nobody"');

    const missing = await cli(['sync']);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain("'--config <file>'");

    const direction = await cli(['sync', '--config', config, '--direction', 'sideways']);
    expect(direction.code).toBe(64);
    expect(direction.stderr).toContain('--direction must be one of down, up, both');

    const instant = await cli(['sync', '--config', config, '--now', '2026-11-30T11:30:00']);
    expect(instant.code).toBe(64);
    expect(instant.stderr).toContain('--now must be an ISO 8601 instant with its offset');

    const { EDUSIGN_API_KEY: _unset, ...withoutKey } = env;
    const unset = await cli(['sync', '--config', config], withoutKey);
    expect(unset.code).toBe(64);
    expect(unset.stderr).toContain('tenants[0].edusign.apiKey: environment variable EDUSIGN_API_KEY is not set');
  });

  it('refuses the simulators without --allow-loopback-http, and private addresses even with it, exit 64', async () => {
    const before = sandbox.aimaira.requests.length + sandbox.edusign.requests.length;
    const loopback = await rawCli(['sync', '--config', config, '--now', now, '--data-dir', dataDir(), '--json']);
    expect(loopback.code).toBe(64);
    expect(loopback.stdout).toBe('');
    expect(loopback.stderr).toContain(
      'tenant demo: aimaira.url: refused: 127.0.0.1 is a loopback address (127.0.0.0/8)',
    );
    expect(loopback.stderr).toContain('--allow-loopback-http accepts loopback URLs');
    const explained = await rawCli(['explain', '--config', config, '--tenant', 'demo', '--session', '1']);
    expect(explained.code).toBe(64);
    expect(explained.stderr).toContain('tenant demo: edusign.url: refused');

    const privateFile = writeConfig('private.json', [
      {
        ...tenant('demo'),
        aimaira: { url: 'https://10.0.0.1/GraphV1', username: 'u', password: 'p' },
        edusign: { url: 'https://169.254.169.254/', apiKey: 'k' },
      },
    ]);
    const refused = await cli(['sync', '--config', privateFile, '--data-dir', dataDir(), '--json']);
    expect(refused.code).toBe(64);
    expect(refused.stderr).toContain('tenant demo: aimaira.url: refused: 10.0.0.1 is a private address (10.0.0.0/8)');
    expect(refused.stderr).toContain(
      'tenant demo: edusign.url: refused: 169.254.169.254 is the cloud metadata address',
    );
    expect(refused.stderr).not.toContain('--allow-loopback-http');
    expect(sandbox.aimaira.requests.length + sandbox.edusign.requests.length).toBe(before);
  });

  it('explain answers with plain data, exit 0, also for a session Aimaira does not know', async () => {
    const [createdToday] = sandbox.scenario.manifest.sessions.createdToday;
    const args = ['explain', '--config', config, '--tenant', 'demo', '--now', now, '--data-dir', dataDir()];
    const json = await cli([...args, '--session', String(createdToday), '--json']);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    const explanation = JSON.parse(json.stdout) as SessionExplanation;
    expect(explanation).toMatchObject({ found: true, sessionId: createdToday, eligible: false, edusign: null });
    expect(explanation.found && explanation.exclusions.map((reason) => reason.code)).toEqual(['CREATED_TODAY']);

    const text = await cli([...args, '--session', String(createdToday)]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Comes down: no');
    expect(text.stdout).toContain('CREATED_TODAY: The session was created in Aimaira today');

    const unknown = await cli([...args, '--session', '1']);
    expect(unknown.code).toBe(0);
    expect(unknown.stdout).toContain('no such session in Aimaira');

    const noTenant = await cli(['explain', '--config', config, '--session', '1']);
    expect(noTenant.code).toBe(64);
    expect(noTenant.stderr).toContain("'--tenant <id>'");
  });
});

describe('the progress bar', () => {
  const fakeStream = (isTTY: boolean) => {
    const written: string[] = [];
    return { written, stream: { isTTY, columns: 80, write: (text: string) => written.push(text) > 0 } };
  };

  it('draws on a terminal, in place, and clears its line when done', () => {
    const { written, stream } = fakeStream(true);
    let clock = 0;
    const bar = createProgressBar(stream, 'demo down', () => clock);
    bar.status('reading Aimaira and Edusign...');
    bar.update(1, 4);
    bar.update(2, 4); // too soon after the last redraw: skipped
    clock += 1_000;
    bar.update(3, 4);
    bar.update(4, 4); // the last one is always drawn
    bar.finish();
    expect(written).toHaveLength(5);
    expect(written.every((text) => text.startsWith('\r\x1b[2K'))).toBe(true);
    expect(written[3]).toContain('4/4  100%');
    expect(written[4]).toBe('\r\x1b[2K');
  });

  it('writes nothing when the stream is not a terminal', () => {
    const { written, stream } = fakeStream(false);
    const bar = createProgressBar(stream, 'demo down');
    bar.status('reading...');
    bar.update(1, 1);
    bar.finish();
    expect(written).toEqual([]);
  });

  it('fits the bar to the width', () => {
    expect(renderProgress('demo down', 5, 10, 80)).toMatch(/^demo down {2}\[#{20}-{20}\] {2}5\/10 {2}50%$/);
    expect(renderProgress('t', 0, 0, 30)).toContain('0/0  100%');
  });
});
