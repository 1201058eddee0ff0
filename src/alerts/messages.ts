/**
 * The words of each alert, in French and English, as data (like src/web/i18n.ts, whose reason-code words are
 * reused): a subject and a plain text, the same text for e-mail and webhooks. A message names the tenant, what
 * happened, the reason codes with their words, and the tenant's dashboard page when the service has a public URL.
 * Never a learner's name or e-mail, never a secret: the facts it is given hold neither (see `Alert`), and the
 * caller scrubs the free text of `detail` (an error message) before it gets here.
 */
import type { AlertKind } from '../store/port.js';
import { reasonText } from '../web/i18n.js';
import type { Lang } from '../web/i18n.js';
import type { Alert, TenantAlertState } from './decide.js';

interface KindWords {
  subject: string;
  /** First paragraph; `{tenant}` is the tenant id. */
  lead: string;
}

interface Words {
  product: string;
  kinds: Record<AlertKind, KindWords>;
  /** `recovered`, by the state left. */
  recoveredFrom: Record<Exclude<TenantAlertState, 'healthy'>, string>;
  detail: string;
  reasons: string;
  link: string;
  footer: string;
  /** French puts a space before a colon. */
  colon: string;
}

const words: Record<Lang, Words> = {
  en: {
    product: 'Aimaira ↔ Edusign',
    kinds: {
      failing: {
        subject: 'tenant {tenant} is failing',
        lead: 'The last runs of tenant {tenant} failed. The connector keeps trying at each scheduled run; it pauses the tenant after 3 failures in a row for the same reason.',
      },
      paused: {
        subject: 'tenant {tenant} is paused',
        lead: 'Tenant {tenant} is paused: its sheets are no longer synchronised until it is resumed (a passing connection check resumes it).',
      },
      recovered: {
        subject: 'tenant {tenant} is working again',
        lead: 'Tenant {tenant} is working again.',
      },
      attention: {
        subject: 'tenant {tenant}: sheets left out need a person',
        lead: 'The last run of tenant {tenant} left sessions or people out for reasons that only a correction in Aimaira (or in the tenant’s options) can solve.',
      },
    },
    recoveredFrom: {
      failing: 'Its last run passed after failing runs.',
      paused: 'Its pause was lifted: its scheduled runs start again.',
    },
    detail: 'Detail',
    reasons: 'Reasons',
    link: 'Dashboard page of the tenant',
    footer:
      'You receive this message because you chose these alerts in your account; you are told once per change, not at every run.',
    colon: ':',
  },
  fr: {
    product: 'Aimaira ↔ Edusign',
    kinds: {
      failing: {
        subject: 'le tenant {tenant} est en échec',
        lead: 'Les dernières exécutions du tenant {tenant} ont échoué. Le connecteur réessaie à chaque exécution planifiée ; il met le tenant en pause après 3 échecs de suite pour la même raison.',
      },
      paused: {
        subject: 'le tenant {tenant} est en pause',
        lead: 'Le tenant {tenant} est en pause : ses feuilles ne sont plus synchronisées jusqu’à sa reprise (une vérification de connexion réussie le relance).',
      },
      recovered: {
        subject: 'le tenant {tenant} fonctionne de nouveau',
        lead: 'Le tenant {tenant} fonctionne de nouveau.',
      },
      attention: {
        subject: 'tenant {tenant} : des feuilles écartées demandent une intervention',
        lead: 'La dernière exécution du tenant {tenant} a écarté des séances ou des personnes pour des raisons que seule une correction dans Aimaira (ou dans les options du tenant) peut résoudre.',
      },
    },
    recoveredFrom: {
      failing: 'Sa dernière exécution a réussi après des échecs.',
      paused: 'Sa pause a été levée : ses exécutions planifiées reprennent.',
    },
    detail: 'Détail',
    reasons: 'Motifs',
    link: 'Page du tenant dans le tableau de bord',
    footer:
      'Vous recevez ce message parce que vous avez choisi ces alertes dans votre compte ; il est envoyé une fois par changement, pas à chaque exécution.',
    colon: ' :',
  },
};

export interface AlertMessage {
  subject: string;
  text: string;
}

/** The tenant's dashboard page under the service's public URL (`https://connector.example/` + `tenants/<id>`). */
export function tenantPageUrl(publicUrl: string, tenantId: string): string {
  const base = publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`;
  return new URL(`tenants/${encodeURIComponent(tenantId)}`, base).toString();
}

export function alertMessage(alert: Alert, lang: Lang, publicUrl?: string): AlertMessage {
  const w = words[lang];
  const fill = (text: string) => text.replaceAll('{tenant}', alert.tenantId);
  const kind = w.kinds[alert.kind];
  const paragraphs = [fill(kind.lead)];
  if (alert.kind === 'recovered' && alert.from !== undefined && alert.from !== 'healthy') {
    paragraphs.push(w.recoveredFrom[alert.from]);
  }
  if (alert.detail) paragraphs.push(`${w.detail}${w.colon} ${alert.detail}`);
  if (alert.reasons && alert.reasons.length > 0) {
    const lines = alert.reasons.map((code) => `- ${code}${w.colon} ${reasonText(code, lang)}`);
    paragraphs.push([`${w.reasons}${w.colon}`, ...lines].join('\n'));
  }
  if (publicUrl) paragraphs.push(`${w.link}${w.colon} ${tenantPageUrl(publicUrl, alert.tenantId)}`);
  paragraphs.push(`-- \n${w.footer}`);
  return { subject: `[${w.product}] ${fill(kind.subject)}`, text: paragraphs.join('\n\n') };
}
