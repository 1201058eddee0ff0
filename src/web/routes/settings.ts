/**
 * A tenant's settings, for its managers: options, credentials (write-only), the connection check, and where its
 * alerts go. Every change is audited: which options changed (old and new values), which credential fields were
 * given (never a value).
 */
import { z } from 'zod';

import { TenantOptions, credentialMaxLength, formatPath } from '../../config/config.js';
import type { CredentialsUpdate, TenantDetails } from '../deps.js';
import type { Web, WebContext } from '../env.js';
import { audit, pageContext, readForm, sendPage } from '../env.js';
import { settingsPage } from '../pages.js';
import type { PageContext, SettingsPageData, WebhookSection } from '../pages.js';
import type { Routes } from '../routing.js';
import { webhookUrlProblem } from '../alert-settings.js';

const checkbox = z
  .literal('on')
  .optional()
  .transform((value) => value === 'on');
const wholeNumber = z
  .string()
  .trim()
  .regex(/^-?\d{1,6}$/, 'notAnInteger')
  .transform(Number);

/** A text option that may be unset: an empty field means null. */
const optionalText = z
  .string()
  .max(200)
  .trim()
  .default('')
  .transform((text) => (text === '' ? null : text));
const OptionsForm = z.object({
  sendCredentials: checkbox,
  sendAttendance: checkbox,
  structures: z
    .string()
    .max(2000)
    .trim()
    .regex(/^(\d+\s*(,\s*\d+\s*)*)?,?$/, 'notIdList')
    .default('')
    .transform((text) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '')
        .map(Number),
    ),
  importEvenementsCommuns: checkbox,
  defaultProfsForEvenementsCommun: optionalText,
  importStudentTutors: checkbox,
  planifRealise: checkbox,
  studentExclusion: checkbox,
  studentDelay: checkbox,
  studentEarlyDeparture: checkbox,
  horizonDays: wholeNumber,
  attendanceLookbackDays: wholeNumber,
  provenancePresence: optionalText,
});

const secret = z.string().max(credentialMaxLength).optional();
const CredentialsForm = z.object({
  aimairaUsername: secret,
  aimairaPassword: secret,
  aimairaApiKey: secret,
  edusignApiKey: secret,
});

const AlertSettingsForm = z.object({
  webhookUrl: z.string().trim().max(2000).default(''),
  lang: z.enum(['fr', 'en']).default('fr'),
});

export function settingsRoutes(routes: Routes, web: Web): void {
  routes.get('/tenants/:tenant/settings', 'tenant:manage', async (c) =>
    sendPage(c, 200, await settingsWithPreflight(web, pageContext(web, c), { tenant: c.get('tenant') })),
  );
  routes.post('/tenants/:tenant/settings', 'tenant:manage', async (c) =>
    saveOptions(web, c, c.get('tenant'), (await readForm(c)) ?? {}),
  );
  routes.post('/tenants/:tenant/credentials', 'tenant:manage', async (c) =>
    saveCredentials(web, c, c.get('tenant'), (await readForm(c)) ?? {}),
  );
  routes.post('/tenants/:tenant/check', 'tenant:manage', async (c) => {
    const tenant = c.get('tenant');
    const check = await web.deps.tenants.check(tenant.id);
    await audit(web, c, 'tenant.check', { ok: check.ok }, tenant.id);
    const after = (await web.deps.tenants.get(tenant.id)) ?? tenant;
    return sendPage(c, 200, await settingsWithPreflight(web, pageContext(web, c), { tenant: after, check }));
  });
  routes.post('/tenants/:tenant/webhooks', 'tenant:manage', async (c) => {
    const tenant = c.get('tenant');
    const ctx = pageContext(web, c);
    const hooks = web.deps.webhooks;
    const parsed = WebhookForm.safeParse((await readForm(c)) ?? {});
    if (!hooks || !parsed.success) {
      const notice = { kind: 'error' as const, text: ctx.t('webhookInvalid') };
      return sendPage(c, 400, await settingsWithPreflight(web, ctx, { tenant, notice }));
    }
    const { enabled, customerName, schoolId, edusignSecret } = parsed.data;
    await hooks.endpoints.setAimairaCustomerName(tenant.id, customerName === '' ? null : customerName);
    await hooks.endpoints.setEdusign(tenant.id, {
      schoolId: schoolId === '' ? null : schoolId,
      ...(edusignSecret.trim() !== '' && { clientSecret: edusignSecret.trim() }),
    });
    await hooks.endpoints.setEnabled(tenant.id, enabled === 'on');
    // Never the secret: whether one was given.
    await audit(
      web,
      c,
      'webhooks.update',
      {
        enabled: enabled === 'on',
        customerName,
        schoolId,
        edusignSecret: edusignSecret.trim() !== '' ? 'set' : 'kept',
      },
      tenant.id,
    );
    const notice = { kind: 'ok' as const, text: ctx.t('webhooksSaved') };
    return sendPage(c, 200, await settingsWithPreflight(web, ctx, { tenant, notice }));
  });

  routes.post('/tenants/:tenant/webhooks/credentials', 'tenant:manage', async (c) => {
    const tenant = c.get('tenant');
    const ctx = pageContext(web, c);
    const hooks = web.deps.webhooks;
    if (!hooks) return sendPage(c, 404, await settingsWithPreflight(web, ctx, { tenant }));
    const credentials = await hooks.endpoints.newAimairaCredentials(tenant.id);
    await audit(web, c, 'webhooks.credentials', { clientId: credentials.clientId }, tenant.id);
    return sendPage(c, 200, await settingsWithPreflight(web, ctx, { tenant }, credentials));
  });

  routes.post('/tenants/:tenant/alerts', 'tenant:manage', async (c) => {
    const tenant = c.get('tenant');
    const ctx = pageContext(web, c);
    const parsed = AlertSettingsForm.safeParse((await readForm(c)) ?? {});
    const url = parsed.success ? parsed.data.webhookUrl : '';
    const problem = !parsed.success
      ? ctx.t('webhookInvalid')
      : url === ''
        ? undefined
        : await webhookUrlProblem(url, web.deps.webhookPolicy);
    if (problem !== undefined || !parsed.success) {
      const text = problem ?? ctx.t('webhookInvalid');
      return sendPage(c, 400, await settingsWithPreflight(web, ctx, { tenant, notice: { kind: 'error', text } }));
    }
    const before = await web.deps.accounts.getTenantAlertSettings(tenant.id);
    await web.deps.accounts.saveTenantAlertSettings({
      tenantId: tenant.id,
      webhookUrl: url === '' ? null : url,
      lang: parsed.data.lang,
    });
    // The webhook's address may carry a secret of its own (Slack's do): the audit says whether it changed, not what.
    await audit(
      web,
      c,
      'alerts.update',
      { webhook: url === '' ? 'removed' : before?.webhookUrl === url ? 'kept' : 'set', lang: parsed.data.lang },
      tenant.id,
    );
    return sendPage(
      c,
      200,
      await settingsWithPreflight(web, ctx, { tenant, notice: { kind: 'ok', text: ctx.t('alertSettingsSaved') } }),
    );
  });
}

