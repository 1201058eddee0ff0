/**
 * The Aimaira half of the preflight: how this tenant's GraphV1 server behaves where no document settles it, found
 * with a few small reads (never a write), and which strategy the client will use with it.
 *
 * Each point is probed on purpose, with a client told which way to read, so that a refusal is seen rather than
 * worked around: an `in` list of two `TypeRessource` ids, the same as an `or` chain, filters of 100 and 101 nodes;
 * the `Object` collection filtered by two known ids; `$expand=Mail` on one record of each person kind; a page of
 * one record to see the origin `@odata.nextLink` names; the type and agreement-state codes; `$metadata` for
 * `ProvenancePresence`. Findings say what happened in plain words and give the strategies as data; they never
 * hold a secret or a person's data (no name, no e-mail: a person read here is only counted).
 */
import { z } from 'zod';

import { HttpStatusError, NetworkError, ResponseShapeError } from '../errors.js';
import type { PreflightFinding } from '../domain/preflight.js';
import { createAimairaClient, createAimairaTransport, idsByCode, personSets, rebaseNextLink } from './client.js';
import type { AimairaClientOptions, AimairaStrategies, AimairaStrategyHints, PersonSet } from './client.js';
import { eq, gt, not, or } from './query.js';
import type { Filter } from './query.js';
import { collectionOf } from './schemas.js';

export interface AimairaProbeOptions extends Omit<AimairaClientOptions, 'strategies' | 'pageSize'> {
  /** The `ProvenancePresence` value the tenant wants written (its option), if any. */
  provenance?: string | null;
}

/** The codes a run cannot do without, by list. */
const requiredCodes = {
  planification: ['SEANCE', 'EVENEMENT'],
  ressource: ['APPRENANT', 'PROF', 'SALLE', 'GROUPE'],
  etatConvention: ['COMPLET'],
} as const;

/** The filter sizes tried: the node limit of ASP.NET Web API OData by default, and one over it. */
const nodeProbe = { within: 100, over: 101, fallback: 50 } as const;

const personWords: Record<PersonSet, string> = {
  Apprenant: 'learners',
  Enseignant: 'facilitators',
  Professionnel: 'tutors',
};

/** Probes every Aimaira point of the preflight but `aimaira.rowMatch`, with reads only. */
export async function probeAimaira(options: AimairaProbeOptions): Promise<PreflightFinding[]> {
  const { provenance, ...connection } = options;
  // Strict: each probe must see the server refuse what it asks, not the client's fallback.
  const clientWith = (strategies: AimairaStrategyHints) =>
    createAimairaClient({ ...connection, strategies, strictStrategies: true });

  const filter = await safely('aimaira.filter', () => probeFilter(clientWith));
  const learned: AimairaStrategyHints = {
    ...(typeof filter.data?.['filter'] === 'string' && { filter: filter.data['filter'] as 'in' | 'or' }),
    ...(typeof filter.data?.['maxFilterNodes'] === 'number' && {
      maxFilterNodes: filter.data['maxFilterNodes'],
    }),
  };
  const findings = [filter];
  findings.push(await safely('aimaira.objects', () => probeObjects((hints) => clientWith({ ...learned, ...hints }))));
  findings.push(await safely('aimaira.mail', () => probeMail((hints) => clientWith({ ...learned, ...hints }))));
  findings.push(await safely('aimaira.nextLink', () => probeNextLink(connection)));
  findings.push(await safely('aimaira.typeCodes', () => probeTypeCodes(clientWith(learned))));
  findings.push(await safely('aimaira.provenance', () => probeProvenance(clientWith(learned), provenance ?? null)));
  return findings;
}

/** The strategies the findings of `aimaira.filter`, `aimaira.objects` and `aimaira.mail` give, merged. */
export function strategiesFromFindings(findings: readonly PreflightFinding[]): Partial<AimairaStrategies> {
  const strategies: Partial<AimairaStrategies> = {};
  for (const finding of findings) {
    const data = finding.data ?? {};
    if (finding.point === 'aimaira.filter') {
      if (data['filter'] === 'in' || data['filter'] === 'or') strategies.filter = data['filter'];
      const nodes = data['maxFilterNodes'];
      if (typeof nodes === 'number' && Number.isInteger(nodes) && nodes > 0) strategies.maxFilterNodes = nodes;
    } else if (finding.point === 'aimaira.objects') {
      if (data['objects'] === 'collection' || data['objects'] === 'per-id') strategies.objects = data['objects'];
    } else if (finding.point === 'aimaira.mail') {
      const mail = data['mail'] as Record<string, unknown> | undefined;
      const complete = mail !== undefined && personSets.every((set) => mail[set] === 'expand' || mail[set] === 'by-id');
      if (complete) {
        strategies.mail = Object.fromEntries(personSets.map((set) => [set, mail[set]])) as AimairaStrategies['mail'];
      }
    }
  }
  return strategies;
}

