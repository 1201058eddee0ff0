/**
 * Near real time, end to end: the service (embedded mode) with a tenant whose receivers are on, both simulators
 * sending their webhooks to it, and no window open. A room changed in Aimaira reaches the Edusign sheet, and a
 * locked sheet's attendance reaches Aimaira, within seconds and without a window; with every Aimaira message
 * dropped, nothing moves until the next full run, which converges to the same state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { startSandbox } from '../sim/sandbox.js';
import type { Sandbox } from '../sim/sandbox.js';
import { systemClock } from '../src/clock.js';
import { createServiceLogger } from '../src/service/logging.js';
import { startService } from '../src/service/serve.js';
import type { RunningService } from '../src/service/serve.js';
import { lazyMasterKeys } from '../src/service/tenants.js';
import { createWebhookEndpoints } from '../src/service/webhook-endpoints.js';
import { openStore } from '../src/store/open.js';
import { addSimulatorTenant, closedWindows, sessionRowsOfType, simProfile } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const postgresUrl = process.env['AIMAIRA_EDUSIGN_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];
afterAll(async () => {
  if (schemas.length === 0) return;
  const admin = new pg.Pool({ connectionString: postgresUrl, max: 1 });
  for (const schema of schemas) {
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.query(`drop schema if exists "${schema}_queue" cascade`);
  }
  await admin.end();
});

/**
 * The two ways the service runs: embedded (SQLite, the inbox table read by the process that runs syncs) and scaled
 * (PostgreSQL, the leader hands each tenant's settled messages to a worker as a job of the queue; here the three
 * roles in one process).
 */
type Mode = 'embedded' | 'scaled';

function storeFor(mode: Mode): string | undefined {
  if (mode === 'embedded') return undefined;
  const schema = `realtime_test_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  return `${postgresUrl}?schema=${schema}`;
}

const customerName = 'ECOLE-ACME';
const edusignSecret = 'le secret client de l’application de test';
const adminPassword = 'le mot de passe de l’opérateur';

/** The operator's session cookie. */
async function signIn(service: RunningService): Promise<string> {
  const answer = await fetch(`${service.url}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: 'admin', password: adminPassword }).toString(),
  });
  return (answer.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

/** The tenant page as the operator sees it. */
async function tenantPage(service: RunningService): Promise<string> {
  const cookie = await signIn(service);
  return (await fetch(`${service.url}/tenants/acme`, { headers: { cookie } })).text();
}

/** The connection check of the settings page, which runs the preflight. */
async function checkConnection(service: RunningService): Promise<void> {
  const cookie = await signIn(service);
  const settings = await (await fetch(`${service.url}/tenants/acme/settings`, { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(settings)?.[1] ?? '';
  const answer = await fetch(`${service.url}/tenants/acme/check`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf }).toString(),
  });
  expect(answer.status).toBe(200);
}

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The service on a tenant whose receivers are on, both simulators sending to them; a first full sync done. */
async function setUp(mode: Mode, options: { aimairaDropShare?: number } = {}) {
  const simulators: Sandbox = await startSandbox({ size: 'small', seed: 5, profile: simProfile });
  cleanups.push(() => simulators.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'aimaira-edusign-realtime-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const keyFile = join(dataDir, 'master.key');
  const { edusign } = simulators.scenario.credentials;
  const storeUrl = storeFor(mode);
  const store = await openStore(storeUrl ?? `sqlite:${join(dataDir, 'state.sqlite')}`, { createMissing: true });
  await addSimulatorTenant(store.tenants, simulators, { keyFile });
  await store.close();

  let logText = '';
  const service: RunningService = await startService({
    dataDir,
    ...(storeUrl !== undefined && { store: storeUrl, scaled: { pollingIntervalSeconds: 0.5 } }),
    clock: systemClock,
    log: createServiceLogger({
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          logText += chunk.toString('utf8');
          done();
        },
      }),
      level: 'debug',
    }),
    port: 0,
    host: '127.0.0.1',
    masterKey: { keyFile },
    urlPolicy: { allowLoopbackHttp: true },
    processMetrics: false,
    scheduler: { windows: closedWindows() },
    realtime: { quietMs: 300, maxWaitMs: 3_000 },
    adminPassword,
  });
  cleanups.push(() => service.stop());
  const first = await service.syncNow('acme');
  if (!first.accepted) throw new Error(first.message);
  expect((await first.done)?.status).toBe('success');

  // The tenant's receivers, as its manager sets them on the settings page.
  const keys = lazyMasterKeys(service.store.tenants, { keyFile });
  const endpoints = createWebhookEndpoints({
    store: service.store.webhooks,
    keys: async () => (await keys()).keyring(),
    clock: systemClock,
  });
  const school = simulators.edusign.school(edusign.apiKey);
  const credentials = await endpoints.newAimairaCredentials('acme');
  await endpoints.setAimairaCustomerName('acme', customerName);
  await endpoints.setEdusign('acme', { schoolId: school.id, clientSecret: edusignSecret });
  await endpoints.setEnabled('acme', true);
  // What Aimaira's team and the school's Edusign administrator are given.
  simulators.registerAimairaWebhook({
    url: `${service.url}/hooks/aimaira/acme`,
    customerName,
    auth: {
      kind: 'oauth',
      tokenUrl: `${service.url}/hooks/aimaira/acme/token`,
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
    },
    ...(options.aimairaDropShare !== undefined && { dropShare: options.aimairaDropShare, seed: 7 }),
  });
  simulators.registerEdusignWebhook({ url: `${service.url}/hooks/edusign/acme`, clientSecret: edusignSecret });
  return { simulators, service, school, logs: () => logText };
}