/** The settings page, with the tenant's last preflight, alert settings and webhook receivers read from the store. */
async function settingsWithPreflight(
  web: Web,
  ctx: PageContext,
  data: SettingsPageData,
  credentials?: { clientId: string; clientSecret: string },
) {
  const [preflight, alerts] = await Promise.all([
    web.deps.store.getPreflight(data.tenant.id),
    web.deps.accounts.getTenantAlertSettings(data.tenant.id),
  ]);
  return settingsPage(ctx, {
    ...data,
    preflight,
    alertSettings: alerts,
    ...(web.deps.webhooks && { webhooks: await webhookSection(web, data.tenant.id, credentials) }),
  });
}

async function webhookSection(
  web: Web,
  tenantId: string,
  credentials?: { clientId: string; clientSecret: string },
): Promise<WebhookSection | undefined> {
  const hooks = web.deps.webhooks;
  if (!hooks) return undefined;
  // The addresses the vendors are given: the public URL's when there is one (the service behind a proxy).
  const origin = web.publicUrl ?? `http://127.0.0.1${web.base}`;
  const id = encodeURIComponent(tenantId);
  return {
    endpoint: await hooks.endpoints.get(tenantId),
    last: await hooks.inbox.lastWebhookMessages(tenantId),
    urls: {
      aimaira: `${origin}/hooks/aimaira/${id}`,
      aimairaToken: `${origin}/hooks/aimaira/${id}/token`,
      edusign: `${origin}/hooks/edusign/${id}`,
    },
    ...(credentials && { credentials }),
  };
}

const WebhookForm = z.object({
  enabled: z.literal('on').optional(),
  customerName: z.string().trim().max(200).default(''),
  schoolId: z.string().trim().max(100).default(''),
  edusignSecret: z.string().max(500).default(''),
});

