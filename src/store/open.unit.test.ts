import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { dataDirStoreUrl, describeStoreLocation, openStore, parseStoreUrl } from './open.js';
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

  it('takes the schema out of a PostgreSQL URL, leaving the connection parameters to pg as written', () => {
    expect(parseStoreUrl('postgres://127.0.0.1:5432/test?schema=tenant_a')).toEqual({
      kind: 'postgres',
      url: 'postgres://127.0.0.1:5432/test',
      schema: 'tenant_a',
    });
    expect(parseStoreUrl('postgres://u:p@h/db?sslmode=require&schema=t_1&application_name=a%20b#x')).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@h/db?sslmode=require&application_name=a%20b#x',
      schema: 't_1',
    });
    expect(parseStoreUrl('postgres://h/db?sslmode=disable')).toEqual({
      kind: 'postgres',
      url: 'postgres://h/db?sslmode=disable',
    });
  });

  it('refuses a schema it would have to quote, or two of them, without showing the password', () => {
    expect(() => parseStoreUrl('postgres://me:hunter2@h/db?schema=Tenant')).toThrow(/schema name .*"Tenant"/);
    expect(() => parseStoreUrl('postgres://h/db?schema=')).toThrow(/schema name/);
    const twice = () => parseStoreUrl('postgres://me:hunter2@h/db?schema=a&schema=b');
    expect(twice).toThrow(/postgres:\/\/\*\*\*@h\/db names its schema twice/);
    expect(twice).not.toThrow(/hunter2/);
  });

  it('refuses anything else, naming the accepted forms and never the password', () => {
    const attempt = () => parseStoreUrl('mysql://admin:hunter2@db.example/prod?password=hunter2');
    expect(attempt).toThrow(/Unknown store URL mysql:\/\/\*\*\*@db\.example\/prod; accepted: sqlite:PATH/);
    expect(attempt).not.toThrow(/hunter2/);
    expect(() => parseStoreUrl('')).toThrow(/postgres:\/\//);
    expect(() => parseStoreUrl('sqlite:')).toThrow(/needs a path/);
  });
});

describe('describeStoreLocation', () => {
  it('names a SQLite store by its absolute file, a PostgreSQL one by its URL without credentials, with its schema', () => {
    expect(describeStoreLocation(parseStoreUrl('sqlite:/var/lib/x.sqlite'))).toBe('/var/lib/x.sqlite');
    expect(describeStoreLocation(parseStoreUrl(dataDirStoreUrl('/srv/data')))).toBe(join('/srv/data', sqliteFileName));
    expect(describeStoreLocation(parseStoreUrl('sqlite::memory:'))).toBe('sqlite::memory:');
    expect(describeStoreLocation(parseStoreUrl('postgres://me:pw@h:5432/db?schema=t_a&sslmode=require'))).toBe(
      'postgres://***@h:5432/db?schema=t_a',
    );
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

  it('creates no missing SQLite file when told not to: an empty in-memory store answers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'open-store-'));
    dirs.push(dir);
    const file = join(dir, 'sub', sqliteFileName);
    const stores = await openStore(`sqlite:${file}`, { createMissing: false });
    try {
      expect(await stores.listRuns('t')).toEqual([]);
    } finally {
      await stores.close();
    }
    expect(existsSync(join(dir, 'sub'))).toBe(false);
  });

  it('refuses two different schemas, one in the URL and one in the options', async () => {
    await expect(openStore('postgres://h/db?schema=a', { schema: 'b' })).rejects.toThrow(/Two schemas/);
  });
});