/**
 * A full run of the tenant, as the window's would be: when a targeted run holds the tenant (an Edusign message about
 * the connector's own writes, say), "sync now" is refused, and asked again once it ends.
 */
async function fullRun(service: RunningService) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const run = await service.syncNow('acme');
    if (run.accepted) return run.done;
    if (Date.now() > deadline || !run.message.includes('already in progress')) throw new Error(run.message);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits for an asynchronous condition (the store), up to 20 s. */
async function untilSettled(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited 20 s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A sheet the first sync made for an upcoming session with a room. */
async function upcomingSheetWithRoom(service: RunningService, simulators: Sandbox) {
  const links = await service.store.listLinks('acme', 'sheet');
  for (const link of links) {
    const [room] = sessionRowsOfType(simulators, link.aimairaId, 'SALLE');
    const course = simulators.edusign.school(simulators.scenario.credentials.edusign.apiKey).course(link.edusignId);
    if (room && course && Date.parse(course.START) > Date.now() && !course.LOCKED) return { link, room, course };
  }
  throw new Error('no upcoming sheet with a room');
}

describe.each(['embedded', 'scaled'] as const)('near real time through both webhooks, %s', (mode) => {
  it('brings a room change to its Edusign sheet within seconds, with no window open, in a targeted run', async () => {
    const { simulators, service, school } = await setUp(mode);
    const { link, room } = await upcomingSheetWithRoom(service, simulators);
    // The deep check learns Aimaira's table names, before any message comes.
    await checkConnection(service);
    const learned = (await service.store.webhooks.getWebhookEndpoint('acme'))?.objectTypes;
    expect(learned).toMatchObject({
      Planification: 'planification.T_PLANIFICATION',
      PlanificationRessource: 'planification.T_PLANIFICATION_RESSOURCE',
      Apprenant: 'apprenant.T_APPRENANT',
    });
    const runsBefore = (await service.store.listRuns('acme', 100)).length;

    simulators.aimaira.store.patch('PlanificationRessource', Number(room['Id']), { Nom: 'Salle Marie Curie' });
    await until('the room on Edusign', () => school.course(link.edusignId)?.CLASSROOM === 'Salle Marie Curie');

    // Settled: the room's message and Edusign's word of the connector's own edit, both acted on (that one finds
    // nothing to do), and no run going on.
    await untilSettled('both messages acted on', async () => {
      const last = await service.store.webhooks.lastWebhookMessages('acme');
      const pending = await service.store.webhooks.pendingWebhookMessages('acme', 10);
      const running = (await service.store.listRuns('acme', 100)).some((run) => run.status === 'running');
      return Boolean(last.aimaira?.processedAt && last.edusign?.processedAt) && pending.length === 0 && !running;
    });
    const runs = (await service.store.listRuns('acme', 100)).slice(0, -runsBefore || undefined);
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(run.counts['targeted.sessions']).toBeGreaterThan(0);

    // Scaled: the batches were jobs of the queue, taken by the worker ("sync now" above ran in the process itself).
    const metrics = await service.metrics.render();
    expect(metrics).toMatch(/^aimaira_edusign_realtime_batches_total\{status="success"\} [1-9]/m);
    expect(metrics).toMatch(/^aimaira_edusign_webhook_messages_total\{source="aimaira",outcome="accepted"\} [1-9]/m);
    expect(metrics).toMatch(/^aimaira_edusign_webhook_messages_total\{source="edusign",outcome="accepted"\} [1-9]/m);
    if (mode === 'scaled') {
      expect(metrics).toMatch(/^aimaira_edusign_worker_jobs_total\{worker="[^"]+",outcome="success"\} [1-9]/m);
    }

    // The tenant page says when each side last spoke, and how long the service took to act on it.
    const page = await tenantPage(service);
    const card = /<section aria-labelledby="realtime-title"[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
    expect(card).toMatch(/Aimaira: .*traité \d+ s après son arrivée/s);
    expect(card).toMatch(/Edusign: .*on_course_edited/s);
  });

  it("sends a locked sheet's attendance to Aimaira as soon as it is locked, once", async () => {
    const { simulators, service, school } = await setUp(mode);
    const { link, course } = await upcomingSheetWithRoom(service, simulators);
    const [first, ...others] = course.STUDENTS;
    for (const row of others) school.sign(link.edusignId, row.studentId, course.START);
    school.lock(link.edusignId);

    const learnerRows = () => sessionRowsOfType(simulators, link.aimairaId, 'APPRENANT');
    const upRun = async () =>
      (await service.store.listRuns('acme', 100)).find(
        (run) => run.direction === 'up' && run.status !== 'running' && run.counts['targeted.sheets'] === 1,
      );
    const deadline = Date.now() + 20_000;
    while (!(await upRun()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await upRun())?.status).toBe('success');
    const present = learnerRows().filter((row) => row['Presence'] === true).length;
    expect(present).toBe(others.length);
    expect(first).toBeDefined();

    // Once: a full run afterwards writes nothing more to Aimaira.
    const puts = () => simulators.aimaira.requests.filter((request) => request.method === 'PUT').length;
    const before = puts();
    await fullRun(service);
    expect(puts()).toBe(before);
  });

  it('with every Aimaira message lost, changes nothing until the next full run, which converges', async () => {
    const { simulators, service, school } = await setUp(mode, { aimairaDropShare: 1 });
    const { link, room } = await upcomingSheetWithRoom(service, simulators);
    simulators.aimaira.store.patch('PlanificationRessource', Number(room['Id']), { Nom: 'Salle perdue' });
    await simulators.aimaira.webhooks.settled();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(school.course(link.edusignId)?.CLASSROOM).not.toBe('Salle perdue');
    expect(await service.store.webhooks.lastWebhookMessages('acme')).not.toHaveProperty('aimaira');

    // The window's run (here asked for at once): the same state as if the message had come.
    await fullRun(service);
    expect(school.course(link.edusignId)?.CLASSROOM).toBe('Salle perdue');
  });

  it('with half the Aimaira messages lost, the next full run brings every change across, as if none was', async () => {
    const { simulators, service, school } = await setUp(mode, { aimairaDropShare: 0.5 });
    const sheets = (await service.store.listLinks('acme', 'sheet')).flatMap((link) => {
      const [room] = sessionRowsOfType(simulators, link.aimairaId, 'SALLE');
      const course = school.course(link.edusignId);
      return room && course && Date.parse(course.START) > Date.now() && !course.LOCKED ? [{ link, room }] : [];
    });
    const changed = sheets.slice(0, 8);
    expect(changed.length).toBe(8);
    for (const [index, { room }] of changed.entries()) {
      simulators.aimaira.store.patch('PlanificationRessource', Number(room['Id']), { Nom: `Salle ${index + 1}` });
    }
    await simulators.aimaira.webhooks.settled();
    const dropped = simulators.aimaira.webhooks.deliveries().filter((delivery) => delivery.state === 'dropped');
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.length).toBeLessThan(changed.length);
    const rooms = () => changed.map(({ link }) => school.course(link.edusignId)?.CLASSROOM);
    const wanted = changed.map((_, index) => `Salle ${index + 1}`);
    // What came is acted on within seconds; what was lost waits.
    await until('the rooms whose messages came', () => {
      const shown = rooms().filter((room, index) => room === wanted[index]).length;
      return shown === changed.length - dropped.length && shown;
    });

    await fullRun(service);
    expect(rooms()).toEqual(wanted);
  });
});
