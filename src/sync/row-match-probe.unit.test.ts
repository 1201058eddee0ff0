import { describe, expect, it } from 'vitest';

import { learnerDirectory } from '../aimaira/mapping.js';
import { countRowMatches, rowMatchFinding } from './row-match-probe.js';

const learners = learnerDirectory([
  { Id: 1, Code: 'A00001' },
  { Id: 2, Code: 'A00002' },
]);

describe('countRowMatches', () => {
  it('counts each way a row names its learner, and both totals', () => {
    const counts = countRowMatches(
      [
        { Reference: 1, Code: 'A00001' },
        { Reference: 1, Code: 'A00002' },
        { Reference: 2, Code: '' },
        { Reference: 99, Code: 'A00002' },
        { Reference: 99, Code: 'Z' },
      ],
      learners,
    );
    expect(counts).toEqual({
      sampled: 5,
      byReference: 3,
      byCode: 3,
      agreeing: 1,
      disagreeing: 1,
      referenceOnly: 1,
      codeOnly: 1,
      neither: 1,
    });
  });
});

describe('rowMatchFinding', () => {
  it('is fine when every row is named both ways, and says the strategy', () => {
    const finding = rowMatchFinding(countRowMatches([{ Reference: 1, Code: 'A00001' }], learners), 14);
    expect(finding).toMatchObject({ point: 'aimaira.rowMatch', ok: true });
    expect(finding.found).toBe(
      'Of 1 learner row of sessions in the next 14 days, 1 name their learner by Reference and 1 by Code: 1 both ways and agreeing, 0 disagreeing, 0 by Reference only, 0 by Code only, 0 neither.',
    );
    expect(finding.strategy).toBe('Reference first, Code as fallback; disagreeing rows are reported, not written.');
  });

  it('is fine when rows are named by Code alone: that is the fallback', () => {
    expect(rowMatchFinding(countRowMatches([{ Reference: 99, Code: 'A00002' }], learners), 14).ok).toBe(true);
  });

  it('needs a look when rows name two learners or none', () => {
    const conflict = rowMatchFinding(countRowMatches([{ Reference: 1, Code: 'A00002' }], learners), 14);
    expect(conflict.ok).toBe(false);
    expect(conflict.found).toMatch(/1 row names two different learners: their attendance will not be written/);
    const nobody = rowMatchFinding(countRowMatches([{ Reference: 0, Code: null }], learners), 14);
    expect(nobody.ok).toBe(false);
    expect(nobody.found).toMatch(/1 row names no learner either way/);
  });

  it('says there was nothing to look at when the sample is empty', () => {
    expect(rowMatchFinding(countRowMatches([], learners), 14)).toMatchObject({
      ok: true,
      found: 'No learner rows in the sessions of the next 14 days to look at.',
    });
  });
});
