import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';

import { adminFileName, saveAdminPasswordHash } from '../service/admin-password.js';
import { keyFileName, loadMasterKeys } from '../service/secrets.js';
import { openSqliteStore, sqliteFileName, sqliteFiles } from './sqlite.js';
import type { SqliteStateStore } from './sqlite.js';

const tempDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'store-modes-'));
  tempDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

/** A write, so that SQLite has its -wal and -shm beside the database. */
async function writeSomething(store: SqliteStateStore): Promise<void> {
  const link = { tenantId: 'acme', kind: 'learner', aimairaId: 1, edusignId: 'e1', hash: 'h', data: {} } as const;
  await store.saveLink({ ...link, origin: 'created' }, '2026-01-01T00:00:00.000Z');
}

describe.skipIf(process.platform === 'win32')('the data folder keeps learners to its owner', () => {
  it('creates the folder 0700 and the database, its -wal and -shm 0600, whatever the umask', async () => {
    const previous = process.umask(0o002); // a lax umask: group and others could read what is made
    const dataDir = join(await tempDir(), 'nested', 'data');
    try {
      const store = await openSqliteStore({ dataDir });
      try {
        await writeSomething(store);
        for (const path of sqliteFiles(store.file)) {
          expect.soft(await modeOf(path), path).toBe(0o600);
        }
        expect(await modeOf(dataDir)).toBe(0o700);
        expect(await modeOf(join(dataDir, '..'))).toBe(0o700); // made by the same open
        expect(store.tightened).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      process.umask(previous);
    }
  });

  it("tightens an older install's folder, database, -wal and -shm, and says so", async () => {
    const dataDir = await tempDir();
    await chmod(dataDir, 0o755);
    const file = join(dataDir, sqliteFileName);
    const previous = process.umask(0o022);
    try {
      // An older install: the files as SQLite made them then, 0644, still open so that -wal and -shm stay.
      const old = new BetterSqlite3(file);
      old.pragma('journal_mode = WAL');
      old.exec('create table t (x); insert into t values (1);');
      for (const path of sqliteFiles(file)) expect(await modeOf(path)).toBe(0o644);
      const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      try {
        const store = await openSqliteStore({ dataDir });
        try {
          expect(store.tightened).toEqual([dataDir, ...sqliteFiles(file)]);
          expect(warnings).toHaveBeenCalledOnce();
          expect(String(warnings.mock.calls[0]?.[0])).toContain(file);
          expect(await modeOf(dataDir)).toBe(0o700);
          for (const path of sqliteFiles(file)) expect(await modeOf(path)).toBe(0o600);
        } finally {
          await store.close();
        }
      } finally {
        warnings.mockRestore();
        old.close();
      }
    } finally {
      process.umask(previous);
    }
  });

  it('leaves the folder of a store file that is not a data folder as it is', async () => {
    const folder = await tempDir();
    await chmod(folder, 0o755);
    const store = await openSqliteStore({ file: join(folder, 'other.sqlite') });
    try {
      expect(await modeOf(folder)).toBe(0o755);
      expect(await modeOf(store.file)).toBe(0o600);
    } finally {
      await store.close();
    }
  });

  it('makes the data folder 0700 when the administrator password is the first thing in it (a PostgreSQL store)', async () => {
    const previous = process.umask(0o002);
    const dataDir = join(await tempDir(), 'admin-first');
    try {
      await saveAdminPasswordHash(join(dataDir, adminFileName), 'scrypt$hash');
      expect(await modeOf(dataDir)).toBe(0o700);
      expect(await modeOf(join(dataDir, adminFileName))).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });

  it('every file the service writes in the data folder is 0600: store, master key, administrator password', async () => {
    const previous = process.umask(0o002);
    const dataDir = join(await tempDir(), 'data');
    try {
      await loadMasterKeys({ keyFile: join(dataDir, keyFileName), create: true });
      const store = await openSqliteStore({ dataDir });
      try {
        await writeSomething(store);
        await saveAdminPasswordHash(join(dataDir, adminFileName), 'scrypt$hash');
        expect(await modeOf(dataDir)).toBe(0o700);
        const names = await readdir(dataDir);
        expect(names).toEqual(expect.arrayContaining([keyFileName, adminFileName, sqliteFileName]));
        for (const name of names) expect.soft(await modeOf(join(dataDir, name)), name).toBe(0o600);
      } finally {
        await store.close();
      }
    } finally {
      process.umask(previous);
    }
  });
});
