/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core, against the simulators (small
 * scenario), a real SQLite store and the real syncs. Screenshots go to test-output/screenshots/ (and the tenant
 * page to docs/screenshots/tenant.png, the README's picture, when missing). Without Chromium this fails, on
 * purpose: CI installs it (.ci/run).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startSandbox } from '../../sim/sandbox.js';
import type { Sandbox } from '../../sim/sandbox.js';
import { aimairaEmail, tenantFor } from '../../test/helpers.js';
import { systemClock } from '../clock.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { SqliteStateStore } from '../store/sqlite.js';
import { createAlerter, createMailer } from '../alerts/index.js';
import { createDashboard } from './dashboard.js';
import { serveDashboard } from '../../test/dashboard-server.js';
import { startSmtpServer } from '../../test/smtp-server.js';
import type { LocalSmtpServer } from '../../test/smtp-server.js';
import { createLocalDashboardDeps } from '../../test/local-dashboard.js';
import type { LocalDashboardDeps } from '../../test/local-dashboard.js';

// Where Debian's chromium package puts the browser: .ci/run checks this same path and installs the package when absent.
const chromiumPath = '/usr/bin/chromium';
const password = 'correct horse battery staple';
const screenshots = join(process.cwd(), 'test-output', 'screenshots');
const docsScreenshot = join(process.cwd(), 'docs', 'screenshots', 'tenant.png');

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