type ClientFor = (hints: AimairaStrategyHints) => ReturnType<typeof createAimairaClient>;

/** A probe that broke in an unexpected way becomes a finding that says how, in plain words. */
async function safely(point: PreflightFinding['point'], probe: () => Promise<PreflightFinding>) {
  try {
    return await probe();
  } catch (error) {
    return {
      point,
      ok: false,
      found: `The probe could not finish: ${failureWords(error)}.`,
      strategy: 'Nothing is decided for this point; the connector finds out at the first run.',
    } satisfies PreflightFinding;
  }
}

/** What went wrong, without the server's body (it could echo data) or any credential. */
function failureWords(error: unknown): string {
  if (error instanceof HttpStatusError) return `Aimaira answered HTTP ${error.status}`;
  if (error instanceof NetworkError) {
    return error.reason === 'timeout' ? 'Aimaira did not answer in time' : 'the connection to Aimaira failed';
  }
  if (error instanceof ResponseShapeError) return 'Aimaira answered in an unexpected shape';
  return 'an unexpected error';
}

/** Whether `read` was refused with one of `statuses` (true), worked (false); anything else is thrown. */
async function refused(read: () => Promise<unknown>, statuses: readonly number[] = [400]): Promise<boolean> {
  try {
    await read();
    return false;
  } catch (error) {
    if (error instanceof HttpStatusError && statuses.includes(error.status)) return true;
    throw error;
  }
}

/** Two ids every tenant has (its resource types), to ask for by id. */
async function knownIds(client: ReturnType<typeof createAimairaClient>): Promise<number[]> {
  const types = await client.listAll('TypeRessource', { select: ['Id'] });
  return types.slice(0, 2).map((type) => type.Id);
}

/** `Id eq a or Id eq a ...` (`terms` of them) under `nots` negations: 4 × terms − 1 + nots nodes. */
function filterOfNodes(id: number, nodes: number): Filter {
  const terms = Math.floor((nodes + 1) / 4);
  let filter = or(...Array.from({ length: terms }, () => eq('Id', id)));
  for (let count = 4 * terms - 1; count < nodes; count++) filter = not(filter);
  return filter;
}

