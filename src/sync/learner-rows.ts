/**
 * Finding the learners that learner rows name, with as few reads as the rule allows (`matchLearnerRow` in
 * `aimaira/mapping.ts`): the learners named by `Reference` are read by id in one batch; only the codes that a row's
 * own `Reference` does not explain (the row's `Reference` names no learner, or its `Code` is not that learner's code)
 * are then read by `Code`, in one more batch. A code is read even when another row's `Reference` names a learner who
 * holds it: a second learner may hold it too, and a row naming nobody by `Reference` is then ambiguous (it matches
 * nobody), as it would be alone. Where every row's `Reference` is the learner's id and its `Code` their code, the
 * second read is not made at all.
 *
 * Used by the downward read, the upward read and the preflight probe, so that all three see the same learners.
 */
import { codesToLookUp, learnerDirectory } from '../aimaira/mapping.js';
import type { LearnerDirectory, LearnerRowKey } from '../aimaira/mapping.js';

export interface LearnerReads<R extends { Id: number; Code?: string | null }> {
  /** The `Apprenant` records with these ids. */
  byId(ids: readonly number[]): Promise<R[]>;
  /** The `Apprenant` records with these codes. */
  byCode(codes: readonly string[]): Promise<R[]>;
}

export interface ResolvedLearners<R> {
  /** Every learner read, each once. */
  records: R[];
  directory: LearnerDirectory;
}

export async function resolveRowLearners<R extends { Id: number; Code?: string | null }>(
  rows: readonly LearnerRowKey[],
  reads: LearnerReads<R>,
): Promise<ResolvedLearners<R>> {
  const references = [...new Set(rows.flatMap((row) => (row.Reference && row.Reference > 0 ? [row.Reference] : [])))];
  const named = references.length > 0 ? await reads.byId(references) : [];
  const codes = codesToLookUp(rows, learnerDirectory(named));
  const coded = codes.length > 0 ? await reads.byCode(codes) : [];
  const seen = new Set<number>();
  const records = [...named, ...coded].filter((record) => {
    if (seen.has(record.Id)) return false;
    seen.add(record.Id);
    return true;
  });
  return { records, directory: learnerDirectory(records) };
}
