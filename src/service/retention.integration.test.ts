/**
 * Retention in the service: the cutoff, the passes (at start, then daily, on a stepped clock, against a real
 * SQLite store), and the settings page saying how long history is kept.
 */
import { Command } from 'commander';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { createSteppedClock } from '../../test/stepped-clock.js';
import { addServeOptions } from '../cli/serve.js';
import { TenantConfig } from '../config/config.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { SqliteStateStore } from '../store/sqlite.js';
import { settingsPage } from '../web/pages.js';
import { translator } from '../web/i18n.js';
import { createServiceDashboardDeps } from './dashboard-deps.js';
import {
  checkRetentionMonths,
  defaultRetentionMonths,
  retentionCutoff,
  retentionIntervalMs,
  retentionSettings,
  startRetention,
} from './retention.js';

const day = 24 * 60 * 60 * 1000;

describe('the retention cutoff', () => {
  it('is the same day that many months before, or the last day of a shorter month', () => {
    expect(retentionCutoff(Date.parse('2026-12-03T14:00:00.000Z'), 13)).toBe('2025-11-03T14:00:00.000Z');
    expect(retentionCutoff(Date.parse('2026-03-31T08:00:00.000Z'), 1)).toBe('2026-02-28T08:00:00.000Z');
    expect(retentionCutoff(Date.parse('2028-03-31T08:00:00.000Z'), 13)).toBe('2027-02-28T08:00:00.000Z');
    expect(retentionCutoff(Date.parse('2028-03-31T08:00:00.000Z'), 1)).toBe('2028-02-29T08:00:00.000Z');
  });

  it('is 13 months by default, and whole months from 1 only', () => {
    expect(defaultRetentionMonths).toBe(13);
    expect(retentionSettings(undefined)).toEqual({ months: 13 });
    expect(retentionSettings({ months: 6 })).toEqual({ months: 6 });
    for (const wrong of [0, -1, 1.5, Number.NaN]) expect(() => checkRetentionMonths(wrong)).toThrow(RangeError);
  });
});

describe('the retention passes', () => {
  let store: SqliteStateStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('delete old runs at start, then once a day, and stop before the store closes', async () => {
    store = await openSqliteStore({ file: ':memory:' });
    const clock = createSteppedClock('2026-12-03T14:00:00.000Z');
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const finish = async (endedAt: string) => {
      const run = await store!.startRun('acme', 'down', endedAt);
      await store!.appendEvents([
        {
          runId: run.id,
          tenantId: 'acme',
          at: endedAt,
          level: 'info',
          action: 'created',
          recordKind: 'sheet',
          aimairaId: 1,
          edusignId: 'c1',
          reason: null,
          message: 'sheet created',
        },
      ]);
      await store!.finishRun(run.id, 'success', {}, endedAt);
      return run.id;
    };
    const tooOld = await finish('2025-10-01T08:00:00.000Z');
    const oldSoon = await finish('2025-11-03T20:00:00.000Z');
    const recent = await finish('2026-12-01T08:00:00.000Z');

    const retention = startRetention({ store: clock.track(store), clock, logger, options: { months: 13 } });
    expect(retention.settings).toEqual({ months: 13 });
    await clock.settle();
    expect(await store.getRun(tooOld)).toBeUndefined();
    expect(await store.getRun(oldSoon)).toBeDefined();
    expect(lines.map((line) => JSON.parse(line) as { msg: string; runs?: number; events?: number })).toEqual([
      expect.objectContaining({ msg: 'retention: 1 run(s) older than 13 months deleted', runs: 1, events: 1 }),
    ]);

    // A day later, the second pass: 2025-11-03T20:00 is now more than 13 months ago.
    await clock.advance(retentionIntervalMs);
    expect(await store.getRun(oldSoon)).toBeUndefined();
    expect(await store.getRun(recent)).toBeDefined();
    expect(lines).toHaveLength(2);

    await retention.stop();
    expect(clock.pending).toBe(0);
    await clock.advance(2 * day);
    expect(lines).toHaveLength(2);
  });

  it('deletes webhook messages acted on over a month ago, and keeps pending ones whatever their age', async () => {
    store = await openSqliteStore({ file: ':memory:' });
    const clock = createSteppedClock('2026-12-03T14:00:00.000Z');
    const logger = pino({ level: 'silent' });
    const message = (receivedAt: string) =>
      store!.webhooks.recordWebhookMessage({
        tenantId: 'acme',
        source: 'edusign',
        receivedAt,
        event: 'on_course_locked',
        objectType: null,
        objectId: 'c1',
        hashOk: null,
      });
    const old = await message('2026-10-01T08:00:00.000Z');
    const recent = await message('2026-11-20T08:00:00.000Z');
    const oldPending = await message('2026-09-01T08:00:00.000Z');
    await store.webhooks.markWebhookMessagesProcessed([old.id, recent.id], '2026-11-20T08:00:01.000Z');

    const retention = startRetention({ store, clock, logger });
    await clock.settle();
    await retention.stop();
    const left = await store.webhooks.pendingWebhookMessages('acme', 10);
    expect(left.map((m) => m.id)).toEqual([oldPending.id]);
    const kept = await store.db.selectFrom('webhook_messages').select('id').orderBy('id').execute();
    expect(kept.map((row) => Number(row.id))).toEqual([recent.id, oldPending.id]);
  });

  it('logs a failed pass and tries again the next day', async () => {
    const clock = createSteppedClock('2026-12-03T14:00:00.000Z');
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    let calls = 0;
    const failing = {
      deleteHistoryBefore: () => {
        calls++;
        return Promise.reject(new Error('database is locked'));
      },
    };
    const retention = startRetention({ store: failing, clock, logger });
    await clock.settle();
    await clock.advance(retentionIntervalMs);
    expect(calls).toBe(2);
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual([
      'retention: old runs could not be deleted',
      'retention: old runs could not be deleted',
    ]);
    await retention.stop();
  });
});

