import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { openStore, parseStoreUrl } from './open.js';
import { redactUrl } from './postgres.js';
import { sqliteFileName } from './sqlite.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('parseStoreUrl', () => {
  it('reads sqlite:PATH, sqlite:///PATH, a plain path and sqlite::memory: as the SQLite file', () => {
    expect(parseStoreUrl('sqlite:data/state.sqlite')).toEqual({
      kind: 'sqlite',
      options: { file: 'data/state.sqlite' },
    });
    expect(parseStoreUrl('sqlite:/var/lib/x.sqlite')).toEqual({
      kind: 'sqlite',
      options: { file: '/var/lib/x.sqlite' },
    });
    expect(parseStoreUrl('sqlite:///var/lib/x.sqlite')).toEqual({
      kind: 'sqlite',
      options: { file: '/var/lib/x.sqlite' },
    });
    expect(parseStoreUrl('./x.sqlite')).toEqual({ kind: 'sqlite', options: { file: './x.sqlite' } });
    expect(parseStoreUrl('C:\\data\\x.sqlite')).toEqual({ kind: 'sqlite', options: { file: 'C:\\data\\x.sqlite' } });
    expect(parseStoreUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', options: { file: ':memory:' } });
  });

  it('reads an existing folder as the data folder holding state.sqlite', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'open-store-'));
    dirs.push(dir);
    expect(parseStoreUrl(dir)).toEqual({ kind: 'sqlite', options: { dataDir: dir } });
    expect(parseStoreUrl(`sqlite:${dir}`)).toEqual({ kind: 'sqlite', options: { dataDir: dir } });
  });

  it('reads postgres:// and postgresql:// as PostgreSQL', () => {
    expect(parseStoreUrl('postgres://u@h/db')).toEqual({ kind: 'postgres', url: 'postgres://u@h/db' });
    expect(parseStoreUrl('PostgreSQL://h:5433/db')).toEqual({ kind: 'postgres', url: 'PostgreSQL://h:5433/db' });
  });

  it('refuses anything else, naming the accepted forms and never the password', () => {
    const attempt = () => parseStoreUrl('mysql://admin:hunter2@db.example/prod?password=hunter2');
    expect(attempt).toThrow(/Unknown store URL mysql:\/\/\*\*\*@db\.example\/prod; accepted: sqlite:PATH/);
    expect(attempt).not.toThrow(/hunter2/);
    expect(() => parseStoreUrl('')).toThrow(/postgres:\/\//);
    expect(() => parseStoreUrl('sqlite:')).toThrow(/needs a path/);
  });
});

describe('redactUrl', () => {
  it('keeps scheme, host and path; drops user, password and query', () => {
    expect(redactUrl('postgres://me:pw@h:5432/db?sslpassword=x')).toBe('postgres://***@h:5432/db');
    expect(redactUrl('postgres://h/db')).toBe('postgres://h/db');
    expect(redactUrl('postgres://me:p@ss@w/rd@h/db')).toBe('postgres://***@h/db');
    expect(redactUrl('postgres://me:pa?ss@h/db')).toBe('postgres://***@h/db');
    expect(redactUrl('postgres://h/db?user=a@b&password=x')).toBe('postgres://***@b');
    expect(redactUrl('postgres:///db?host=/run/postgresql&password=x')).toBe('postgres:///db');
    expect(redactUrl('mysql:whatever')).toBe('mysql:…');
    expect(redactUrl('not a url')).toBe('(not a URL)');
  });
});

describe('openStore', () => {
  it('opens a SQLite file given as sqlite:PATH, with the tenant and schedule stores', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'open-store-'));
    dirs.push(dir);
    const stores = await openStore(dir);
    try {
      expect(await stores.tenants.list()).toEqual([]);
      expect(await stores.schedule.listLocks()).toEqual([]);
      expect(await stores.listRuns('t')).toEqual([]);
    } finally {
      await stores.close();
    }
    const again = await openStore(`sqlite:${join(dir, sqliteFileName)}`);
    await again.close();
  });
});
