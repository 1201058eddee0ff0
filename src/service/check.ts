/**
 * The connection check of one tenant (`tenant check ID`): what a run needs from both APIs, tried with cheap reads
 * before any run, each finding in plain words. A secret never appears in a finding: every message is scrubbed of
 * the tenant's secret values whatever produced it.
 */
import type { TenantConfig } from '../config/config.js';
import { HttpStatusError, NetworkError, ResponseShapeError, ConfigError, toError } from '../errors.js';
import type { SystemName } from '../errors.js';
import { EdusignBusinessError } from '../edusign/errors.js';
import type { TenantClients } from '../sync/clients.js';
import { redactSecrets, tenantSecrets } from './tenants.js';
import { checkServiceUrl } from './url-policy.js';
import type { UrlPolicyOptions } from './url-policy.js';

export const tenantCheckNames = [
  'aimaira.url',
  'edusign.url',
  'aimaira.access',
  'aimaira.typeCodes',
  'edusign.access',
  'edusign.defaultProfessor',
] as const;
export type TenantCheckName = (typeof tenantCheckNames)[number];

/** One finding of the check. */
export interface TenantCheck {
  check: TenantCheckName;
  ok: boolean;
  /** Plain words: what was found, and for a problem what to do about it. */
  message: string;
}

export interface TenantCheckReport {
  tenantId: string;
  /** Every check passed. */
  ok: boolean;
  checks: TenantCheck[];
}

export interface CheckOptions {
  /** When given, the URLs are held to the policy first, and a refused one is not called. */
  urlPolicy?: UrlPolicyOptions;
}

/** The type codes a run needs, by Aimaira table. */
export const requiredTypeCodes = {
  planification: ['SEANCE', 'EVENEMENT'],
  ressource: ['APPRENANT', 'PROF', 'SALLE', 'GROUPE'],
} as const;

const systemLabel: Record<SystemName, string> = { aimaira: 'Aimaira', edusign: 'Edusign' };

/** A failure of a request, in words a person configuring a tenant can act on. */
export function describeFailure(system: SystemName, error: unknown): string {
  const name = systemLabel[system];
  const credentials = system === 'aimaira' ? 'the username and password (or the API key)' : 'the API key';
  if (error instanceof HttpStatusError) {
    switch (error.status) {
      case 401:
        return `${name} refused the credentials (HTTP 401): check ${credentials}.`;
      case 402:
        return `${name} answered HTTP 402: the school has no subscription or its API option is off.`;
      case 403:
        return `${name} refused access (HTTP 403): the credentials lack a permission this connector needs.`;
      case 404:
        return system === 'aimaira'
          ? `Aimaira answered HTTP 404 at ${error.url}: check that the URL is the API root (ending in /GraphV1).`
          : `Edusign answered HTTP 404 at ${error.url}: check the Edusign URL.`;
      default:
        return error.status >= 500
          ? `${name} is failing (HTTP ${error.status}); try again later.`
          : `${name} answered HTTP ${error.status}: ${error.bodyExcerpt || 'no detail'}`;
    }
  }
  if (error instanceof NetworkError) {
    const what =
      error.reason === 'timeout'
        ? 'did not answer in time'
        : error.reason === 'truncated'
          ? 'cut its answer short'
          : 'could not be reached';
    return `${name} ${what} (${error.url}): check the URL and that the service is up.`;
  }
  if (error instanceof ResponseShapeError) {
    return `${name} answered, but not as its API does (${error.url}): check that the URL is the API's.`;
  }
  if (error instanceof EdusignBusinessError) return `Edusign refused the request: ${error.serverMessage}`;
  if (error instanceof ConfigError) return error.issues.join('; ');
  return `${name}: ${toError(error).message}`;
}

export async function checkTenant(
  tenant: TenantConfig,
  clients: TenantClients,
  options: CheckOptions = {},
): Promise<TenantCheckReport> {
  const checks: TenantCheck[] = [];
  const secrets = tenantSecrets(tenant);
  const report = (check: TenantCheckName, ok: boolean, message: string) => {
    checks.push({ check, ok, message: redactSecrets(message, secrets) });
  };

  // The URLs first: a refused address is never called.
  const reachable: Record<SystemName, boolean> = { aimaira: true, edusign: true };
  if (options.urlPolicy) {
    for (const system of ['aimaira', 'edusign'] as const) {
      try {
        await checkServiceUrl(`${system}.url`, tenant[system].url, options.urlPolicy);
        report(`${system}.url`, true, `${tenant[system].url} is an allowed address.`);
      } catch (error) {
        reachable[system] = false;
        report(`${system}.url`, false, toError(error).message);
      }
    }
  }

  const [aimaira, edusign] = await Promise.all([
    reachable.aimaira ? checkAimaira(tenant, clients) : notChecked('aimaira'),
    reachable.edusign ? checkEdusign(tenant, clients) : notChecked('edusign'),
  ]);
  for (const finding of [...aimaira, ...edusign]) report(finding.check, finding.ok, finding.message);

  // A stable order, whatever finished first.
  checks.sort((a, b) => tenantCheckNames.indexOf(a.check) - tenantCheckNames.indexOf(b.check));
  return { tenantId: tenant.id, ok: checks.every((check) => check.ok), checks };
}