describe('the settings page', () => {
  it('says how long runs and events are kept, and how to change it', async () => {
    const store = await openSqliteStore({ file: ':memory:' });
    try {
      const tenant = TenantConfig.parse({
        id: 'demo',
        aimaira: { url: 'https://aimaira.example/GraphV1', username: 'u', password: 'p' },
        edusign: { url: 'https://ext.edusign.fr', apiKey: 'k' },
      });
      const deps = createServiceDashboardDeps({
        store,
        accounts: store.accounts,
        clock: { now: () => Date.now(), sleep: () => Promise.resolve() },
        scheduler: {
          status: () => Promise.resolve({ tenants: [] }) as never,
          resume: () => Promise.resolve() as never,
        },
        syncNow: () => Promise.resolve({ accepted: false, message: 'no' }),
        tenants: { kind: 'sandbox', tenant },
        adminPassword: { plaintext: 'x' },
        retention: retentionSettings({ months: 7 }),
      });
      const details = await deps.tenants.get('demo');
      expect(details?.retention).toEqual({ months: 7 });
      const page = (lang: 'en' | 'fr') =>
        settingsPage(
          { lang, t: translator(lang), base: '', path: '/tenants/demo/settings', csrfToken: 't', now: Date.now() },
          { tenant: details! },
        ).toString();
      expect(page('en')).toContain('id="retention"');
      expect(page('en')).toContain('kept 7 months after they end');
      expect(page('en')).toContain('--retention-months');
      expect(page('fr')).toContain('conservés 7 mois');
      // Without retention settings (e.g. a dashboard mounted elsewhere), no section.
      const { retention: _retention, ...without } = details!;
      expect(
        settingsPage(
          { lang: 'en', t: translator('en'), base: '', path: '/', csrfToken: 't', now: Date.now() },
          { tenant: without },
        ).toString(),
      ).not.toContain('id="retention"');
    } finally {
      await store.close();
    }
  });
});

describe('serve --retention-months', () => {
  const parse = (args: string[]) =>
    addServeOptions(new Command().exitOverride()).parse(args, { from: 'user' }).opts<{ retentionMonths: number }>();

  it('is 13 by default, a positive whole number otherwise', () => {
    expect(parse([]).retentionMonths).toBe(13);
    expect(parse(['--retention-months', '24']).retentionMonths).toBe(24);
    expect(() => parse(['--retention-months', '0'])).toThrow(/positive integer/);
  });
});