async function saveOptions(web: Web, c: WebContext, tenant: TenantDetails, form: Record<string, string>) {
  const ctx = pageContext(web, c);
  const problems: Record<string, string> = {};
  const parsed = OptionsForm.safeParse(form);
  let options: TenantOptions | undefined;
  if (parsed.success) {
    const checked = TenantOptions.safeParse(parsed.data);
    if (checked.success) options = checked.data;
    else {
      for (const issue of checked.error.issues) {
        const field = formatPath(issue.path);
        problems[field] =
          issue.code === 'too_small' || issue.code === 'too_big'
            ? ctx.t('notInRange', rangeOf(field))
            : field === 'structures'
              ? ctx.t('notIdList')
              : issue.message;
      }
    }
  } else {
    for (const issue of parsed.error.issues) {
      const field = formatPath(issue.path);
      problems[field] =
        issue.message === 'notAnInteger' || issue.message === 'notIdList' ? ctx.t(issue.message) : issue.message;
    }
  }
  const typed: Record<string, string | boolean> = {};
  for (const name of Object.keys(TenantOptions.shape)) {
    const value = form[name];
    typed[name] = booleanField(name) ? value === 'on' : (value ?? '');
  }
  if (!options) {
    return sendPage(
      c,
      400,
      await settingsWithPreflight(web, ctx, {
        tenant,
        problems,
        typed,
        notice: { kind: 'error', text: ctx.t('optionsInvalid') },
      }),
    );
  }
  try {
    await web.deps.tenants.updateOptions(tenant.id, options);
    await audit(web, c, 'options.update', { changed: changedOptions(tenant.options, options) }, tenant.id);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return sendPage(c, 400, await settingsWithPreflight(web, ctx, { tenant, typed, notice: { kind: 'error', text } }));
  }
  const updated = (await web.deps.tenants.get(tenant.id)) ?? tenant;
  return sendPage(
    c,
    200,
    await settingsWithPreflight(web, ctx, { tenant: updated, notice: { kind: 'ok', text: ctx.t('optionsSaved') } }),
  );
}

async function saveCredentials(web: Web, c: WebContext, tenant: TenantDetails, form: Record<string, string>) {
  const ctx = pageContext(web, c);
  const parsed = CredentialsForm.safeParse(form);
  const update: CredentialsUpdate = {};
  if (parsed.success) {
    const { aimairaUsername, aimairaPassword, aimairaApiKey, edusignApiKey } = parsed.data;
    const aimaira = {
      ...(aimairaUsername?.trim() && { username: aimairaUsername.trim() }),
      ...(aimairaPassword && { password: aimairaPassword }),
      ...(aimairaApiKey?.trim() && { apiKey: aimairaApiKey.trim() }),
    };
    if (Object.keys(aimaira).length > 0) update.aimaira = aimaira;
    if (edusignApiKey?.trim()) update.edusign = { apiKey: edusignApiKey.trim() };
  }
  const data: SettingsPageData = { tenant };
  const tooLong = parsed.success ? undefined : parsed.error.issues[0]?.path[0];
  if (tooLong !== undefined) {
    // A field over the limit is not an empty form: say which one (never its value), and save nothing.
    const field = tooLong in CredentialsForm.shape ? ctx.t(tooLong as keyof typeof CredentialsForm.shape) : '';
    const text = ctx.t('credentialsTooLong', { field, max: credentialMaxLength });
    return sendPage(c, 400, await settingsWithPreflight(web, ctx, { tenant, notice: { kind: 'error', text } }));
  }
  if (!update.aimaira && !update.edusign) data.notice = { kind: 'info', text: ctx.t('credentialsEmpty') };
  else {
    try {
      await web.deps.tenants.updateCredentials(tenant.id, update);
      await audit(web, c, 'credentials.update', { fields: credentialFieldsOf(update) }, tenant.id);
      data.tenant = (await web.deps.tenants.get(tenant.id)) ?? tenant;
      data.notice = { kind: 'ok', text: ctx.t('credentialsSaved') };
    } catch (error) {
      // The message names the field at fault; it never repeats a value (the callers' errors do not).
      data.notice = { kind: 'error', text: error instanceof Error ? error.message : String(error) };
      return sendPage(c, 400, await settingsWithPreflight(web, ctx, data));
    }
  }
  return sendPage(c, 200, await settingsWithPreflight(web, ctx, data));
}

function booleanField(name: string): boolean {
  return ![
    'structures',
    'defaultProfsForEvenementsCommun',
    'horizonDays',
    'attendanceLookbackDays',
    'provenancePresence',
  ].includes(name);
}

function rangeOf(field: string): { min: number; max: number } {
  return field === 'horizonDays' ? { min: 0, max: 90 } : { min: 1, max: 365 };
}

/** The options that changed, with their old and new values (options hold no secret). */
export function changedOptions(before: TenantOptions, after: TenantOptions): Record<string, [unknown, unknown]> {
  const changed: Record<string, [unknown, unknown]> = {};
  for (const name of Object.keys(after) as (keyof TenantOptions)[]) {
    if (JSON.stringify(before[name]) !== JSON.stringify(after[name])) changed[name] = [before[name], after[name]];
  }
  return changed;
}

/** Which credential fields were given, by their place in the configuration: never a value. */
export function credentialFieldsOf(update: CredentialsUpdate): string[] {
  return [
    ...Object.keys(update.aimaira ?? {}).map((field) => `aimaira.${field}`),
    ...Object.keys(update.edusign ?? {}).map((field) => `edusign.${field}`),
  ];
}
