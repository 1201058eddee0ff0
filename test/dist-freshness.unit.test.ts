/**
 * The rule of bin/aimaira-edusign: the compiled dist/ runs only when its build is complete and no source changed
 * since the build started; otherwise the sources run through tsx. Proved on a copy of the bin in a temporary tree
 * whose two entry points say which one ran: src/cli/main.ts (TypeScript, so only tsx can run it) and
 * dist/src/cli/main.js. The build's own stamp steps are package.json's prebuild and postbuild scripts, run as they are.
 */
import { execFile, execSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const scripts = (
  JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const trees: string[] = [];
afterEach(() => {
  for (const tree of trees.splice(0)) rmSync(tree, { recursive: true, force: true });
});

function write(tree: string, path: string, text: string): void {
  mkdirSync(dirname(join(tree, path)), { recursive: true });
  writeFileSync(join(tree, path), text);
}

/** Sets the mtime of `path` and of everything under it. */
function age(path: string, seconds: number): void {
  const time = Date.now() / 1000 - seconds;
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path, { withFileTypes: true, recursive: true })) {
      utimesSync(join(entry.parentPath, entry.name), time, time);
    }
  }
  utimesSync(path, time, time);
}

/** A project tree: the real bin, sources written 100 s ago; with `built`, a build stamped 50 s ago. */
function makeTree(built: boolean): string {
  const tree = mkdtempSync(join(tmpdir(), 'aimaira-edusign-bin-'));
  trees.push(tree);
  mkdirSync(join(tree, 'bin'));
  copyFileSync(join(projectRoot, 'bin/aimaira-edusign'), join(tree, 'bin/aimaira-edusign'));
  symlinkSync(join(projectRoot, 'node_modules'), join(tree, 'node_modules'), 'dir');
  write(tree, 'package.json', '{ "type": "module" }\n');
  write(tree, 'tsconfig.json', '{}\n');
  write(tree, 'tsconfig.build.json', '{}\n');
  write(
    tree,
    'src/cli/main.ts',
    'export function main(argv: readonly string[]): Promise<number> {\n' +
      "  process.stdout.write(`sources ${argv.join(' ')}`);\n" +
      '  return Promise.resolve(3);\n}\n',
  );
  write(tree, 'src/cli/main.unit.test.ts', '// a test: not part of the build\n');
  write(tree, 'sim/shared/profile.ts', 'export const profile: string = "default";\n');
  age(join(tree, 'src'), 100);
  age(join(tree, 'sim'), 100);
  age(join(tree, 'tsconfig.json'), 100);
  age(join(tree, 'tsconfig.build.json'), 100);
  if (built) {
    writeDistMain(tree);
    write(tree, 'dist/.build-stamp', '');
    age(join(tree, 'dist'), 50);
  }
  return tree;
}

function writeDistMain(tree: string): void {
  write(
    tree,
    'dist/src/cli/main.js',
    "export async function main(argv) {\n  process.stdout.write(`dist ${argv.join(' ')}`);\n  return 4;\n}\n",
  );
}

function runBin(tree: string, env: Record<string, string> = {}): Promise<Run> {
  const environment: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (env['AIMAIRA_EDUSIGN_FROM'] === undefined) delete environment['AIMAIRA_EDUSIGN_FROM'];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(tree, 'bin/aimaira-edusign'), 'sync', '--help'],
      { cwd: tree, env: environment, timeout: 20_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

const ranDist = { code: 4, stdout: 'dist sync --help' };
const ranSources = { code: 3, stdout: 'sources sync --help' };

describe('which code bin/aimaira-edusign runs', () => {
  it('runs dist/ when its build is fresh, with the arguments and exit status of main', async () => {
    expect(await runBin(makeTree(true))).toMatchObject(ranDist);
  });

  it('runs the sources when there is no dist/', async () => {
    expect(await runBin(makeTree(false))).toMatchObject(ranSources);
  });

  it('runs the sources once a source file is edited after the build', async () => {
    const tree = makeTree(true);
    writeFileSync(join(tree, 'src/cli/main.ts'), readFileSync(join(tree, 'src/cli/main.ts'), 'utf8') + '\n');
    expect(await runBin(tree)).toMatchObject(ranSources);
  });

  it('runs the sources once a file is added or removed under sim/, or tsconfig.json changes', async () => {
    const added = makeTree(true);
    write(added, 'sim/shared/new.ts', 'export {};\n');
    age(join(added, 'sim/shared/new.ts'), 200);
    const removed = makeTree(true);
    rmSync(join(removed, 'sim/shared/profile.ts'));
    const configured = makeTree(true);
    writeFileSync(join(configured, 'tsconfig.json'), '{ "compilerOptions": {} }\n');
    const runs = await Promise.all([added, removed, configured].map((tree) => runBin(tree)));
    for (const run of runs) expect(run).toMatchObject(ranSources);
  });

  it('keeps dist/ when only a test file changed', async () => {
    const tree = makeTree(true);
    writeFileSync(join(tree, 'src/cli/main.unit.test.ts'), '// edited\n');
    expect(await runBin(tree)).toMatchObject(ranDist);
  });

  it('AIMAIRA_EDUSIGN_FROM=sources forces the sources; =dist fails rather than run a stale build', async () => {
    const fresh = makeTree(true);
    const stale = makeTree(true);
    utimesSync(join(stale, 'src/cli/main.ts'), new Date(), new Date());
    const [forced, refused] = await Promise.all([
      runBin(fresh, { AIMAIRA_EDUSIGN_FROM: 'sources' }),
      runBin(stale, { AIMAIRA_EDUSIGN_FROM: 'dist' }),
    ]);
    expect(forced).toMatchObject(ranSources);
    expect(refused.code).toBe(70);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('older than the sources');
  });

  it("package.json's build steps stamp the build's start: an edit during the build, or a failed build, runs the sources", async () => {
    const build = (tree: string, during: () => void, succeeds = true) => {
      execSync(scripts['prebuild'] ?? 'false', { cwd: tree, stdio: 'ignore' });
      // What tsc does: writes dist/ (the stamp's rename keeps its mtime, taken when the build started).
      writeDistMain(tree);
      during();
      if (succeeds) execSync(scripts['postbuild'] ?? 'false', { cwd: tree, stdio: 'ignore' });
    };
    const clean = makeTree(false);
    build(clean, () => undefined);
    const edited = makeTree(false);
    // An edit while tsc runs: after the build started, so the build may not have seen it.
    build(edited, () => {
      writeFileSync(join(edited, 'src/cli/main.ts'), readFileSync(join(edited, 'src/cli/main.ts'), 'utf8') + '\n');
    });
    const failed = makeTree(true);
    build(failed, () => undefined, false);
    expect(scripts['build']).toBe('tsc -p tsconfig.build.json');
    const [cleanRun, editedRun, failedRun] = await Promise.all([runBin(clean), runBin(edited), runBin(failed)]);
    expect(cleanRun).toMatchObject(ranDist);
    expect(editedRun).toMatchObject(ranSources);
    expect(failedRun).toMatchObject(ranSources);
  });
});