describe('dashboard in Chromium', () => {
  let sandbox: Sandbox;
  let store: SqliteStateStore;
  let dataDir: string;
  let deps: LocalDashboardDeps;
  let served: { url: string; close(): Promise<void> } | undefined;
  let smtp: LocalSmtpServer | undefined;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const shot = (name: string) => page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });

  // What kept the set-up from finishing (above all a missing Chromium): each test then fails with it. Thrown from
  // beforeAll it would fail the file but leave every test counted as skipped, which CI's summary does not count.
  let setUpError: Error | undefined;

  beforeAll(async () => {
    try {
      if (!existsSync(chromiumPath)) {
        throw new Error(
          `Chromium is missing at ${chromiumPath}: the browser tests need Debian's chromium package (apt-get install chromium; .ci/run installs it).`,
        );
      }
      mkdirSync(screenshots, { recursive: true });
      sandbox = await startSandbox({ size: 'small', edusignPerMinute: 6_000 });
      dataDir = mkdtempSync(join(tmpdir(), 'aimaira-edusign-web-'));
      store = await openSqliteStore({ dataDir });
      const tenant = tenantFor(sandbox);
      smtp = await startSmtpServer();
      const mailer = createMailer({ host: smtp.host, port: smtp.port, secure: false, from: 'connecteur@example.org' });
      deps = createLocalDashboardDeps({
        store,
        // Tenant B: another organisation on the same simulators, never synced here; its people must not see demo's.
        tenants: [tenant, { ...tenant, id: 'other' }],
        extra: {
          mailer,
          alerts: createAlerter({ accounts: store.accounts, mailer, defaultLang: 'fr', clock: systemClock }),
        },
        clock: systemClock,
        adminPassword: { plaintext: password },
        clientOptions: { edusignRequestsPerMinute: 6_000 },
        // Two upcoming slots, as the service's schedule would show them.
        nextRuns: (_id, now) => [
          new Date(now.getTime() + 3 * 3600_000).toISOString(),
          new Date(now.getTime() + 10 * 3600_000).toISOString(),
        ],
      });
      // Earlier days as the service would have recorded them, so that the 30-day chart has a history to show.
      for (const daysAgo of [9, 8, 6, 5, 4, 2, 1]) {
        const at = Date.now() - daysAgo * 24 * 3600_000;
        const run = await store.startRun(tenant.id, 'down', new Date(at).toISOString());
        const errors = daysAgo === 5 ? 3 : 0;
        await store.finishRun(
          run.id,
          errors > 0 ? 'partial' : 'success',
          { 'sheet.created': 2 + (daysAgo % 3), 'sheet.updated': daysAgo, 'learner.created': 1, 'sheet.error': errors },
          new Date(at + 40_000).toISOString(),
        );
      }
      served = await serveDashboard(createDashboard(deps).app);
      url = served.url;
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
    } catch (error) {
      setUpError = error instanceof Error ? error : new Error(String(error));
    }
  }, 60_000);

  beforeEach(() => {
    if (setUpError !== undefined) throw setUpError;
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await smtp?.close();
    await store?.close();
    await sandbox?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a request without a session', async () => {
    const html = await fetch(`${url}/tenants/demo`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(html.status).toBe(303);
    expect(html.headers.get('location')).toBe('/sign-in?next=%2Ftenants%2Fdemo');
    const api = await fetch(`${url}/tenants/demo/sync/0123456789abcdef/events`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(api.status).toBe(401);
    const post = await fetch(`${url}/tenants/demo/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf=x',
    });
    expect(post.status).toBe(401);
    expect(await store.listRuns('demo')).toHaveLength(7);
  });

  it('signs in with the administrator password, in a HttpOnly SameSite cookie', async () => {
    await page.goto(`${url}/`);
    await expect.poll(() => page.url()).toContain('/sign-in');
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    await page.getByLabel('Adresse e-mail').fill('admin');
    await page.getByLabel('Mot de passe', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByText('Mot de passe incorrect.').waitFor();
    await shot('sign-in');
    await page.getByLabel('Mot de passe', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('heading', { name: 'Organismes', level: 1 }).waitFor();
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'aes_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(Buffer.from(cookie?.value ?? '', 'base64url').length).toBeGreaterThanOrEqual(16);
    // The newest seeded run succeeded: healthy, with its time, and the next runs of the schedule.
    const row = page.getByRole('row', { name: /demo/ });
    expect(await row.textContent()).toMatch(/en bonne santé/);
    await shot('tenants');
  });

  it('opens the tenant and runs "sync now" with live progress until it succeeds', async () => {
    await page.getByRole('link', { name: 'demo', exact: true }).click();
    await page.getByRole('heading', { name: 'Organisme demo' }).waitFor();
    // The progress page follows the run's server-sent events, then reloads itself on the summary. The end of the run
    // is held back a moment so that the page is seen while it runs (the small scenario syncs in about a second).
    const runNow = deps.scheduler.runNow.bind(deps.scheduler);
    deps.scheduler.runNow = async (tenantId, onProgress) => {
      const result = await runNow(tenantId, onProgress);
      if (!result.accepted) return result;
      return { accepted: true, done: result.done.then((summary) => delay(1500).then(() => summary)) };
    };
    await page.getByRole('button', { name: 'Synchroniser maintenant' }).click();
    await expect.poll(() => page.url()).toMatch(/\/tenants\/demo\/sync\/[A-Za-z0-9_-]{16,}$/);
    await expect.poll(() => page.locator('#sync-status').textContent()).toMatch(/^(Descente|Montée) :/);
    await shot('sync-progress');
    await page.getByRole('heading', { name: 'Synchronisation terminée' }).waitFor({ timeout: 30_000 });
    deps.scheduler.runNow = runNow;
    const summary = page.locator('#sync-summary');
    expect(await summary.textContent()).toMatch(/réussie/);
    expect(await summary.textContent()).toMatch(/feuilles : créations \d+/);
    await shot('sync-now');
    const runs = await store.listRuns('demo', 2);
    expect(runs.map((run) => [run.direction, run.status])).toEqual([
      ['up', 'success'],
      ['down', 'success'],
    ]);
  });

  it('filters the events by reason and finds a session by its id', async () => {
    await page.getByRole('link', { name: 'Retour à l’organisme' }).click();
    await page.getByLabel('Motif').selectOption('CREATED_TODAY');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await expect.poll(() => page.url()).toContain('reason=CREATED_TODAY');
    const rows = page.locator('table.events tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    for (const text of await rows.allTextContents()) expect(text).toContain('CREATED_TODAY');
    await page.getByLabel('Niveau').selectOption('error');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await page.locator('#no-events').waitFor();

    const [sessionId] = sandbox.scenario.manifest.sessions.createdToday;
    await page.goto(`${url}/tenants/demo`);
    await page.getByLabel(/Nom ou identifiant d’une séance/).fill(String(sessionId));
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await expect.poll(() => page.url()).toContain(`aimairaId=${sessionId}`);
    expect(await page.locator('table.events tbody').textContent()).toContain(String(sessionId));

    // A person by e-mail, then by name: looked up in Aimaira, shown by Aimaira id only, the typed text nowhere.
    const [learner] = await store.listLinks('demo', 'learner');
    const learnerId = learner?.aimairaId ?? 0;
    const email = aimairaEmail(sandbox, 'Apprenant', learnerId) ?? '';
    const record = sandbox.aimaira.store.get('Apprenant', learnerId);
    const fullName = `${String(record?.['Prenoms'])} ${String(record?.['Nom'])}`;
    for (const typed of [email, fullName]) {
      await page.goto(`${url}/tenants/demo`);
      await page.getByLabel(/Nom ou identifiant d’une séance/).fill(typed);
      await page.getByRole('button', { name: 'Rechercher' }).click();
      await page.waitForLoadState();
      const found = page.url().includes(`aimairaId=${learnerId}`)
        ? true
        : (await page.locator(`#matches a[href*="aimairaId=${learnerId}"]`).count()) > 0;
      expect(found, typed).toBe(true);
      expect(page.url()).not.toContain(encodeURIComponent(typed.split(' ')[0] ?? typed));
      expect(await page.content()).not.toContain(typed);
    }

    await page.goto(`${url}/tenants/demo`);
    await shot('tenant');
  });

  it('explains why a session created today is not on Edusign', async () => {
    const [sessionId] = sandbox.scenario.manifest.sessions.createdToday;
    await page.getByRole('link', { name: 'Pourquoi cette feuille n’est-elle pas sur Edusign ?' }).click();
    await page.getByLabel('Identifiant de la séance (Planification Aimaira)').fill(String(sessionId));
    await page.getByRole('button', { name: 'Expliquer' }).click();
    const answer = page.locator('section.explanation');
    await answer.waitFor();
    const text = (await answer.textContent()) ?? '';
    expect(text).toContain('Cette séance ne descend pas sur Edusign.');
    expect(text).toContain('CREATED_TODAY');
    expect(text).toContain('créée aujourd’hui');
    await shot('explain');

    // The same session found by a piece of its name.
    const name = sandbox.scenario.aimaira.Planification?.find((p) => p['Id'] === sessionId)?.['Nom'];
    expect(typeof name).toBe('string');
    await page.getByLabel('Nom de la séance').fill(String(name).slice(0, 12));
    await page.getByRole('button', { name: 'Chercher les séances' }).click();
    await page.getByRole('link', { name: String(sessionId) }).waitFor();
  });

  it('changes an option, refuses a wrong one, and checks the connection', async () => {
    await page.goto(`${url}/tenants/demo/settings`);
    await page.getByLabel(/Jours à venir/).fill('200');
    await page.getByRole('button', { name: 'Enregistrer les options' }).click();
    await page.getByText('Entre 0 et 90.').waitFor();
    expect(deps.tenantConfig('demo')?.options.horizonDays).toBe(14);

    await page.getByLabel(/Jours à venir/).fill('7');
    await page.getByLabel(/Faire descendre les événements communs/).check();
    await page.getByRole('button', { name: 'Enregistrer les options' }).click();
    await page.getByText('Options enregistrées.', { exact: false }).waitFor();
    expect(deps.tenantConfig('demo')?.options).toMatchObject({ horizonDays: 7, importEvenementsCommuns: true });

    await page.getByRole('button', { name: 'Vérifier la connexion' }).click();
    await page.getByText('Tout fonctionne.').waitFor();
    const body = (await page.content()).toLowerCase();
    for (const secret of [sandbox.scenario.credentials.aimaira.password, sandbox.scenario.credentials.edusign.apiKey]) {
      expect(body).not.toContain(secret.toLowerCase());
    }
    await shot('settings');
  });

  it('refuses a cross-site POST, even with the session cookie', async () => {
    const before = (await store.listRuns('demo', 100)).length;
    // Another origin (same host, another port): the browser sends the cookie but says where the form comes from.
    const evil = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(
        `<form id="f" method="post" action="${url}/tenants/demo/sync"><input name="csrf" value="guess"></form><script>document.getElementById('f').submit()</script>`,
      );
    });
    const evilUrl = await listen(evil);
    try {
      const attacked = await context.newPage();
      const answer = attacked.waitForResponse((response) => response.url() === `${url}/tenants/demo/sync`);
      await attacked.goto(evilUrl);
      expect((await answer).status()).toBe(403);
      await attacked.close();
    } finally {
      await close(evil);
    }
    // And from the page's own origin, a forged form without the session's token.
    const status = await page.evaluate(async (target) => {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'csrf=not-the-token',
      });
      return response.status;
    }, `${url}/tenants/demo/sync`);
    expect(status).toBe(403);
    expect((await store.listRuns('demo', 100)).length).toBe(before);
  });

  it('speaks English on request and fits a phone screen', async () => {
    await page.goto(`${url}/tenants/demo?lang=en`);
    await page.getByRole('button', { name: 'Sync now' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}/tenants/demo`);
    await page.getByRole('heading', { name: 'Tenant demo' }).waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(1);
    await shot('tenant-phone');
    // Keyboard: the first Tab reaches the skip link, which is then visible.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.goto(`${url}/?lang=fr`);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await expect.poll(() => page.url()).toContain('/sign-in');
    await page.goto(`${url}/tenants/demo`);
    await expect.poll(() => page.url()).toContain('/sign-in');
  });

  // ---- People: an operator, a manager and a viewer of demo, a tenant B (other) they must not see ----------------

  const managerEmail = 'responsable.demo@example.org';
  const viewerEmail = 'lecteur.demo@example.org';
  const peoplePassword = 'un mot de passe de personne';

  async function signIn(email: string, secret: string) {
    await page.goto(`${url}/sign-in`);
    await page.getByLabel('Adresse e-mail').fill(email);
    await page.getByLabel('Mot de passe', { exact: true }).fill(secret);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('heading', { name: 'Organismes', level: 1 }).waitFor();
  }

  async function signOut() {
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await expect.poll(() => page.url()).toContain('/sign-in');
  }

  /** The operator invites someone to demo with a role; the link is shown once and mailed. */
  async function invite(email: string, role: 'manager' | 'viewer'): Promise<string> {
    await page.goto(`${url}/users`);
    await page.getByLabel('Adresse e-mail').fill(email);
    await page.locator('#invite-tenant').selectOption('demo');
    await page.locator('#role').selectOption(role);
    await page.getByRole('button', { name: 'Inviter' }).click();
    const link = (await page.locator('#shown-once').textContent())?.trim() ?? '';
    expect(link).toMatch(new RegExp(`^${url}/invitations/[A-Za-z0-9_-]{20,}$`));
    const mail = await smtp!.waitFor((message) => message.envelope.to.includes(email));
    expect(mail.text).toContain(link);
    return link;
  }

  async function accept(link: string) {
    await page.goto(link);
    await page.getByLabel('Nouveau mot de passe').fill(peoplePassword);
    await page.getByLabel('Le même mot de passe, à nouveau').fill(peoplePassword);
    await page.getByRole('button', { name: 'Choisir mon mot de passe' }).click();
    await page.getByRole('heading', { name: 'Organismes', level: 1 }).waitFor();
  }

  it('an operator invites a manager and a viewer of demo; the links reach their mailbox', async () => {
    await signIn('admin', password);
    managerLink = await invite(managerEmail, 'manager');
    viewerLink = await invite(viewerEmail, 'viewer');
    await shot('users');
    await signOut();
  });

  let managerLink = '';
  let viewerLink = '';

  it('the manager signs in, sees demo only, changes an option and runs a sync', async () => {
    await accept(managerLink);
    expect(await page.getByRole('link', { name: 'other', exact: true }).count()).toBe(0);
    await page.getByRole('link', { name: 'demo', exact: true }).click();
    await page.getByRole('link', { name: 'Réglages' }).click();
    await page.getByLabel(/Jours à venir/).fill('10');
    await page.getByRole('button', { name: 'Enregistrer les options' }).click();
    await page.getByText('Options enregistrées.', { exact: false }).waitFor();
    expect(deps.tenantConfig('demo')?.options.horizonDays).toBe(10);

    const before = (await store.listRuns('demo', 100)).length;
    await page.goto(`${url}/tenants/demo`);
    await page.getByRole('button', { name: 'Synchroniser maintenant' }).click();
    await page.getByRole('heading', { name: 'Synchronisation terminée' }).waitFor({ timeout: 30_000 });
    expect((await store.listRuns('demo', 100)).length).toBe(before + 2);
  });

  it('the manager gets 404 on the other tenant, in the pages and in the API', async () => {
    const pageAnswer = await page.goto(`${url}/tenants/other`);
    expect(pageAnswer?.status()).toBe(404);
    expect(await page.content()).not.toContain('ext.edusign');
    const settings = await page.goto(`${url}/tenants/other/settings`);
    expect(settings?.status()).toBe(404);

    await page.goto(`${url}/account`);
    await page.getByLabel('Nom').fill('script');
    await page.getByRole('button', { name: 'Créer un jeton' }).click();
    const token = (await page.locator('#shown-once').textContent())?.trim() ?? '';
    expect(token).toMatch(/^aes_/);
    const api = (path: string) => fetch(`${url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await api('/tenants/other')).status).toBe(404);
    expect((await api('/tenants/other/events')).status).toBe(404);
    const mine = await api('/tenants/demo');
    expect(mine.status).toBe(200);
    const listed = (await (await api('/tenants')).json()) as { tenants: { id: string }[] };
    expect(listed.tenants.map((tenant) => tenant.id)).toEqual(['demo']);
  });

  it('the manager chooses pause alerts, pauses demo, and the alert e-mail reaches the SMTP server', async () => {
    await page.goto(`${url}/account`);
    await page.getByLabel('Un client est mis en pause').check();
    await page.getByRole('button', { name: 'Enregistrer' }).first().click();
    await page.getByText('Vos choix d’alertes sont enregistrés.').waitFor();

    await page.goto(`${url}/tenants/demo`);
    await page.getByPlaceholder('Pourquoi (facultatif)').fill('travaux sur Edusign');
    await page.getByRole('button', { name: 'Mettre en pause' }).click();
    await page.getByRole('button', { name: 'Reprendre' }).waitFor();
    const mail = await smtp!.waitFor(
      (message) => message.envelope.to.includes(managerEmail) && !message.text.includes('/invitations/'),
    );
    expect(mail.text).toContain('demo');
    expect(mail.subject.length).toBeGreaterThan(0);
    await shot('tenant-paused');
    await page.getByRole('button', { name: 'Reprendre' }).click();
    await page.getByRole('button', { name: 'Mettre en pause' }).waitFor();
    await signOut();
  });

  it('a viewer reads demo but cannot change anything', async () => {
    await accept(viewerLink);
    await page.getByRole('link', { name: 'demo', exact: true }).click();
    await page.getByText('Vous pouvez consulter ce client').waitFor();
    expect(await page.getByRole('button', { name: 'Synchroniser maintenant' }).count()).toBe(0);
    expect((await page.goto(`${url}/tenants/demo/settings`))?.status()).toBe(403);
    await page.goto(`${url}/account`);
    const csrf = (await page.locator('input[name="csrf"]').first().getAttribute('value')) ?? '';
    const before = (await store.listRuns('demo', 100)).length;
    for (const [path, body] of [
      ['/tenants/demo/sync', ''],
      ['/tenants/demo/settings', 'horizonDays=3&attendanceLookbackDays=30'],
      ['/tenants/demo/pause', 'reason=x'],
      ['/users/invite', 'email=x%40example.org'],
    ] as const) {
      const status = await page.evaluate(
        async ([target, form]) =>
          (
            await fetch(target, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: form,
            })
          ).status,
        [`${url}${path}`, `csrf=${csrf}&${body}`] as const,
      );
      expect(status, path).toBe(403);
    }
    expect(deps.tenantConfig('demo')?.options.horizonDays).toBe(10);
    expect((await store.listRuns('demo', 100)).length).toBe(before);
    await signOut();
  });

  it("the audit shows the manager's changes, on the tenant page and for the operator, with a CSV", async () => {
    await signIn('admin', password);
    await page.goto(`${url}/audit`);
    const rows = await page.locator('table.audit tbody tr').allTextContents();
    const byManager = rows.filter((row) => row.includes(managerEmail));
    expect(byManager.some((row) => row.includes('options.update') && row.includes('horizonDays'))).toBe(true);
    expect(byManager.some((row) => row.includes('tenant.sync'))).toBe(true);
    expect(byManager.some((row) => row.includes('tenant.pause'))).toBe(true);
    expect(rows.some((row) => row.includes('user.invite'))).toBe(true);
    await shot('audit');
    const csv = await page.evaluate(async (target) => (await fetch(target)).text(), `${url}/audit.csv?tenant=demo`);
    expect(csv.split('\r\n')[0]).toBe('id,at,actor,via,address,tenant,action,detail');
    expect(csv).toContain('options.update');
    expect(csv).not.toContain('user.invite,');

    await page.goto(`${url}/tenants/demo`);
    expect(await page.locator('#tenant-audit').textContent()).toContain(managerEmail);
    // The README's picture is written once (delete it to take a new one), so that a test run leaves the tree alone.
    if (!existsSync(docsScreenshot)) {
      await page.setViewportSize({ width: 1280, height: 1500 });
      await page.screenshot({ path: docsScreenshot });
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });
});
