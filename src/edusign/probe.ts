/**
 * The Edusign half of the preflight: how this tenant's Edusign server behaves where no public document settles it,
 * found with reads only (never a write), and which way the connector works with it. Each point is a finding in
 * plain words with its facts as data; nothing in a finding names a person or carries a secret (counts and shapes
 * only; the addresses and ids asked for are made up and cannot exist).
 */
import type { PreflightFinding, PreflightPoint } from '../domain/preflight.js';
import { toError } from '../errors.js';
import { edusignStudentPageLimit } from './client.js';
import type { CallOptions, EdusignAnswer, EdusignClient } from './client.js';
import { EdusignHidden, isArchived, isEmptyResult } from './schemas.js';

export interface EdusignProbeOptions extends CallOptions {
  /** Whether the tenant imports tutors (`importStudentTutors`): then a server without externals needs a person. */
  tutors?: boolean;
}

/** An id, an API_ID and an address that no school can hold (`.example` is reserved, RFC 2606). */
export const probeValues = {
  id: 'preflight-probe-no-such-id',
  apiId: 'preflight-probe-no-such-api-id',
  email: 'probe@invalid.example',
} as const;

type Finding = Omit<PreflightFinding, 'point'>;

/** Probes every Edusign point, in the order the preflight reports them. */
export async function probeEdusign(
  client: EdusignClient,
  options: EdusignProbeOptions = {},
): Promise<PreflightFinding[]> {
  const call: CallOptions = options.signal ? { signal: options.signal } : {};
  const inspect = (path: string, query?: Readonly<Record<string, string | number>>) =>
    client.inspect(path, query, call);
  let schoolId: string | undefined;

  const points: Array<[PreflightPoint, () => Promise<Finding>]> = [
    [
      'edusign.school',
      async () => {
        schoolId = await client.schoolId(call);
        return schoolId === undefined
          ? {
              ok: false,
              found: 'GET /v1/school did not give this school’s id.',
              strategy:
                'A facilitator whose HIDDEN lists any school is taken as archived here, so one archived only in another school is kept off sheets: check the API key’s school.',
              data: { schoolIdKnown: false },
            }
          : {
              ok: true,
              found: 'GET /v1/school gave this school’s id.',
              strategy: 'A facilitator is taken as archived only when its HIDDEN lists this school.',
              data: { schoolIdKnown: true, schoolId },
            };
      },
    ],
    ['edusign.professorHidden', async () => professorHidden(await inspect('/v1/professor', { page: 0 }), schoolId)],
    [
      'edusign.studentPaging',
      async () => {
        const plain = await inspect('/v1/student', { page: 0 });
        const limited = await inspect('/v1/student', { page: 0, limit: edusignStudentPageLimit });
        const next =
          limited.kind === 'success' && Array.isArray(limited.result) && limited.result.length > 0
            ? await inspect('/v1/student', { page: 1, limit: edusignStudentPageLimit })
            : undefined;
        return studentPaging(plain, limited, next);
      },
    ],
    [
      'edusign.notFound',
      async () =>
        notFound({
          'student by id': await inspect(`/v1/student/${probeValues.id}`),
          'student by API_ID': await inspect(`/v1/student/get-id/${probeValues.apiId}`),
          'facilitator by e-mail': await inspect(`/v1/professor/by-email/${encodeURIComponent(probeValues.email)}`),
          'sheet by id': await inspect(`/v1/course/${probeValues.id}`),
        }),
    ],
    ['edusign.groupLookup', async () => groupLookup(await inspect(`/v1/group/get-id/${probeValues.apiId}`))],
    [
      'edusign.externals',
      async () =>
        externals(
          await inspect(`/v1/externals/by-email/${encodeURIComponent(probeValues.email)}`),
          options.tutors ?? false,
        ),
    ],
  ];

  const findings: PreflightFinding[] = [];
  for (const [point, probe] of points) {
    try {
      findings.push({ point, ...(await probe()) });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      findings.push({
        point,
        ok: false,
        found: `Edusign could not be asked: ${toError(error).message}`,
        strategy: 'Nothing is decided on this point until a preflight gets an answer.',
        data: { reached: false },
      });
    }
  }
  return findings;
}

