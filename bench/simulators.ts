/**
 * The simulators of a benchmark, in a child process (`aimaira-edusign sim`), so that the memory a benchmark prints
 * is the connector's alone. Credentials and URLs are read from what `sim` prints.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

import type { RecordedRequest } from '../sim/shared/http-server.js';

export interface BenchSimulators {
  child: ChildProcess;
  aimairaUrl: string;
  edusignUrl: string;
  username: string;
  password: string;
  edusignKey: string;
  stop(): Promise<void>;
}

export interface BenchSimulatorOptions {
  size: string;
  now: Date;
  latencyMs?: number;
  edusignPerMinute?: number;
}

export async function startBenchSimulators(options: BenchSimulatorOptions): Promise<BenchSimulators> {
  const args = [
    'bin/aimaira-edusign',
    'sim',
    '--scenario',
    options.size,
    '--seed',
    '1',
    '--now',
    options.now.toISOString(),
  ];
  if (options.latencyMs !== undefined) args.push('--latency', String(options.latencyMs));
  if (options.edusignPerMinute !== undefined) args.push('--edusign-per-minute', String(options.edusignPerMinute));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Stop with Ctrl-C')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`simulators exited with ${code}: ${output}`)));
  });
  const field = (pattern: RegExp) => {
    const match = pattern.exec(output);
    if (!match?.[1]) throw new Error(`cannot read ${String(pattern)} from the simulators' output`);
    return match[1];
  };
  return {
    child,
    aimairaUrl: field(/Aimaira\s+(\S+)/),
    edusignUrl: field(/Edusign\s+(\S+)/),
    username: field(/username (\S+)/),
    password: field(/password (\S+)/),
    edusignKey: field(/Bearer\s+(\S+)/),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** Calls a simulator's `/__sim/` admin route. */
export async function simAdmin(url: string, path: string, method: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${new URL(url).origin}/__sim/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return await response.json();
}

/** The requests a simulator recorded since the last call, and clears them. */
export const takeRequests = async (url: string) => (await simAdmin(url, 'requests', 'DELETE')) as RecordedRequest[];