async function probeFilter(clientWith: ClientFor): Promise<PreflightFinding> {
  const ids = await knownIds(clientWith({}));
  const [first] = ids;
  if (first === undefined) {
    return {
      point: 'aimaira.filter',
      ok: false,
      found: 'Aimaira lists no resource type (TypeRessource), so there was nothing to ask for by id.',
      strategy: 'The connector finds out at the first run: `in` first, `or` chains if `in` is refused.',
    };
  }
  const sameIds = (records: readonly { Id: number }[]) =>
    records.length === ids.length && records.every((record) => ids.includes(record.Id));
  let inWorks = false;
  await refused(async () => {
    const records = await clientWith({ filter: 'in' }).listByIds('TypeRessource', 'Id', ids, { select: ['Id'] });
    inWorks = sameIds(records);
  });
  const orClient = clientWith({ filter: 'or', maxFilterNodes: nodeProbe.over });
  let orWorks = false;
  await refused(async () => {
    orWorks = sameIds(await orClient.listByIds('TypeRessource', 'Id', ids, { select: ['Id'] }));
  });

  const parts = [
    inWorks ? '`in` lists (OData 4.01) are accepted.' : '`in` lists are refused.',
    orWorks ? '`or` chains are accepted.' : '`or` chains are refused too.',
  ];
  let maxFilterNodes: number | undefined;
  if (orWorks) {
    const accepts = async (nodes: number) =>
      !(await refused(() =>
        orClient.listAll('TypeRessource', { filter: filterOfNodes(first, nodes), select: ['Id'] }),
      ));
    if (await accepts(nodeProbe.within)) {
      maxFilterNodes = nodeProbe.within;
      parts.push(
        (await accepts(nodeProbe.over))
          ? `A filter of ${nodeProbe.over} nodes is accepted as well (no limit of ${nodeProbe.within} seen).`
          : `A filter of ${nodeProbe.within} nodes is accepted and one of ${nodeProbe.over} refused.`,
      );
    } else if (await accepts(nodeProbe.fallback)) {
      maxFilterNodes = nodeProbe.fallback;
      parts.push(`A filter of ${nodeProbe.within} nodes is refused; one of ${nodeProbe.fallback} is accepted.`);
    } else {
      parts.push(`Filters of ${nodeProbe.within} and ${nodeProbe.fallback} nodes are refused.`);
    }
  }
  const found = parts.join(' ');
  if (inWorks) {
    return {
      point: 'aimaira.filter',
      ok: true,
      found,
      strategy: 'Ids are asked for in `in` lists, as many a request as 2,048 characters of query allow.',
      data: { filter: 'in', ...(maxFilterNodes !== undefined && { maxFilterNodes }) },
    };
  }
  if (orWorks && maxFilterNodes !== undefined) {
    return {
      point: 'aimaira.filter',
      ok: true,
      found,
      strategy:
        `Ids are asked for in \`or\` chains of at most ${maxFilterNodes} nodes a request, runs of close ids as ` +
        'ranges (the few records a range brings that were not asked for are dropped).',
      data: { filter: 'or', maxFilterNodes },
    };
  }
  return {
    point: 'aimaira.filter',
    ok: false,
    found,
    strategy: 'Aimaira cannot be read by lists of ids: downward runs will fail until this is looked into.',
  };
}

/** Two sessions' ids (what runs ask `Object` about), else two known ids of any record. */
async function knownSessionIds(client: ReturnType<typeof createAimairaClient>): Promise<number[]> {
  const sessions = await client.listAll('Planification', { select: ['Id'], top: 2 });
  return sessions.length > 0 ? sessions.map((session) => session.Id) : knownIds(client);
}

async function probeObjects(clientWith: ClientFor): Promise<PreflightFinding> {
  const ids = await knownSessionIds(clientWith({}));
  const [first] = ids;
  if (first === undefined) {
    return {
      point: 'aimaira.objects',
      ok: true,
      found: 'Aimaira lists no resource type (TypeRessource), so there was no known record to ask about.',
      strategy: 'The connector finds out at the first run: the collection first, one read per id if refused.',
    };
  }
  let answered = 0;
  const collectionRefused = await refused(async () => {
    answered = (await clientWith({ objects: 'collection' }).listByIds('Object', 'Id', ids, { select: ['Id'] })).length;
  }, [400, 404, 405, 501]);
  if (!collectionRefused && answered === ids.length) {
    return {
      point: 'aimaira.objects',
      ok: true,
      found: `The Object collection filtered by ${ids.length} known ids answered each of them.`,
      strategy: 'Creation dates of new sessions are read from the Object collection, many ids a request.',
      data: { objects: 'collection' },
    };
  }
  const one = await clientWith({ objects: 'per-id' }).get('Object', first, { select: ['Id', 'DateCreation'] });
  const how = collectionRefused
    ? 'The Object collection is refused'
    : `The Object collection answered ${answered} of ${ids.length} known ids`;
  if (one === undefined) {
    return {
      point: 'aimaira.objects',
      ok: false,
      found: `${how}, and /Object/{id} does not know a record that exists.`,
      strategy: 'Creation dates cannot be read: the rule on sessions created the same day cannot be applied.',
    };
  }
  return {
    point: 'aimaira.objects',
    ok: true,
    found: `${how}; /Object/{id} answers.`,
    strategy: 'Creation dates of new sessions are read one id a request (each is read once, then remembered).',
    data: { objects: 'per-id' },
  };
}

