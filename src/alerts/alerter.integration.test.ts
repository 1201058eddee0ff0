/**
 * The alerter end to end: a real SQLite store (accounts, alert state, tenant alert settings), a local SMTP server
 * and a local webhook receiver, both on 127.0.0.1. The scheduler's events are given as the scheduler emits them.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSmtpServer } from '../../test/smtp-server.js';
import type { LocalSmtpServer, ReceivedMail } from '../../test/smtp-server.js';
import { createManualClock } from '../clock.js';
import type { RunOutcome, SchedulerEvent } from '../service/scheduler.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { SqliteStateStore } from '../store/sqlite.js';
import type { AlertKind } from '../store/port.js';
import { createAlerter } from './alerter.js';
import type { Alerter, AlertErrorContext } from './alerter.js';
import { createMailer } from './mailer.js';
import type { Mailer } from './mailer.js';
import { createWebhookSender } from './webhook.js';
import type { WebhookPayload } from './webhook.js';

const tenantId = 'acme';
const clock = createManualClock(Date.parse('2026-11-28T10:00:00Z'));
const iso = () => new Date(clock.now()).toISOString();

let store: SqliteStateStore;
let smtp: LocalSmtpServer;
let mailer: Mailer;
let receiver: Server;
const hooks: WebhookPayload[] = [];
const errors: { error: Error; context: AlertErrorContext }[] = [];
let alerter: Alerter;
/** What the next successful run leaves out (the scheduler's event does not say: the service reads it). */
let leftOut: string[] = [];

const runFinished = (status: RunOutcome['status'], error?: string): SchedulerEvent => {
  clock.advance(60_000);
  return {
    type: 'run-finished',
    at: iso(),
    tenantId,
    trigger: 'scheduled',
    occurrence: null,
    outcome: { status, ...(error && { error, reason: 'edusign-down' as const }), runIds: [] },
    durationMs: 1_000,
  };
};

const paused = (): SchedulerEvent => ({
  type: 'paused',
  at: iso(),
  tenantId,
  pause: { at: iso(), reason: 'edusign-down', message: 'paused after 3 runs in a row failed: Edusign does not answer' },
});

/** The mails received by one address since `from`. */
const mailsTo = (email: string, from = 0): ReceivedMail[] =>
  smtp.messages.slice(from).filter((mail) => mail.envelope.to.includes(email));
const kindsOf = (payloads: WebhookPayload[]): AlertKind[] => payloads.map((payload) => payload.kind);

