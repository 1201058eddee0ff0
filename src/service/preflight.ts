/**
 * The preflight of one tenant (`tenant check --deep`, and on its own before a tenant's first write): every point
 * where the public documents leave the servers' behaviour open is probed with reads only, each finding is put in
 * plain words, and the report is kept in the store. Its strategies (`in` or `or` filters, `Object` by collection
 * or by id, e-mails by expand or by id) are what the clients of the tenant's runs start with; the clients still
 * fall back on their own when a server changes its mind between two preflights.
 *
 * It never writes to Aimaira or Edusign.
 */
import { probeAimaira, strategiesFromFindings } from '../aimaira/probe.js';
import type { AimairaStrategyHints } from '../aimaira/client.js';
import type { TenantConfig } from '../config/config.js';
import { preflightPoints } from '../domain/preflight.js';
import type { PreflightFinding, PreflightPoint, PreflightReport } from '../domain/preflight.js';
import { probeEdusign } from '../edusign/probe.js';
import type { SystemName } from '../errors.js';
import type { StateStore } from '../store/port.js';
import { aimairaConnection, createTenantAimairaClient, createTenantClients } from '../sync/clients.js';
import type { TenantClientOptions, TenantClients } from '../sync/clients.js';
import { probeRowMatch } from '../sync/row-match-probe.js';
import { describeFailure } from './check.js';
import { redactSecrets, tenantSecrets } from './tenants.js';

/** One group of points probed together; when it fails, each of its points says so. */
interface Probe {
  system: SystemName;
  points: readonly PreflightPoint[];
  run: () => Promise<PreflightFinding[]>;
}

const pointOrder = Object.keys(preflightPoints) as PreflightPoint[];
const pointsOf = (system: SystemName) =>
  pointOrder.filter((point) => point.startsWith(`${system}.`) && point !== 'aimaira.rowMatch');

export interface PreflightOptions {
  /** The instant the preflight runs at (the sample of rows is taken from the sessions after it). */
  now: Date;
  /** The clock and transport hooks of the tenant's clients, for the probes' own Aimaira clients. */
  connection?: TenantClientOptions;
}

/** Probes every point and returns the report; nothing is stored (see `ensurePreflight` and `tenant check --deep`). */
export async function runPreflight(
  tenant: TenantConfig,
  clients: TenantClients,
  options: PreflightOptions,
): Promise<PreflightReport> {
  const probes: Probe[] = [
    {
      system: 'aimaira',
      points: pointsOf('aimaira'),
      // Probes with clients of their own: each strategy is tried as such, not through the run client's fallbacks.
      run: () =>
        probeAimaira({
          ...aimairaConnection(tenant, options.connection),
          provenance: tenant.options.provenancePresence,
        }),
    },
    {
      system: 'aimaira',
      points: ['aimaira.rowMatch'],
      run: async () => [await probeRowMatch(clients.aimaira, { now: options.now })],
    },
    {
      system: 'edusign',
      points: pointsOf('edusign'),
      run: () => probeEdusign(clients.edusign, { tutors: tenant.options.importStudentTutors }),
    },
  ];
  // The two services are independent: probe them side by side.
  const results = await Promise.all(probes.map((probe) => runProbe(probe)));
  const secrets = tenantSecrets(tenant);
  const findings = results
    .flat()
    .sort((a, b) => pointOrder.indexOf(a.point) - pointOrder.indexOf(b.point))
    .map((finding) => ({
      ...finding,
      found: redactSecrets(finding.found, secrets),
      strategy: redactSecrets(finding.strategy, secrets),
    }));
  return {
    tenantId: tenant.id,
    ranAt: options.now.toISOString(),
    urls: { aimaira: tenant.aimaira.url, edusign: tenant.edusign.url },
    ok: findings.every((finding) => finding.ok),
    findings,
  };
}

async function runProbe(probe: Probe): Promise<PreflightFinding[]> {
  try {
    return await probe.run();
  } catch (error) {
    const found = `Could not be probed: ${describeFailure(probe.system, error)}`;
    return probe.points.map((point) => ({
      point,
      ok: false,
      found,
      strategy: 'Runs start with the connector defaults and fall back when the server refuses a request.',
    }));
  }
}

/** The strategies a tenant's Aimaira client starts with, from its last preflight (none: found at first use). */
export function aimairaStrategiesOf(report: PreflightReport | undefined): AimairaStrategyHints {
  return report === undefined ? {} : strategiesFromFindings(report.findings);
}

export interface EnsurePreflightOptions extends PreflightOptions {
  store: StateStore;
  /** False for a dry run: a missing preflight is run but not kept (a dry run writes nothing). */
  save: boolean;
}

/**
 * The tenant's last preflight, or a new one when it never had one or had one of other URLs: the first write of a
 * tenant to a service never happens before the connector has looked at how its servers behave. Returns the report
 * and whether it was made now.
 */
export async function ensurePreflight(
  tenant: TenantConfig,
  clients: TenantClients,
  options: EnsurePreflightOptions,
): Promise<{ report: PreflightReport; ranNow: boolean }> {
  const stored = await options.store.getPreflight(tenant.id);
  if (stored !== undefined && probedTheSameServices(stored, tenant)) return { report: stored, ranNow: false };
  const report = await runPreflight(tenant, clients, options);
  if (options.save) await options.store.savePreflight(report);
  return { report, ranNow: true };
}

export interface RunClientsOptions extends TenantClientOptions {
  store: StateStore;
  now: Date;
  /** False for a dry run: a preflight made now is not kept. */
  save: boolean;
}

/**
 * The clients of a run: the preflight first when the tenant never had one (so nothing is written before the
 * connector knows how the servers behave), then an Aimaira client that starts with the strategies it found.
 */
export async function clientsForRun(
  tenant: TenantConfig,
  options: RunClientsOptions,
): Promise<TenantClients & { preflight: PreflightReport; preflightRanNow: boolean }> {
  const { store, now, save, ...clientOptions } = options;
  const clients = createTenantClients(tenant, clientOptions);
  const { report, ranNow } = await ensurePreflight(tenant, clients, { store, now, save, connection: clientOptions });
  const aimaira = createTenantAimairaClient(tenant, { ...clientOptions, strategies: aimairaStrategiesOf(report) });
  return { aimaira, edusign: clients.edusign, preflight: report, preflightRanNow: ranNow };
}

/** A report speaks of the URLs it probed: a tenant moved elsewhere (pre-production to production) is probed again. */
function probedTheSameServices(report: PreflightReport, tenant: TenantConfig): boolean {
  return report.urls.aimaira === tenant.aimaira.url && report.urls.edusign === tenant.edusign.url;
}

/** The report in plain words, one line per point, for the terminal. */
export function formatPreflight(report: PreflightReport): string {
  const width = Math.max(...report.findings.map((finding) => finding.point.length));
  const problems = report.findings.filter((finding) => !finding.ok).length;
  return [
    `Preflight of tenant ${report.tenantId} (${report.ranAt}), reads only:`,
    ...report.findings.flatMap((finding) => [
      `  ${finding.ok ? 'ok  ' : 'NOTE'}  ${finding.point.padEnd(width)}  ${finding.found}`,
      `        ${' '.repeat(width)}  → ${finding.strategy}`,
    ]),
    problems === 0
      ? 'Nothing needs a decision: the connector knows how to work with both servers.'
      : `${problems} point${problems === 1 ? '' : 's'} need${problems === 1 ? 's' : ''} a look (NOTE above).`,
    '',
  ].join('\n');
}
