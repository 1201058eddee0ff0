/**
 * `sync --config` and `explain --config` hold the configuration file's URLs to the tenant URL policy before anything
 * else: no look-up, no socket, no store.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { UrlPolicyErrors } from '../service/url-policy.js';
import { runExplainCommand } from './explain.js';
import { runSyncCommand } from './sync.js';

/** Any socket opened by the command would go through here; none may be. */
const spyOnSockets = () => vi.spyOn(Socket.prototype, 'connect');

const silent = { stdout: { write: () => true }, stderr: { write: () => true } };

describe('a configuration file whose URLs the policy refuses', () => {
  let dir: string;
  let connect: ReturnType<typeof spyOnSockets>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'config-url-policy-'));
    connect = spyOnSockets();
  });
  afterEach(() => {
    connect.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  });

  const configWith = (aimaira: string, edusign: string) => {
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        tenants: [{ id: 'acme', aimaira: { url: aimaira, apiKey: 'k' }, edusign: { url: edusign, apiKey: 'k' } }],
      }),
    );
    return file;
  };

  it.each([
    ['https://10.0.0.1/GraphV1', 'https://169.254.169.254/', ['private', 'metadata']],
    ['https://[::ffff:127.0.0.1]/GraphV1', 'https://[fd00:ec2::254]/', ['loopback', 'metadata']],
    ['https://[2002:a00:1::1]/GraphV1', 'https://192.88.99.1/', ['reserved', 'reserved']],
    ['https://[64:ff9b:1::a00:1]/GraphV1', 'https://[2001::1]/', ['reserved', 'reserved']],
  ])('sync and explain refuse %s and %s before any socket or store opens', async (aimaira, edusign, refusals) => {
    const config = configWith(aimaira, edusign);
    const dataDir = join(dir, 'data');
    for (const allowLoopbackHttp of [false, true]) {
      const sync = runSyncCommand(
        { config, direction: 'both', dryRun: false, json: true, dataDir, allowLoopbackHttp },
        silent,
      );
      const syncError = (await sync.catch((thrown: unknown) => thrown)) as UrlPolicyErrors;
      expect(syncError).toBeInstanceOf(UrlPolicyErrors);
      // A loopback written as IPv6 is loopback all the same: allowed for the simulators, and only on http or https.
      const expected = allowLoopbackHttp ? refusals.filter((refusal) => refusal !== 'loopback') : refusals;
      expect(syncError.errors.map((error) => error.refusal)).toEqual(expected);
      expect(syncError.errors.every((error) => error.field.startsWith('tenant acme: '))).toBe(true);

      const explain = runExplainCommand(
        { config, tenant: 'acme', session: 1, json: true, dataDir, allowLoopbackHttp },
        silent,
      );
      const explainError = await explain.catch((thrown: unknown) => thrown);
      expect(explainError).toBeInstanceOf(Error);
      expect((explainError as Error).message).toContain('tenant acme: edusign.url: refused');
    }
    expect(connect).not.toHaveBeenCalled();
    expect(existsSync(join(dataDir, 'state.sqlite'))).toBe(false);
  });

  it('names --allow-loopback-http when the simulators would pass with it', async () => {
    const config = configWith('http://127.0.0.1:4010/GraphV1', 'http://127.0.0.1:4011/');
    const error = (await runSyncCommand(
      { config, direction: 'down', dryRun: true, json: true, dataDir: join(dir, 'data') },
      silent,
    ).catch((thrown: unknown) => thrown)) as UrlPolicyErrors;
    expect(error.issues).toEqual([
      'tenant acme: aimaira.url: refused: 127.0.0.1 is a loopback address (127.0.0.0/8) (allowed only for the simulators of the sandbox)',
      'tenant acme: edusign.url: refused: 127.0.0.1 is a loopback address (127.0.0.0/8) (allowed only for the simulators of the sandbox)',
      '(--allow-loopback-http accepts loopback URLs, for the simulators only)',
    ]);
    expect(connect).not.toHaveBeenCalled();
  });
});
