/**
 * The preflight's look at learner rows (point `aimaira.rowMatch`): on a sample of the learner rows of upcoming
 * sessions, how many name their learner by `Reference` (the learner's id), how many by `Code` (the learner's code),
 * and whether the two agree. Reads only, and few: the sessions of the coming days and their learner rows, each
 * with `$top`, then the learners those rows name, batched as a run reads them (`resolveRowLearners`).
 *
 * The finding says counts only: no name, e-mail or code of anyone.
 */
import type { AimairaClient } from '../aimaira/client.js';
import { matchLearnerRow } from '../aimaira/mapping.js';
import type { LearnerDirectory, LearnerRowKey } from '../aimaira/mapping.js';
import { and, eq, ge, lt, or } from '../aimaira/query.js';
import type { PreflightFinding } from '../domain/preflight.js';
import { resolveRowLearners } from './learner-rows.js';

export interface RowMatchProbeOptions {
  /** The instant the sample starts from. */
  now: Date;
  /** Days ahead whose sessions are sampled; 14 by default. */
  days?: number;
  /** At most this many learner rows; 50 by default. */
  sampleSize?: number;
}

/** How the rows of the sample name their learner. */
export interface RowMatchCounts {
  sampled: number;
  /** `Reference` names a learner (whatever `Code` says). */
  byReference: number;
  /** `Code` is a learner's code (whatever `Reference` says). */
  byCode: number;
  /** Both, naming the same learner. */
  agreeing: number;
  /** `Reference` names one learner, `Code` another. */
  disagreeing: number;
  /** Only `Reference` names a learner. */
  referenceOnly: number;
  /** Only `Code` does. */
  codeOnly: number;
  /** Neither does. */
  neither: number;
}

export const rowMatchStrategy = 'Reference first, Code as fallback; disagreeing rows are reported, not written.';

export function countRowMatches(rows: readonly LearnerRowKey[], learners: LearnerDirectory): RowMatchCounts {
  const counts: RowMatchCounts = {
    sampled: rows.length,
    byReference: 0,
    byCode: 0,
    agreeing: 0,
    disagreeing: 0,
    referenceOnly: 0,
    codeOnly: 0,
    neither: 0,
  };
  for (const row of rows) {
    const match = matchLearnerRow(row, learners);
    switch (match.kind) {
      case 'both':
        counts.agreeing++;
        break;
      case 'conflict':
        counts.disagreeing++;
        break;
      case 'reference':
        counts.referenceOnly++;
        break;
      case 'code':
        counts.codeOnly++;
        break;
      case 'none':
        counts.neither++;
        break;
    }
  }
  counts.byReference = counts.agreeing + counts.disagreeing + counts.referenceOnly;
  counts.byCode = counts.agreeing + counts.disagreeing + counts.codeOnly;
  return counts;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The finding, in plain words, from the counts. */
export function rowMatchFinding(counts: RowMatchCounts, days: number): PreflightFinding {
  const data = { ...counts, days, strategy: 'reference-then-code' };
  if (counts.sampled === 0) {
    return {
      point: 'aimaira.rowMatch',
      ok: true,
      found: `No learner rows in the sessions of the next ${days} days to look at.`,
      strategy: rowMatchStrategy,
      data,
    };
  }
  const found = [
    `Of ${plural(counts.sampled, 'learner row', 'learner rows')} of sessions in the next ${days} days,`,
    `${counts.byReference} name their learner by Reference and ${counts.byCode} by Code:`,
    `${counts.agreeing} both ways and agreeing, ${counts.disagreeing} disagreeing,`,
    `${counts.referenceOnly} by Reference only, ${counts.codeOnly} by Code only, ${counts.neither} neither.`,
  ].join(' ');
  const notes: string[] = [];
  if (counts.disagreeing > 0) {
    notes.push(
      `${plural(counts.disagreeing, 'row names', 'rows name')} two different learners: their attendance will not be written until corrected in Aimaira.`,
    );
  }
  if (counts.neither > 0) {
    notes.push(
      `${plural(counts.neither, 'row names', 'rows name')} no learner either way: those learners cannot be synchronised.`,
    );
  }
  return {
    point: 'aimaira.rowMatch',
    ok: counts.disagreeing === 0 && counts.neither === 0,
    found: [found, ...notes].join(' '),
    strategy: rowMatchStrategy,
    data,
  };
}

/** Reads a sample of learner rows of upcoming sessions and says how they name their learners. Reads only. */
export async function probeRowMatch(aimaira: AimairaClient, options: RowMatchProbeOptions): Promise<PreflightFinding> {
  const days = options.days ?? 14;
  const sampleSize = options.sampleSize ?? 50;
  const types = await aimaira.resolveTypeCodes();
  const learnerTypes = types.ressource['APPRENANT'] ?? [];
  if (learnerTypes.length === 0) {
    return {
      point: 'aimaira.rowMatch',
      ok: false,
      found: 'Aimaira has no resource type with the code APPRENANT: learner rows cannot be told apart.',
      strategy: rowMatchStrategy,
      data: { days, learnerTypes: 0 },
    };
  }
  const from = options.now;
  const to = new Date(from.getTime() + days * 86_400_000);
  const sessions = await aimaira.listAll('Planification', {
    filter: and(ge('Debut', from), lt('Debut', to)),
    select: ['Id'],
    orderBy: ['Debut'],
    top: sampleSize,
  });
  const rows =
    sessions.length === 0
      ? []
      : (
          await aimaira.listByIds(
            'PlanificationRessource',
            'PlanificationId',
            sessions.map((session) => session.Id),
            {
              filter: or(...learnerTypes.map((id) => eq('TypeRessourceId', id))),
              select: ['Reference', 'Code'],
              top: sampleSize,
            },
          )
        ).slice(0, sampleSize);
  const { directory } = await resolveRowLearners(rows, {
    byId: (ids) => aimaira.listByIds('Apprenant', 'Id', ids, { select: ['Code'] }),
    byCode: (codes) => aimaira.listByIds('Apprenant', 'Code', codes, { select: ['Code'] }),
  });
  return rowMatchFinding(countRowMatches(rows, directory), days);
}
