/**
 * The connector's command line in a child process, as an operator runs it: its stdout read as JSON log lines as
 * they come, a wait for the first line that passes a test, its exit. Kill it with `child.kill(signal)`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

export const repositoryRoot = resolve(import.meta.dirname, '..');
export const bin = join(repositoryRoot, 'bin/aimaira-edusign');

export type LogLine = Record<string, unknown> & { msg?: string };

export interface CommandProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  lines: LogLine[];
  stdout(): string;
  stderr(): string;
  /** The first line (already logged or to come) that passes `test`, or a rejection after `ms` or at exit. */
  waitFor(test: (line: LogLine) => boolean, ms: number, what: string): Promise<LogLine>;
  /** Ends it with SIGKILL if it still runs. */
  kill(): Promise<void>;
}

export function startCommand(args: readonly string[], env: NodeJS.ProcessEnv = {}): CommandProcess {
  // No administrator password from the environment unless given: the service shows its set-up link.
  const child = spawn(bin, args, {
    cwd: repositoryRoot,
    env: { ...process.env, AIMAIRA_EDUSIGN_ADMIN_PASSWORD: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let partial = '';
  const lines: LogLine[] = [];
  const waiters: { test: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const texts = (partial + chunk).split('\n');
    partial = texts.pop() ?? '';
    for (const text of texts) {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue; // not a log line
      }
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    exited,
    lines,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor(test, ms, what) {
      const known = lines.find(test);
      if (known) return Promise.resolve(known);
      return new Promise<LogLine>((resolveLine, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${what} within ${ms} ms; stderr: ${stderr.slice(-2000)}`)),
          ms,
        );
        waiters.push({
          test,
          resolve: (line) => {
            clearTimeout(timer);
            resolveLine(line);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`the command exited (${code}) before ${what}; stderr: ${stderr.slice(-2000)}`));
        });
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** The URL a service logs when it listens (`service listening on http://...`). */
export async function serviceUrl(service: CommandProcess, ms = 30_000): Promise<string> {
  const line = await service.waitFor((candidate) => typeof candidate['url'] === 'string', ms, 'listening line');
  return String(line['url']);
}
