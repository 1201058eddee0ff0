/**
 * The preflight (`tenant check --deep`): what the connector found out, with reads only, about how a tenant's
 * servers behave where no public document settles it, and which way it will work with them. Each point is a
 * finding in plain words and a strategy as data; the whole report is kept in the store, shown on the dashboard,
 * and its strategies are given to the clients of every run.
 */
import { z } from 'zod';

/** The points the preflight probes, in the order it reports them. */
export const preflightPoints = {
  'aimaira.filter': 'Whether Aimaira takes `in` lists in $filter, or only `or` chains (and how long a filter may be).',
  'aimaira.objects': 'Whether the `Object` collection can be filtered by ids, or each record must be read by id.',
  'aimaira.mail': 'Whether `$expand=Mail` works on learners, facilitators and tutors, or e-mails are read by MailId.',
  'aimaira.nextLink': 'Which origin Aimaira writes in @odata.nextLink (the connector always uses the configured one).',
  'aimaira.typeCodes': 'The ids of each type and agreement-state code (a code may have several).',
  'aimaira.rowMatch':
    "Whether a learner row's Reference names the learner, and whether its Code is the learner's code.",
  'aimaira.provenance':
    'The values ProvenancePresence accepts, from $metadata, and the value the connector will write.',
  'edusign.school': "This school's Edusign id, which says whether a facilitator is archived here.",
  'edusign.professorHidden': 'How Edusign writes HIDDEN on a facilitator: 0/1, or a list of school ids.',
  'edusign.studentPaging': 'How many learners a page holds when no limit is sent, and whether limit is taken.',
  'edusign.notFound': 'How Edusign answers a look-up that finds nothing.',
  'edusign.groupLookup': 'Whether groups can be looked up by API_ID, or the list must be read.',
  'edusign.externals': 'Whether the externals look-up (tutors) answers with the API envelope.',
} as const;
export type PreflightPoint = keyof typeof preflightPoints;

/** One probed point. */
export interface PreflightFinding {
  point: PreflightPoint;
  /** False when what was found stops a feature or needs a person's decision; a fallback that works is ok. */
  ok: boolean;
  /** Plain words: what the server did. Never a secret or a person's data. */
  found: string;
  /** Plain words: what the connector will do about it. */
  strategy: string;
  /** The same as data, for `--json` and for the clients (e.g. `{ filter: 'or', maxNodes: 100 }`). */
  data?: Readonly<Record<string, unknown>> | undefined;
}

/** What one preflight found, as kept in the store and printed by `tenant check --deep --json`. */
export interface PreflightReport {
  tenantId: string;
  /** ISO instant the preflight ran. */
  ranAt: string;
  /** The services it probed: a report about other URLs (the tenant moved, say to production) is not used. */
  urls: { aimaira: string; edusign: string };
  /** Every finding is ok: nothing stops a feature or needs a person. */
  ok: boolean;
  findings: PreflightFinding[];
}

const pointNames = Object.keys(preflightPoints) as [PreflightPoint, ...PreflightPoint[]];

/** The report as read back from the store: checked, since an older or corrupt row must not reach a run. */
export const PreflightReportSchema = z.object({
  tenantId: z.string(),
  ranAt: z.string(),
  urls: z.object({ aimaira: z.string(), edusign: z.string() }),
  ok: z.boolean(),
  findings: z.array(
    z.object({
      point: z.enum(pointNames),
      ok: z.boolean(),
      found: z.string(),
      strategy: z.string(),
      data: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});
