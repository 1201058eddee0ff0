/**
 * The dashboard's live look-ups in a tenant's Aimaira (and Edusign, for `explain`): nothing is written. Shared by
 * the local adapter (test/local-dashboard.ts) and the service, which only has to say how to get a tenant's
 * configuration.
 *
 * A person is found by exact e-mail, or by first and last name, and given back as kind and Aimaira id only: the
 * dashboard then shows their events by id, and never a name or an e-mail.
 */
import { and, eq, gt, inList, lt } from '../aimaira/query.js';
import type { Clock } from '../clock.js';
import type { TenantConfig } from '../config/config.js';
import type { StateStore } from '../store/port.js';
import { createTenantClients } from '../sync/clients.js';
import type { TenantClientOptions } from '../sync/clients.js';
import { explainSession } from '../sync/down/explain.js';
import { syncWindow } from '../sync/down/rules.js';
import type { DashboardLookups, PersonMatch, SessionMatch } from './deps.js';

export interface LiveLookupOptions {
  store: StateStore;
  clock: Clock;
  /** The tenant's configuration, secrets opened; throws for an unknown tenant. */
  tenantConfig: (tenantId: string) => Promise<TenantConfig>;
  /** The instant the questions are asked at; the clock's by default. */
  now?: () => Date;
  clientOptions?: Omit<TenantClientOptions, 'clock'>;
}

/** Days before the window whose sessions a name search also covers: sessions that just took place. */
const searchDaysBack = 7;

export function createLiveLookups(options: LiveLookupOptions): DashboardLookups {
  const { store, clock } = options;
  const now = options.now ?? (() => new Date(clock.now()));
  const clients = (config: TenantConfig) => createTenantClients(config, { ...options.clientOptions, clock });
  return {
    async explainSession(tenantId, sessionId) {
      const config = await options.tenantConfig(tenantId);
      return explainSession({ tenant: config, ...clients(config), store, now: now(), sessionId });
    },
    async searchSessions(tenantId, text): Promise<SessionMatch[]> {
      const config = await options.tenantConfig(tenantId);
      const at = now();
      const window = syncWindow(at, config.options.horizonDays);
      const from = new Date(at.getTime() - searchDaysBack * 24 * 60 * 60_000);
      const sessions = await clients(config).aimaira.listAll('Planification', {
        filter: and(gt('Debut', from), lt('Debut', new Date(window.end))),
        select: ['Id', 'Nom', 'Debut'],
      });
      const wanted = fold(text);
      return sessions
        .filter((session) => fold(session.Nom ?? '').includes(wanted))
        .map((session) => ({
          sessionId: session.Id,
          name: session.Nom ?? '',
          start: new Date(session.Debut).toISOString(),
        }))
        .sort((a, b) => a.start.localeCompare(b.start))
        .slice(0, 100);
    },
    async findPeople(tenantId, text): Promise<PersonMatch[]> {
      const config = await options.tenantConfig(tenantId);
      const { aimaira } = clients(config);
      const sets = [
        ['Apprenant', 'learner'],
        ['Enseignant', 'facilitator'],
        ['Professionnel', 'tutor'],
      ] as const;
      const query = text.trim();
      const matches: PersonMatch[] = [];
      if (query.includes('@')) {
        // Exact address, as typed and in lower case: Aimaira's filter has no "contains", and an exact match is
        // also what keeps this from listing people nobody asked about.
        const addresses = [...new Set([query, query.toLowerCase()])];
        const mails = await aimaira.listAll('Mail', { filter: inList('Adresse', addresses), select: ['Id'] });
        if (mails.length === 0) return [];
        for (const [set, kind] of sets) {
          const people = await aimaira.listByIds(
            set,
            'MailId',
            mails.map((mail) => mail.Id),
            { select: ['Id'] },
          );
          matches.push(...people.map((person) => ({ kind, aimairaId: person.Id })));
        }
        return matches;
      }
      const words = query.split(/\s+/).filter(Boolean);
      if (words.length < 2) return [];
      // "First Last" or "Last First", the last name as typed or in capitals (Aimaira's habit).
      const pairs: [string, string][] = [];
      for (let cut = 1; cut < words.length; cut++) {
        const head = words.slice(0, cut).join(' ');
        const tail = words.slice(cut).join(' ');
        pairs.push([head, tail], [head, tail.toUpperCase()], [tail, head], [tail, head.toUpperCase()]);
      }
      for (const [set, kind] of sets) {
        const seen = new Set<number>();
        for (const [first, last] of pairs) {
          const people = await aimaira.listAll(set, {
            filter: and(eq('Prenoms', first), eq('Nom', last)),
            select: ['Id'],
          });
          for (const person of people) {
            if (!seen.has(person.Id)) matches.push({ kind, aimairaId: person.Id });
            seen.add(person.Id);
          }
        }
      }
      return matches;
    },
  };
}

/** Lower case without accents: "Séance" matches "seance". */
function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
}