async function probeMail(clientWith: ClientFor): Promise<PreflightFinding> {
  const mail: Partial<Record<PersonSet, 'expand' | 'by-id'>> = {};
  const parts: string[] = [];
  let ok = true;
  for (const set of personSets) {
    const words = personWords[set];
    const hint = (how: 'expand' | 'by-id'): AimairaStrategyHints => ({ mail: { [set]: how } });
    let sample: { Id: number; MailId: number | null; Mail?: unknown }[] = [];
    const expandRefused = await refused(async () => {
      sample = await clientWith(hint('expand')).listAll(set, {
        top: 1,
        select: ['Id', 'MailId'],
        expand: ['Mail'],
      });
    });
    if (!expandRefused) {
      if (sample.length === 0) {
        parts.push(`No ${words} to try $expand=Mail on.`);
        continue;
      }
      mail[set] = 'expand';
      const [person] = sample;
      const empty = person !== undefined && person.MailId && (person.Mail === null || person.Mail === undefined);
      parts.push(
        empty
          ? `$expand=Mail on ${words} is accepted, but came back empty for a record with a MailId (read by id then).`
          : `$expand=Mail on ${words} is accepted.`,
      );
      continue;
    }
    // Refused: the address must come through MailId. Check that a Mail can be read by id.
    const byId = clientWith(hint('by-id'));
    const [withMail] = await byId.listAll(set, { top: 1, select: ['Id', 'MailId'], filter: gt('MailId', 0) });
    if (withMail?.MailId === undefined || withMail.MailId === null) {
      mail[set] = 'by-id';
      parts.push(`$expand=Mail on ${words} is refused, and none has a MailId to read by id.`);
      continue;
    }
    const found = await byId.listByIds('Mail', 'Id', [withMail.MailId], { select: ['Id'] });
    if (found.length === 1) {
      mail[set] = 'by-id';
      parts.push(`$expand=Mail on ${words} is refused; their Mail is read by MailId.`);
    } else {
      ok = false;
      parts.push(`$expand=Mail on ${words} is refused, and the Mail their MailId names cannot be read.`);
    }
  }
  const known = personSets.filter((set) => mail[set] !== undefined);
  const strategy =
    known.length === 0
      ? 'The connector finds out at the first run: $expand=Mail first, the Mail read by MailId if refused.'
      : known
          .map((set) => `${personWords[set]}: ${mail[set] === 'expand' ? '$expand=Mail' : 'Mail read by MailId'}`)
          .join('; ') + (known.length < personSets.length ? '; the others are found out at the first run.' : '.');
  return { point: 'aimaira.mail', ok, found: parts.join(' '), strategy, ...(known.length > 0 && { data: { mail } }) };
}

async function probeNextLink(connection: Omit<AimairaClientOptions, 'strategies'>): Promise<PreflightFinding> {
  const { transport, baseUrl } = createAimairaTransport(connection);
  const page = collectionOf(z.looseObject({ Id: z.number() }));
  let link: string | undefined;
  let firstIds: number[] = [];
  for (const set of ['TypeRessource', 'TypePlanification']) {
    const response = await transport.request({
      method: 'GET',
      path: set,
      query: { $select: 'Id' },
      extraHeaders: { prefer: 'odata.maxpagesize=1' },
    });
    const parsed = page.safeParse(response.json);
    if (!parsed.success) throw new ResponseShapeError('aimaira', transport.describe(new URL(response.url)), ['value']);
    link = parsed.data['@odata.nextLink'];
    firstIds = parsed.data.value.map((record) => record.Id);
    if (link !== undefined) break;
  }
  if (link === undefined) {
    return {
      point: 'aimaira.nextLink',
      ok: true,
      found: 'Asked for pages of one record, Aimaira sent whole lists in one page: no next link to look at.',
      strategy: 'Next links, when they come, are followed on the configured origin; credentials go nowhere else.',
      data: { seen: false },
    };
  }
  const next = rebaseNextLink(link, baseUrl.href, baseUrl);
  if (!('url' in next)) {
    const named = next.linkOrigin === undefined ? '' : ` (it names ${next.linkOrigin})`;
    return {
      point: 'aimaira.nextLink',
      ok: false,
      found: `The next link ${next.problem}${named}.`,
      strategy: 'Such links are refused: reads of more than one page fail until this is looked into.',
      data: { seen: true, ...(next.linkOrigin !== undefined && { origin: next.linkOrigin }), underRoot: false },
    };
  }
  const sameOrigin = next.linkOrigin === baseUrl.origin;
  const where = sameOrigin ? 'the configured origin' : `${next.linkOrigin}, not the configured ${baseUrl.origin}`;
  // Followed as the client does: its path and query on the configured origin.
  const response = await transport.request({
    method: 'GET',
    path: next.url,
    extraHeaders: { prefer: 'odata.maxpagesize=1' },
  });
  const second = page.safeParse(response.json);
  const moved = second.success && second.data.value.some((record) => !firstIds.includes(record.Id));
  return {
    point: 'aimaira.nextLink',
    ok: moved,
    found:
      `The next link names ${where}.` +
      (moved
        ? ' Its path and query on the configured origin give the next page.'
        : ' Followed, it did not give the next page.'),
    strategy:
      'Each next link is followed with its path and query on the configured origin; credentials go nowhere else.',
    data: { seen: true, origin: next.linkOrigin, sameOrigin, underRoot: true, followed: moved },
  };
}