// ---- Reading each answer ---------------------------------------------------------------------------------------

/** An answer in a few words, for `found`. */
function describe(answer: EdusignAnswer): string {
  switch (answer.kind) {
    case 'success':
      return isEmptyResult(answer.result)
        ? `a success with an empty result (${emptyShape(answer.result)})`
        : 'a success with a result';
    case 'business-error':
      return `the business error ${answer.code}`;
    case 'not-envelope':
      return `HTTP ${answer.status} without the API envelope (no such route)`;
    case 'http-error':
      return `HTTP ${answer.status}`;
  }
}

const emptyShape = (result: unknown): string =>
  result === null || result === undefined ? 'null' : Array.isArray(result) ? '[]' : '{}';

/** What the answer says of "found nothing": `not-found` when the client reads it as such. */
function notFoundKind(answer: EdusignAnswer): string {
  if (answer.kind === 'business-error') return answer.code === 'NOT_FOUND' ? 'business-error' : `error:${answer.code}`;
  if (answer.kind === 'success') return isEmptyResult(answer.result) ? `empty:${emptyShape(answer.result)}` : 'record';
  return answer.kind === 'not-envelope' ? `no-route:${answer.status}` : `http:${answer.status}`;
}

function professorHidden(answer: EdusignAnswer, schoolId: string | undefined): Finding {
  if (answer.kind !== 'success' || !Array.isArray(answer.result)) {
    return {
      ok: false,
      found: `The first page of facilitators could not be read: ${describe(answer)}.`,
      strategy: 'Both shapes of HIDDEN are read (0/1 and a list of school ids); nothing else is decided.',
      data: { shape: 'unknown' },
    };
  }
  const hidden = answer.result.map((record: unknown) =>
    typeof record === 'object' && record !== null ? (record as Record<string, unknown>)['HIDDEN'] : undefined,
  );
  const lists = hidden.filter(Array.isArray).length;
  const flags = hidden.length - lists;
  const shape = hidden.length === 0 ? 'none' : lists === 0 ? 'flag' : flags === 0 ? 'list' : 'mixed';
  const read = hidden.flatMap((value) => {
    const parsed = EdusignHidden.safeParse(value);
    return parsed.success ? [{ HIDDEN: parsed.data }] : [];
  });
  const archivedHere = read.filter((record) => isArchived(record, schoolId)).length;
  const archivedSomewhere = read.filter((record) => isArchived(record, undefined)).length;
  const found = {
    none: 'There is no facilitator on the first page to tell how HIDDEN is written.',
    flag: `HIDDEN is a 0/1 flag on the ${hidden.length} facilitators of the first page.`,
    list: `HIDDEN is a list of school ids on the ${hidden.length} facilitators of the first page (${archivedSomewhere} archived somewhere, ${archivedHere} of them here).`,
    mixed: `HIDDEN is a list on ${lists} and a flag on ${flags} of the facilitators of the first page.`,
  }[shape];
  return {
    ok: true,
    found,
    strategy:
      shape === 'flag'
        ? 'A facilitator is archived when the flag is set; a list of school ids would be read as well.'
        : `A facilitator is archived when HIDDEN lists this school${schoolId === undefined ? ' (its id is unknown, so: when the list is not empty)' : ''}; a 0/1 flag is read as well.`,
    data: { shape, seen: hidden.length, archivedHere, archivedSomewhere },
  };
}