function notChecked(system: SystemName): Promise<TenantCheck[]> {
  const because = `Not checked: the ${systemLabel[system]} URL is refused.`;
  return Promise.resolve(
    system === 'aimaira'
      ? [
          { check: 'aimaira.access', ok: false, message: because },
          { check: 'aimaira.typeCodes', ok: false, message: because },
        ]
      : [
          { check: 'edusign.access', ok: false, message: because },
          { check: 'edusign.defaultProfessor', ok: false, message: because },
        ],
  );
}

async function checkAimaira(tenant: TenantConfig, { aimaira }: TenantClients): Promise<TenantCheck[]> {
  const how = tenant.aimaira.apiKey !== undefined ? 'the API key' : `user ${tenant.aimaira.username ?? ''}`;
  try {
    await aimaira.listAll('TypePlanification', { top: 1 });
  } catch (error) {
    return [
      { check: 'aimaira.access', ok: false, message: describeFailure('aimaira', error) },
      { check: 'aimaira.typeCodes', ok: false, message: 'Not checked: Aimaira could not be read.' },
    ];
  }
  const findings: TenantCheck[] = [
    { check: 'aimaira.access', ok: true, message: `Signed in to Aimaira at ${tenant.aimaira.url} with ${how}.` },
  ];
  try {
    const codes = await aimaira.resolveTypeCodes();
    const missing = [
      ...requiredTypeCodes.planification
        .filter((code) => codes.planification[code] === undefined)
        .map((code) => `TypePlanification ${code}`),
      ...requiredTypeCodes.ressource
        .filter((code) => codes.ressource[code] === undefined)
        .map((code) => `TypeRessource ${code}`),
    ];
    findings.push(
      missing.length === 0
        ? {
            check: 'aimaira.typeCodes',
            ok: true,
            message: `Found the type codes ${[...requiredTypeCodes.planification, ...requiredTypeCodes.ressource].join(', ')}.`,
          }
        : {
            check: 'aimaira.typeCodes',
            ok: false,
            message:
              `Aimaira has no ${missing.join(', ')}: sessions cannot be read without ${missing.length === 1 ? 'it' : 'them'}. ` +
              'Ask the Aimaira administrator whether these codes exist under another name.',
          },
    );
  } catch (error) {
    findings.push({ check: 'aimaira.typeCodes', ok: false, message: describeFailure('aimaira', error) });
  }
  return findings;
}

async function checkEdusign(tenant: TenantConfig, { edusign }: TenantClients): Promise<TenantCheck[]> {
  try {
    const pages = edusign.professors.list();
    await pages.next();
    await pages.return();
  } catch (error) {
    return [
      { check: 'edusign.access', ok: false, message: describeFailure('edusign', error) },
      { check: 'edusign.defaultProfessor', ok: false, message: 'Not checked: Edusign could not be read.' },
    ];
  }
  const findings: TenantCheck[] = [
    { check: 'edusign.access', ok: true, message: `Signed in to Edusign at ${tenant.edusign.url} with the API key.` },
  ];
  const { defaultProfsForEvenementsCommun: professorId, importEvenementsCommuns } = tenant.options;
  const unused = importEvenementsCommuns ? '' : ' (it is used only when importEvenementsCommuns is on)';
  if (professorId === null) {
    findings.push({
      check: 'edusign.defaultProfessor',
      ok: true,
      message: importEvenementsCommuns
        ? 'defaultProfsForEvenementsCommun is not set: common events without a facilitator do not come down.'
        : 'defaultProfsForEvenementsCommun is not set (common events are not imported).',
    });
    return findings;
  }
  try {
    const professor = await edusign.professors.get(professorId);
    const archived = professor !== undefined && (await edusign.isArchived(professor));
    findings.push(
      professor === undefined
        ? {
            check: 'edusign.defaultProfessor',
            ok: false,
            message:
              `defaultProfsForEvenementsCommun is ${professorId}, but Edusign has no professor with that id: ` +
              `give the id of an existing professor (Edusign, Professors)${unused}.`,
          }
        : archived
          ? {
              check: 'edusign.defaultProfessor',
              ok: false,
              message:
                `defaultProfsForEvenementsCommun is ${professorId}, a professor archived on Edusign: restore them or ` +
                `give another professor${unused}.`,
            }
          : {
              check: 'edusign.defaultProfessor',
              ok: true,
              message: `defaultProfsForEvenementsCommun ${professorId} exists on Edusign${unused}.`,
            },
    );
  } catch (error) {
    findings.push({ check: 'edusign.defaultProfessor', ok: false, message: describeFailure('edusign', error) });
  }
  return findings;
}