async function probeTypeCodes(client: ReturnType<typeof createAimairaClient>): Promise<PreflightFinding> {
  const [types, states] = await Promise.all([
    client.resolveTypeCodes(),
    client.listAll('EtatConvention', { select: ['Id', 'Code'] }),
  ]);
  const lists = { ...types, etatConvention: idsByCode(states) };
  const missing = (Object.keys(requiredCodes) as (keyof typeof requiredCodes)[]).flatMap((list) =>
    requiredCodes[list].filter((code) => (lists[list][code] ?? []).length === 0),
  );
  const listNames = {
    planification: 'TypePlanification',
    ressource: 'TypeRessource',
    etatConvention: 'EtatConvention',
  };
  const several = (Object.keys(listNames) as (keyof typeof listNames)[]).flatMap((list) => {
    const codes = Object.entries(lists[list]).flatMap(([code, ids]) =>
      ids.length > 1 ? [`${code} (${ids.length})`] : [],
    );
    return codes.length > 0 ? [`${listNames[list]} ${codes.join(', ')}`] : [];
  });
  const found =
    (several.length > 0 ? `Codes with more than one id: ${several.join('; ')}.` : 'Every code has one id.') +
    (missing.length > 0 ? ` Missing: ${missing.join(', ')}.` : '');
  return {
    point: 'aimaira.typeCodes',
    ok: missing.length === 0,
    found,
    strategy:
      missing.length === 0
        ? 'Every id of a code counts (a session or row typed with either id is of that code).'
        : 'Records of a missing code cannot be recognised: sessions or rows of that kind are left out.',
    data: lists,
  };
}

async function probeProvenance(
  client: ReturnType<typeof createAimairaClient>,
  wanted: string | null,
): Promise<PreflightFinding> {
  const metadata = await client.metadata();
  const type = metadata?.provenancePresence;
  const keep = 'Each row keeps the ProvenancePresence it has.';
  if (type === undefined) {
    // A value that cannot be checked is not written: on a server where the field is an enumeration that does not
    // list it, every row would be refused.
    return {
      point: 'aimaira.provenance',
      ok: wanted === null,
      found:
        metadata === undefined
          ? '$metadata could not be read, so the values ProvenancePresence takes are not known.'
          : '$metadata does not say what type ProvenancePresence has.',
      strategy: wanted === null ? keep : `"${wanted}" cannot be checked, so it is not written: ${keep.toLowerCase()}`,
      data: { kind: 'unknown', write: null },
    };
  }
  if (type.kind === 'text') {
    return {
      point: 'aimaira.provenance',
      ok: true,
      found: 'ProvenancePresence is free text.',
      strategy: wanted === null ? keep : `"${wanted}" is written on the rows the connector marks.`,
      data: { kind: 'text', write: wanted },
    };
  }
  const listed = `ProvenancePresence is an enumeration: ${type.members.join(', ')}.`;
  if (wanted === null) {
    return { point: 'aimaira.provenance', ok: true, found: listed, strategy: keep, data: { ...type, write: null } };
  }
  const member = type.members.includes(wanted);
  return {
    point: 'aimaira.provenance',
    ok: member,
    found: listed,
    strategy: member
      ? `"${wanted}" is written on the rows the connector marks.`
      : `"${wanted}" is not one of them, so it is not written: ${keep.toLowerCase()}`,
    data: { ...type, write: member ? wanted : null },
  };
}