function studentPaging(plain: EdusignAnswer, limited: EdusignAnswer, next: EdusignAnswer | undefined): Finding {
  const strategy = `The learner list is read with limit=${edusignStudentPageLimit} until an empty page, so a page shorter than asked does not end it.`;
  const size = (answer: EdusignAnswer | undefined) =>
    answer?.kind === 'success' && Array.isArray(answer.result) ? answer.result.length : undefined;
  const withoutLimit = size(plain);
  const withLimit = size(limited);
  if (withoutLimit === undefined || withLimit === undefined) {
    const refused = withLimit === undefined ? limited : plain;
    return {
      ok: false,
      found: `The learner list answered ${describe(refused)}${withLimit === undefined && withoutLimit !== undefined ? ' when limit was sent' : ''}.`,
      strategy: 'The learner list cannot be read as the connector reads it: a person must look at this server.',
      data: { withoutLimit: withoutLimit ?? null, withLimit: withLimit ?? null, limitSent: edusignStudentPageLimit },
    };
  }
  const morePages = size(next) !== undefined && (size(next) ?? 0) > 0;
  // A full answer to the limit, or more than without it, shows the limit taken; a short one followed by more
  // pages shows a cap under it.
  const honoured = withLimit > withoutLimit || withLimit === edusignStudentPageLimit ? true : morePages ? false : null;
  const cap = withLimit < edusignStudentPageLimit && morePages ? withLimit : null;
  const found =
    withoutLimit === 0
      ? 'There are no learners, so the page size cannot be seen.'
      : `Page 0 holds ${withoutLimit} learners without limit and ${withLimit} with limit=${edusignStudentPageLimit}${
          cap !== null ? `, with more pages after: the server caps a page at ${cap}` : ''
        }${honoured === null ? ' (the whole list fits in one page, so whether limit is taken cannot be told)' : ''}.`;
  return {
    ok: true,
    found,
    strategy,
    data: { withoutLimit, withLimit, limitSent: edusignStudentPageLimit, limitHonoured: honoured, pageCap: cap },
  };
}

function notFound(answers: Readonly<Record<string, EdusignAnswer>>): Finding {
  const kinds = Object.fromEntries(Object.entries(answers).map(([what, answer]) => [what, notFoundKind(answer)]));
  const understood = Object.values(kinds).every((kind) => kind === 'business-error' || kind.startsWith('empty:'));
  const found = Object.entries(answers)
    .map(([what, answer]) => `${what}: ${describe(answer)}`)
    .join('; ');
  return {
    ok: understood,
    found: `Looking up what cannot exist answered ${found}.`,
    strategy: understood
      ? 'A not-found business error and an empty success (null, {} or []) are both read as "not found".'
      : 'Some look-up does not answer "not found" in a way the connector reads: a person must look at this server.',
    data: kinds,
  };
}

function groupLookup(answer: EdusignAnswer): Finding {
  const present = answer.kind === 'success' || answer.kind === 'business-error';
  if (answer.kind === 'http-error') {
    return {
      ok: false,
      found: `The group look-up by API_ID answered ${describe(answer)}.`,
      strategy: 'Groups are found by reading their list while this lasts.',
      data: { getIdRoute: null },
    };
  }
  return {
    ok: true,
    found: present
      ? 'GET /v1/group/get-id answers with the API envelope: groups can be looked up by API_ID.'
      : `GET /v1/group/get-id answered ${describe(answer)}.`,
    strategy: present
      ? 'A group is looked up by API_ID, or the list is read when many are missing.'
      : 'Groups are found by reading the group list once per run.',
    data: { getIdRoute: present },
  };
}

function externals(answer: EdusignAnswer, tutors: boolean): Finding {
  if (answer.kind === 'http-error') {
    return {
      ok: false,
      found: `GET /v1/externals/by-email answered ${describe(answer)}.`,
      strategy: 'Whether this server has externals (tutors) is not known until a preflight gets an answer.',
      data: { envelope: null, status: answer.status },
    };
  }
  const present = answer.kind === 'success' || answer.kind === 'business-error';
  return {
    ok: present || !tutors,
    found: present
      ? 'GET /v1/externals/by-email answers with the API envelope.'
      : `GET /v1/externals/by-email answered ${describe(answer)}.`,
    strategy: present
      ? 'Tutors are written as externals when importStudentTutors is on (the write routes are the project’s reading).'
      : tutors
        ? 'Tutors are left out of every run (one TUTORS_UNAVAILABLE event) while learners and sheets come down.'
        : 'importStudentTutors is off, so nothing depends on it; with it on, tutors would be left out.',
    data: {
      envelope: present,
      ...(answer.kind !== 'success' && answer.kind !== 'business-error' && { status: answer.status }),
    },
  };
}
