/**
 * Forgetting a person (`tenant forget-person`): every trace of one learner, facilitator or tutor leaves the store
 * (`StateStore.forgetPerson`), found by kind and Aimaira id or by the e-mail their links were written with. Nothing
 * is written to Aimaira or Edusign: if the person is still in Aimaira, the next sync finds them on Edusign again
 * (by API_ID, or by e-mail) and links them, without a duplicate.
 */
import type { Link, PersonForgotten, PersonKind, StateStore } from '../store/port.js';
import { personKinds } from '../store/port.js';
import { normaliseEmail } from '../sync/down/rules.js';

/** One person of a tenant: Aimaira ids are per kind. */
export interface PersonRef {
  kind: PersonKind;
  aimairaId: number;
}

/** The keyed hash a person link keeps of its e-mail (`data.emailHash`), as the tenant's sync computes it. */
export type EmailFingerprint = (email: string) => string;

/**
 * Whether `link` was written for `email`: the one place that knows how a link stores its person's e-mail. Links
 * keep a keyed hash of the normalised e-mail (`data.emailHash`, src/sync/down/email-fingerprint.ts): the typed
 * e-mail is hashed with the tenant's `fingerprint` and compared. Links of older versions keep the e-mail in clear
 * (`data.email`), compared normalised. Without the tenant's key (a tenant no longer configured) only those match.
 */
export function linkHasEmail(link: Link, email: string, fingerprint?: EmailFingerprint): boolean {
  const { emailHash, email: stored } = link.data;
  if (typeof emailHash === 'string' && fingerprint !== undefined && emailHash === fingerprint(email)) return true;
  return typeof stored === 'string' && stored !== '' && normaliseEmail(stored) === normaliseEmail(email);
}

/** The people of `tenantId` whose links were written with `email` (several kinds may share one address). */
export async function findPeopleByEmail(
  store: Pick<StateStore, 'listLinks'>,
  tenantId: string,
  email: string,
  fingerprint?: EmailFingerprint,
): Promise<PersonRef[]> {
  // Hashed once, not per link: an HMAC per link of a large tenant would cost for nothing.
  const hash = fingerprint?.(email);
  const once = hash === undefined ? undefined : () => hash;
  const found: PersonRef[] = [];
  for (const kind of personKinds) {
    for (const link of await store.listLinks(tenantId, kind)) {
      if (linkHasEmail(link, email, once)) found.push({ kind, aimairaId: link.aimairaId });
    }
  }
  return found;
}

/** What was removed of each person. */
export interface PersonForgottenReport extends PersonRef {
  removed: PersonForgotten;
}

export async function forgetPeople(
  store: Pick<StateStore, 'forgetPerson'>,
  tenantId: string,
  people: readonly PersonRef[],
): Promise<PersonForgottenReport[]> {
  const reports: PersonForgottenReport[] = [];
  for (const person of people) {
    reports.push({ ...person, removed: await store.forgetPerson(tenantId, person.kind, person.aimairaId) });
  }
  return reports;
}

/**
 * An e-mail as output may show it: the first character of the local part and the domain's last label, e.g.
 * `j•••@•••.fr`. The command's output ends up in terminals' scrollback and in tickets.
 */
export function maskEmail(email: string): string {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0) return '•••';
  const domain = trimmed.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  return `${trimmed.slice(0, 1)}•••@•••${dot >= 0 ? domain.slice(dot) : ''}`;
}