beforeAll(async () => {
  store = await openSqliteStore({ file: ':memory:' });
  smtp = await startSmtpServer();
  mailer = createMailer({ host: smtp.host, port: smtp.port, secure: false, from: 'alerts@connector.example' });
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      hooks.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPayload);
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/services/T0/B0/secret`;

  const at = iso();
  const { accounts } = store;
  const manager = [{ tenantId, role: 'manager' as const }];
  await accounts.createUser(
    {
      email: 'anne@example.org',
      operator: false,
      grants: manager,
      lang: 'fr',
      alerts: ['paused', 'failing', 'recovered'],
    },
    at,
  );
  await accounts.createUser(
    { email: 'bob@example.org', operator: false, grants: manager, lang: 'en', alerts: ['recovered'] },
    at,
  );
  const carl = await accounts.createUser(
    { email: 'carl@example.org', operator: false, grants: manager, alerts: ['paused', 'failing', 'recovered'] },
    at,
  );
  await accounts.updateUser(carl.id, { disabled: true }, at);
  await accounts.createUser(
    {
      email: 'dora@example.org',
      operator: false,
      grants: [{ tenantId: 'other', role: 'manager' }],
      alerts: ['paused', 'failing', 'recovered', 'attention'],
    },
    at,
  );
  // No language of her own: the service's default (French).
  await accounts.createUser({ email: 'olga@example.org', operator: true, grants: [], alerts: ['attention'] }, at);
  // The first operator, named `admin` (no address): skipped, not an error.
  await accounts.createUser(
    { email: 'admin', operator: true, grants: [], alerts: ['paused', 'failing', 'recovered', 'attention'] },
    at,
  );
  await accounts.saveTenantAlertSettings({ tenantId, webhookUrl: hookUrl, lang: 'en' });

  alerter = createAlerter({
    accounts,
    mailer,
    sendWebhook: createWebhookSender({ allowLoopback: true, timeoutMs: 2_000 }),
    publicUrl: 'https://connector.example',
    defaultLang: 'fr',
    clock,
    onError: (error, context) => errors.push({ error, context }),
    attentionOf: () => Promise.resolve(leftOut),
  });
});

afterAll(async () => {
  mailer?.close();
  await smtp?.close();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  await store?.close();
});

describe('the alerter, told by the scheduler, with a real store, SMTP server and webhook', () => {
  it('a healthy tenant seen for the first time tells nobody', async () => {
    alerter.onSchedulerEvent(runFinished('success'));
    await alerter.idle();
    expect(smtp.messages).toHaveLength(0);
    expect(hooks).toHaveLength(0);
    expect((await store.accounts.getAlertState(tenantId))?.state).toBe('healthy');
  });

  it('a pause reaches the manager who chose it, in French, and not the one who did not', async () => {
    alerter.onSchedulerEvent(runFinished('failed', 'edusign GET /v1/course failed with HTTP 503'));
    alerter.onSchedulerEvent(paused());
    alerter.onSchedulerEvent(runFinished('failed', 'edusign GET /v1/course failed with HTTP 503'));
    await alerter.idle();

    const [mail, ...more] = mailsTo('anne@example.org');
    expect(more).toHaveLength(0);
    expect(mail?.subject).toBe('[Aimaira ↔ Edusign] le tenant acme est en pause');
    expect(mail?.text).toContain('Le tenant acme est en pause');
    expect(mail?.text).toContain('Edusign does not answer');
    expect(mail?.text).toContain('https://connector.example/tenants/acme');
    expect(mailsTo('bob@example.org')).toHaveLength(0);
    expect(mailsTo('carl@example.org')).toHaveLength(0); // disabled
    expect(mailsTo('dora@example.org')).toHaveLength(0); // another tenant's
    expect(smtp.messages).toHaveLength(1);
  });

  it('the webhook receives the Slack-style text, in the tenant’s language', () => {
    expect(kindsOf(hooks)).toEqual(['paused']);
    expect(hooks[0]).toMatchObject({ tenant: tenantId, kind: 'paused', url: 'https://connector.example/tenants/acme' });
    expect(hooks[0]?.text).toMatch(/^\[Aimaira ↔ Edusign\] tenant acme is paused\n\nTenant acme is paused/);
  });

  it('another failing run sends nothing more', async () => {
    alerter.onSchedulerEvent(runFinished('failed', 'edusign GET /v1/course failed with HTTP 503'));
    await alerter.idle();
    expect(smtp.messages).toHaveLength(1);
    expect(hooks).toHaveLength(1);
  });

  it('the resume sends recovered, to each person who chose it in their language', async () => {
    const before = smtp.messages.length;
    clock.advance(60_000);
    alerter.onSchedulerEvent({ type: 'resumed', at: iso(), tenantId });
    await alerter.idle();
    expect(mailsTo('anne@example.org', before).map((mail) => mail.subject)).toEqual([
      '[Aimaira ↔ Edusign] le tenant acme fonctionne de nouveau',
    ]);
    expect(mailsTo('bob@example.org', before).map((mail) => mail.subject)).toEqual([
      '[Aimaira ↔ Edusign] tenant acme is working again',
    ]);
    expect(kindsOf(hooks)).toEqual(['paused', 'recovered']);
  });

  it('two failed runs in a row make it failing once; a passing run with sheets left out sends recovered and attention', async () => {
    const before = smtp.messages.length;
    for (let i = 0; i < 4; i++) alerter.onSchedulerEvent(runFinished('failed', 'edusign GET /v1/x timed out'));
    await alerter.idle();
    expect(mailsTo('anne@example.org', before).map((mail) => mail.subject)).toEqual([
      '[Aimaira ↔ Edusign] le tenant acme est en échec',
    ]);

    leftOut = ['PAST', 'INVALID_FACILITATOR'];
    const passed = smtp.messages.length;
    alerter.onSchedulerEvent(runFinished('partial'));
    await alerter.idle();
    expect(mailsTo('anne@example.org', passed)).toHaveLength(1); // recovered; she did not choose attention
    const [attention, ...more] = mailsTo('olga@example.org', passed);
    expect(more).toHaveLength(0);
    expect(attention?.subject).toBe(
      '[Aimaira ↔ Edusign] tenant acme : des feuilles écartées demandent une intervention',
    );
    expect(attention?.text).toContain('- INVALID_FACILITATOR :');
    expect(attention?.text).not.toContain('PAST');
    expect(kindsOf(hooks).slice(-3)).toEqual(['failing', 'recovered', 'attention']);
    expect(hooks.at(-1)?.reasons).toEqual(['INVALID_FACILITATOR']);

    // The same reasons at the next run: nothing.
    const again = smtp.messages.length;
    alerter.onSchedulerEvent(runFinished('success'));
    await alerter.idle();
    expect(smtp.messages.length).toBe(again);
    expect(await store.accounts.getAlertState(tenantId)).toMatchObject({
      state: 'healthy',
      attention: 'INVALID_FACILITATOR',
    });
  });

  it('a pause made by a person is told once', async () => {
    const before = smtp.messages.length;
    expect((await alerter.tenantPaused(tenantId, 'paused by a manager')).map((alert) => alert.kind)).toEqual([
      'paused',
    ]);
    expect(await alerter.tenantPaused(tenantId, 'paused by a manager')).toEqual([]);
    expect(mailsTo('anne@example.org', before)).toHaveLength(1);
    expect((await alerter.tenantResumed(tenantId)).map((alert) => alert.kind)).toEqual(['recovered']);
    expect(errors).toEqual([]);
  });

  it('a send that fails is reported, and the state change stands (no repeat at the next run)', async () => {
    const failing = createAlerter({
      accounts: store.accounts,
      mailer: { send: () => Promise.reject(new Error('SMTP down')), close: () => undefined },
      defaultLang: 'en',
      clock,
      onError: (error, context) => errors.push({ error, context }),
    });
    failing.onSchedulerEvent(paused());
    await failing.idle();
    expect(errors.map((e) => e.context)).toEqual([
      { tenantId, step: 'email', kind: 'paused', userId: expect.any(Number) as number },
    ]);
    expect((await store.accounts.getAlertState(tenantId))?.state).toBe('paused');
    failing.onSchedulerEvent(paused());
    await failing.idle();
    expect(errors).toHaveLength(1);
  });
});
