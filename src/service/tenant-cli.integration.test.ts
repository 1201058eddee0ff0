/**
 * `tenant ...` through the real binary (`node bin/aimaira-edusign tenant ...`) on a real SQLite file, and
 * `tenant check` against the simulators: passing, then failing in plain words with a wrong password and with an
 * unknown or archived default professor.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox } from '../../sim/sandbox.js';
import type { Sandbox } from '../../sim/sandbox.js';
import { registerTenantCommand } from '../cli/tenant.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { PreflightReport } from '../domain/preflight.js';
import type { TenantCheckReport } from './check.js';
import type { TenantView } from './tenants.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the tenant command', { timeout: 120_000 }, () => {
  let sandbox: Sandbox;
  let dir: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let secrets: string[];
  const outputs: string[] = [];

  const cli = (args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        ['bin/aimaira-edusign', 'tenant', ...args],
        { cwd: projectRoot, env: { ...env, ...extraEnv }, timeout: 60_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          outputs.push(stdout, stderr);
          resolve({ code, stdout, stderr });
        },
      );
    });
  const local = () => ['--data-dir', dataDir, '--allow-loopback-http'];
  const school = () => sandbox.edusign.school(sandbox.scenario.credentials.edusign.apiKey);

  beforeAll(async () => {
    sandbox = await startSandbox({ size: 'small', seed: 3 });
    dir = mkdtempSync(join(tmpdir(), 'aimaira-edusign-tenant-'));
    dataDir = join(dir, 'data');
    const { aimaira, edusign } = sandbox.scenario.credentials;
    secrets = [aimaira.password, aimaira.apiKey, edusign.apiKey];
    env = {
      ...process.env,
      AIMAIRA_PASSWORD: aimaira.password,
      AIMAIRA_API_KEY: aimaira.apiKey,
      EDUSIGN_API_KEY: edusign.apiKey,
      WRONG_PASSWORD: 'not-the-password',
    };
    delete env['AIMAIRA_EDUSIGN_MASTER_KEY'];
    delete env['AIMAIRA_EDUSIGN_MASTER_KEY_FILE'];
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const addDemo = (extra: string[] = []) =>
    cli([
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
      '--option',
      'sendAttendance=true',
      ...extra,
    ]);

  it('refuses the simulators’ loopback URLs unless allowed, and a variable that is not set', async () => {
    const refused = await addDemo(['--data-dir', dataDir]);
    expect(refused.code).toBe(64);
    expect(refused.stderr).toContain('aimaira.url: refused: 127.0.0.1 is a loopback address');
    expect(refused.stderr).toContain('--allow-loopback-http');

    const missing = await cli([
      'add',
      'x',
      '--aimaira-url',
      'https://8.8.8.8',
      '--aimaira-api-key-env',
      'NOT_SET_ANYWHERE',
      '--edusign-api-key-env',
      'EDUSIGN_API_KEY',
      ...local(),
    ]);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain('--aimaira-api-key-env: the environment variable NOT_SET_ANYWHERE is not set');
  });

  it('adds a tenant, creating the key file readable by its owner only and saying so', async () => {
    const added = await addDemo(local());
    expect(added.stderr).toMatch(/Created the master key file .*master\.key \(readable by its owner only\)/);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('Added tenant demo.');
    expect(added.stdout).toContain('password set');
    expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);

    const again = await addDemo(local());
    expect(again.code).toBe(64);
    expect(again.stderr).toContain('tenant "demo" exists already');
  });

  it('lists and shows the tenant without a secret', async () => {
    const list = await cli(['list', '--data-dir', dataDir]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+STATUS\s+AIMAIRA\s+EDUSIGN\ndemo\s+active\s+http:\/\/127\.0\.0\.1/);

    const show = await cli(['show', 'demo', '--data-dir', dataDir, '--json']);
    expect(show.code).toBe(0);
    const view = JSON.parse(show.stdout) as TenantView;
    expect(view).toMatchObject({
      id: 'demo',
      status: 'active',
      aimaira: { url: sandbox.aimaira.rootUrl, password: 'set', apiKey: 'not set' },
      edusign: { url: sandbox.edusign.url, apiKey: 'set' },
      options: { sendAttendance: true },
    });
    const text = await cli(['show', 'demo', '--data-dir', dataDir]);
    expect(text.stdout).toContain('sign-in: username DEMO\\api@aimaira.fr, password set');

    const unknown = await cli(['show', 'nobody', '--data-dir', dataDir]);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('no tenant "nobody"');
  });

  it('passes the connection check against the simulators', async () => {
    const check = await cli(['check', 'demo', ...local()]);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('Connection check of tenant demo:');
    expect(check.stdout).toMatch(/ok\s+aimaira\.access\s+Signed in to Aimaira/);
    expect(check.stdout).toMatch(
      /ok\s+aimaira\.typeCodes\s+Found the type codes SEANCE, EVENEMENT, APPRENANT, PROF, SALLE, GROUPE/,
    );
    expect(check.stdout).toMatch(/ok\s+edusign\.access\s+Signed in to Edusign/);
    expect(check.stdout).toContain('Every check passed.');
  });

  it('runs the preflight with --deep, reads only, prints it and keeps it for the tenant’s runs', async () => {
    const writesBefore = sandbox.edusign.requests.filter((r) => r.method !== 'GET').length;
    const text = await cli(['check', 'demo', '--deep', ...local()]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Every check passed.');
    expect(text.stdout).toContain('Preflight of tenant demo');
    expect(text.stdout).toMatch(/ok\s+aimaira\.filter\s+`in` lists/);
    expect(text.stdout).toMatch(/→ .*configured origin/);

    const json = await cli(['check', 'demo', '--deep', ...local(), '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as TenantCheckReport & { preflight: PreflightReport };
    expect(report.ok).toBe(true);
    expect(report.preflight.findings).toHaveLength(13);
    expect(report.preflight.findings.find((finding) => finding.point === 'aimaira.objects')?.data).toEqual({
      objects: 'collection',
    });
    expect(sandbox.aimaira.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(sandbox.edusign.requests.filter((r) => r.method !== 'GET').length).toBe(writesBefore);

    const store = await openSqliteStore({ dataDir });
    try {
      expect(await store.getPreflight('demo')).toEqual(report.preflight);
    } finally {
      await store.close();
    }
  });

  it('fails the check with a wrong password, in plain words, exit status 2', async () => {
    expect((await cli(['update', 'demo', '--aimaira-password-env', 'WRONG_PASSWORD', ...local()])).code).toBe(0);
    const check = await cli(['check', 'demo', ...local(), '--json']);
    expect(check.code).toBe(2);
    const report = JSON.parse(check.stdout) as TenantCheckReport;
    expect(report.ok).toBe(false);
    expect(report.checks).toContainEqual({
      check: 'aimaira.access',
      ok: false,
      message: 'Aimaira refused the credentials (HTTP 401): check the username and password (or the API key).',
    });
    expect(report.checks).toContainEqual({
      check: 'aimaira.typeCodes',
      ok: false,
      message: 'Not checked: Aimaira could not be read.',
    });
    expect(report.checks.find((finding) => finding.check === 'edusign.access')?.ok).toBe(true);
    expect(check.stdout).not.toContain('not-the-password');
    expect((await cli(['update', 'demo', '--aimaira-password-env', 'AIMAIRA_PASSWORD', ...local()])).code).toBe(0);
  });

  it('fails the check on an unknown or archived default professor, and passes on an existing one', async () => {
    const unknown = await cli([
      'update',
      'demo',
      '--option',
      'importEvenementsCommuns=true',
      '--option',
      'defaultProfsForEvenementsCommun=no-such-professor',
      ...local(),
    ]);
    expect(unknown.code).toBe(0);
    let check = await cli(['check', 'demo', ...local()]);
    expect(check.code).toBe(2);
    expect(check.stdout).toMatch(
      /FAIL\s+edusign\.defaultProfessor\s+defaultProfsForEvenementsCommun is no-such-professor, but Edusign has no professor with that id/,
    );
    expect(check.stdout).toContain('1 problem found.');

    const professor = school().createProfessor({ FIRSTNAME: 'Vie', LASTNAME: 'Scolaire', EMAIL: 'vie@example.org' });
    await cli(['update', 'demo', '--option', `defaultProfsForEvenementsCommun=${professor.ID}`, ...local()]);
    check = await cli(['check', 'demo', ...local()]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain(`defaultProfsForEvenementsCommun ${professor.ID} exists on Edusign.`);

    school().archiveProfessor(professor.ID);
    check = await cli(['check', 'demo', ...local()]);
    expect(check.code).toBe(2);
    expect(check.stdout).toContain(
      `defaultProfsForEvenementsCommun is ${professor.ID}, a professor archived on Edusign`,
    );
  });

  it('resumes a paused tenant whose check passes', async () => {
    await cli(['update', 'demo', '--option', 'defaultProfsForEvenementsCommun=null', ...local()]);
    const store = await openSqliteStore({ dataDir });
    await store.tenants.setStatus('demo', 'paused', 'the last 3 runs failed: Edusign down', new Date().toISOString());
    await store.close();
    const check = await cli(['check', 'demo', ...local()]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('The tenant was paused (the last 3 runs failed: Edusign down); it is active again.');
    expect(JSON.parse((await cli(['show', 'demo', '--data-dir', dataDir, '--json'])).stdout)).toMatchObject({
      status: 'active',
    });
  });

  it('imports every tenant of a configuration file, secrets from the environment', async () => {
    const file = join(dir, 'tenants.json');
    const tenant = (id: string) => ({
      id,
      aimaira: { url: sandbox.aimaira.rootUrl, apiKey: '${AIMAIRA_API_KEY}' },
      edusign: { url: sandbox.edusign.url, apiKey: '${EDUSIGN_API_KEY}' },
      options: { horizonDays: 7 },
    });
    writeFileSync(file, JSON.stringify({ tenants: [tenant('demo'), tenant('second')] }));
    const imported = await cli(['import', '--config', file, ...local(), '--json']);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toEqual({
      tenants: [
        { id: 'demo', action: 'updated' },
        { id: 'second', action: 'added' },
      ],
    });
    const check = await cli(['check', 'second', ...local()]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('with the API key');
  });

  it('rotates the master key: every secret re-encrypted, the old key gone, checks still pass', async () => {
    const before = JSON.parse((await cli(['show', 'demo', '--data-dir', dataDir, '--json'])).stdout) as TenantView;
    const rotated = await cli(['rotate-key', '--data-dir', dataDir, '--json']);
    expect(rotated.code).toBe(0);
    const rotation = JSON.parse(rotated.stdout) as {
      currentKeyId: string;
      reencrypted: number;
      retiredKeyIds: string[];
    };
    expect(rotation.reencrypted).toBe(4);
    expect(rotation.retiredKeyIds).toEqual(before.keyIds);
    const after = JSON.parse((await cli(['show', 'demo', '--data-dir', dataDir, '--json'])).stdout) as TenantView;
    expect(after.keyIds).toEqual([rotation.currentKeyId]);
    expect((await cli(['check', 'second', ...local()])).code).toBe(0);
  });

  it('removes a tenant', async () => {
    const removed = await cli(['remove', 'second', '--data-dir', dataDir]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('Removed tenant second');
    const list = JSON.parse((await cli(['list', '--data-dir', dataDir, '--json'])).stdout) as TenantView[];
    expect(list.map((tenant) => tenant.id)).toEqual(['demo']);
  });

  it('has --help on every subcommand', async () => {
    const help = await cli(['check', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: aimaira-edusign tenant check [options] <id>');
    // The others without a process each: the same help text, as commander builds it.
    const program = new Command('aimaira-edusign');
    registerTenantCommand(program, { exitCode: 0 });
    const tenant = program.commands.find((command) => command.name() === 'tenant');
    const names = tenant?.commands.map((command) => command.name());
    expect(names).toEqual([
      'add',
      'list',
      'show',
      'update',
      'remove',
      'import',
      'rotate-key',
      'check',
      'forget-person',
    ]);
    for (const command of tenant?.commands ?? []) {
      const text = command.helpInformation();
      expect(text, command.name()).toContain(`Usage: aimaira-edusign tenant ${command.name()}`);
      expect(text, command.name()).toContain('--data-dir');
    }
  });

  it('never printed a secret, and the data folder holds none in plaintext', async () => {
    // Its own data folder and commands, so that it holds whichever tests ran before it, or none.
    const ownDir = join(dir, 'secrets-check');
    const data = ['--data-dir', ownDir];
    const own = [...data, '--allow-loopback-http'];
    const file = join(dir, 'secrets-check.json');
    writeFileSync(
      file,
      JSON.stringify({
        tenants: [
          {
            id: 'keyed',
            aimaira: { url: sandbox.aimaira.rootUrl, apiKey: '${AIMAIRA_API_KEY}' },
            edusign: { url: sandbox.edusign.url, apiKey: '${EDUSIGN_API_KEY}' },
          },
        ],
      }),
    );
    const { aimaira } = sandbox.scenario.credentials;
    const commands: string[][] = [
      [
        'add',
        'sealed',
        '--aimaira-url',
        sandbox.aimaira.rootUrl,
        '--aimaira-username',
        aimaira.username,
        '--aimaira-password-env',
        'AIMAIRA_PASSWORD',
        '--edusign-url',
        sandbox.edusign.url,
        '--edusign-api-key-env',
        'EDUSIGN_API_KEY',
        ...own,
      ],
      ['import', '--config', file, ...own],
      ['list', ...data],
      ['show', 'sealed', ...data],
      ['show', 'keyed', ...data, '--json'],
      ['check', 'sealed', ...own],
      ['check', 'keyed', ...own],
      ['rotate-key', ...data],
    ];
    const printed: string[] = [];
    for (const args of commands) {
      const result = await cli(args);
      expect(result.code, args.slice(0, 2).join(' ')).toBe(0);
      printed.push(result.stdout, result.stderr);
    }
    // The commands did store and use the three secrets: the checks signed in with them.
    expect(printed.join('\n')).toContain('password set');
    expect(printed.join('\n')).toContain('with the API key');
    expect(printed.join('\n').match(/Every check passed\./g)).toHaveLength(2);
    const files = readdirSync(ownDir)
      .map((name) => join(ownDir, name))
      .filter((path) => statSync(path).isFile());
    expect(files.map((path) => path.slice(ownDir.length + 1))).toContain('master.key');
    expect(files.length).toBeGreaterThan(1);
    for (const secret of secrets) {
      // This test's output, and every other test's of this file that ran before it.
      expect(printed.join('\n')).not.toContain(secret);
      expect(outputs.join('\n')).not.toContain(secret);
      for (const path of files) expect(readFileSync(path).includes(Buffer.from(secret)), path).toBe(false);
    }
  });
});
