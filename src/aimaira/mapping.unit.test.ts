import { describe, expect, it } from 'vitest';

import { codesToLookUp, learnerDirectory, learnerOfRow, matchLearnerRow } from './mapping.js';

/** Learner 1 is A00001, learner 2 is A00002; learners 7 and 8 share A00078 (bad data). */
const learners = learnerDirectory([
  { Id: 1, Code: 'A00001' },
  { Id: 2, Code: 'A00002' },
  { Id: 7, Code: 'A00078' },
  { Id: 8, Code: 'A00078' },
  { Id: 9, Code: null },
]);

describe('matchLearnerRow: which learner a learner row names', () => {
  it('a row whose Reference is the learner and whose Code is their code names that learner, both ways', () => {
    expect(matchLearnerRow({ Reference: 1, Code: 'A00001' }, learners)).toEqual({ kind: 'both', learnerId: 1 });
  });

  it('a row whose Reference names a learner and whose Code names nobody known is matched by Reference', () => {
    expect(matchLearnerRow({ Reference: 1, Code: 'Z99999' }, learners)).toEqual({ kind: 'reference', learnerId: 1 });
    expect(matchLearnerRow({ Reference: 1, Code: null }, learners)).toEqual({ kind: 'reference', learnerId: 1 });
  });

  it('a row whose Reference names no learner falls back to its Code', () => {
    expect(matchLearnerRow({ Reference: 4_242, Code: 'A00002' }, learners)).toEqual({ kind: 'code', learnerId: 2 });
    expect(matchLearnerRow({ Reference: 0, Code: 'A00002' }, learners)).toEqual({ kind: 'code', learnerId: 2 });
    expect(matchLearnerRow({ Reference: null, Code: 'A00002' }, learners)).toEqual({ kind: 'code', learnerId: 2 });
  });

  it('compares codes without the padding of fixed-width columns and without case', () => {
    expect(matchLearnerRow({ Reference: 0, Code: ' a00002   ' }, learners)).toEqual({ kind: 'code', learnerId: 2 });
  });

  it('a row whose Reference names one learner while its Code is another learner’s code is a conflict', () => {
    expect(matchLearnerRow({ Reference: 1, Code: 'A00002' }, learners)).toEqual({
      kind: 'conflict',
      referenceLearnerId: 1,
      codeLearnerId: 2,
    });
  });

  it('a row that names nobody either way matches no learner', () => {
    expect(matchLearnerRow({ Reference: 4_242, Code: 'Z99999' }, learners)).toEqual({ kind: 'none' });
    expect(matchLearnerRow({ Reference: 0, Code: '' }, learners)).toEqual({ kind: 'none' });
  });

  it('a code two learners share does not decide alone, but agrees with a Reference that names one of them', () => {
    expect(matchLearnerRow({ Reference: 0, Code: 'A00078' }, learners)).toEqual({ kind: 'none' });
    expect(matchLearnerRow({ Reference: 8, Code: 'A00078' }, learners)).toEqual({ kind: 'both', learnerId: 8 });
  });

  it('when reading sessions, a conflict is taken for the learner Reference names', () => {
    expect(learnerOfRow(matchLearnerRow({ Reference: 1, Code: 'A00002' }, learners))).toBe(1);
    expect(learnerOfRow(matchLearnerRow({ Reference: 0, Code: 'A00002' }, learners))).toBe(2);
    expect(learnerOfRow(matchLearnerRow({ Reference: 0, Code: 'nobody' }, learners))).toBeUndefined();
  });
});

describe('codesToLookUp: what still has to be read by Code once the learners named by Reference are known', () => {
  it('nothing when every row’s Code is the code of the learner its Reference names', () => {
    expect(
      codesToLookUp(
        [
          { Reference: 1, Code: 'A00001' },
          { Reference: 2, Code: 'A00002 ' },
        ],
        learners,
      ),
    ).toEqual([]);
  });

  it('the codes of rows whose Reference names nobody known, and codes that are not the referenced learner’s, once each', () => {
    expect(
      codesToLookUp(
        [
          { Reference: 4_242, Code: 'A00050' },
          { Reference: 1, Code: 'A00051' },
          { Reference: 0, Code: ' A00050' },
          { Reference: 2, Code: null },
        ],
        learners,
      ),
    ).toEqual(['A00050', 'A00051']);
  });

  it('a code known through another row’s Reference is still looked up: a second learner may hold it', () => {
    // Read by id: learner 1 (A00001), named by the first row. The second row's Reference names nobody.
    const named = learnerDirectory([{ Id: 1, Code: 'A00001' }]);
    const rows = [
      { Reference: 1, Code: 'A00001' },
      { Reference: 999, Code: 'A00001' },
    ];
    expect(codesToLookUp(rows, named)).toEqual(['A00001']);
    // Read by code: learners 1 and 2 both hold A00001, so the second row names nobody, as it would alone.
    const all = learnerDirectory([
      { Id: 1, Code: 'A00001' },
      { Id: 2, Code: 'A00001' },
    ]);
    expect(matchLearnerRow(rows[1]!, all)).toEqual({ kind: 'none' });
    expect(matchLearnerRow(rows[0]!, all)).toEqual({ kind: 'both', learnerId: 1 });
  });

  it('a code the row’s own Reference explains is not looked up, even when other rows need it', () => {
    const named = learnerDirectory([
      { Id: 1, Code: 'A00001' },
      { Id: 2, Code: 'A00002' },
    ]);
    expect(
      codesToLookUp(
        [
          { Reference: 1, Code: ' a00001 ' },
          { Reference: 2, Code: 'A00001' },
          { Reference: 2, Code: 'A00002' },
        ],
        named,
      ),
    ).toEqual(['A00001']);
  });
});
