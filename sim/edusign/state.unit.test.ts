import { describe, expect, it } from 'vitest';

import {
  EdusignBusinessError,
  EdusignSchoolState,
  businessMessages,
  createIdGenerator,
  createSchoolHandle,
  schoolSeed,
  toUtcInstant,
} from './state.js';

/** A clock the test moves by hand. */
function manualClock(start = '2025-03-10T08:00:00.000Z') {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    advance(ms: number) {
      current = new Date(current.getTime() + ms);
    },
  };
}

function newSchool(seed = 7) {
  const clock = manualClock();
  const school = new EdusignSchoolState({ name: 'Test school', ids: createIdGenerator(seed), now: clock.now });
  return { school, clock };
}

/** Runs `action` and returns the business error it threw. */
function businessErrorOf(action: () => unknown): EdusignBusinessError {
  try {
    action();
  } catch (error) {
    if (error instanceof EdusignBusinessError) return error;
    throw error;
  }
  throw new Error('expected a business error');
}

const ada = { FIRSTNAME: 'Ada', LASTNAME: 'Lovelace', EMAIL: 'ada@example.org' };
const alan = { FIRSTNAME: 'Alan', LASTNAME: 'Turing', EMAIL: 'alan@example.org' };
const grace = { FIRSTNAME: 'Grace', LASTNAME: 'Hopper', EMAIL: 'grace@example.org' };
const quiet = { sendCredentials: false };

function withCourse(seed = 7) {
  const { school, clock } = newSchool(seed);
  const professor = school.createProfessor(grace, quiet);
  const course = school.createCourse({
    NAME: 'Algebra',
    START: '2025-03-12T09:00:00+01:00',
    END: '2025-03-12T12:00:00+01:00',
    PROFESSOR: professor.ID,
    NEED_STUDENTS_SIGNATURE: true,
  });
  return { school, clock, professor, course };
}

describe('ids', () => {
  it('are 16 lowercase alphanumeric characters, unique, and the same for the same seed', () => {
    const a = createIdGenerator(42);
    const b = createIdGenerator(42);
    const first = Array.from({ length: 500 }, () => a.next());
    const second = Array.from({ length: 500 }, () => b.next());
    expect(first).toEqual(second);
    expect(new Set(first).size).toBe(500);
    for (const id of first) expect(id).toMatch(/^[0-9a-z]{16}$/);
    expect(createIdGenerator(43).next()).not.toBe(first[0]);
  });

  it('gives each school key its own sequence', () => {
    expect(schoolSeed(1, 'key-a')).not.toBe(schoolSeed(1, 'key-b'));
    expect(schoolSeed(1, 'key-a')).toBe(schoolSeed(1, 'key-a'));
    expect(schoolSeed(2, 'key-a')).not.toBe(schoolSeed(1, 'key-a'));
  });

  it('makes two schools built from the same seed identical', () => {
    const one = newSchool(3).school;
    const two = newSchool(3).school;
    expect(one.createStudent(ada, quiet).ID).toBe(two.createStudent(ada, quiet).ID);
    expect(one.id).toBe(two.id);
  });
});

describe('times', () => {
  it('accepts ISO 8601 with an offset or Z and answers UTC with Z', () => {
    expect(toUtcInstant('2025-03-12T09:00:00+01:00', 'START')).toBe('2025-03-12T08:00:00.000Z');
    expect(toUtcInstant('2025-03-12T09:00Z', 'START')).toBe('2025-03-12T09:00:00.000Z');
    expect(toUtcInstant('2025-03-12T09:00:00.250-0200', 'END')).toBe('2025-03-12T11:00:00.250Z');
  });

  it('refuses local times, plain dates and garbage', () => {
    for (const value of ['2025-03-12T09:00:00', '2025-03-12', 'tomorrow', '2025-02-30T09:00:00Z']) {
      expect(businessErrorOf(() => toUtcInstant(value, 'START')).message).toBe(
        'START must be an ISO 8601 date-time with a time zone',
      );
    }
  });
});

describe('students', () => {
  it('fills every documented field, with empty values when not sent', () => {
    const { school } = newSchool();
    const student = school.createStudent({ ...ada, API_ID: 'erp-1', API_TYPE: 'aimaira' }, quiet);
    expect(Object.keys(student)).toEqual([
      'ID',
      'FIRSTNAME',
      'LASTNAME',
      'EMAIL',
      'USERNAME',
      'PHOTO',
      'PHONE',
      'TRAINING_NAME',
      'FILE_NUMBER',
      'COMPANY',
      'TAGS',
      'HIDDEN',
      'DATE_CREATED',
      'DATE_UPDATED',
      'SCHOOL_ID',
      'BADGE_ID',
      'API_ID',
      'API_TYPE',
      'LANGUAGE',
      'VARIABLES',
      'GROUPS',
      'STUDENT_FOLLOWER_ID',
      'NEW_PASSWORD_NEEDED',
      'TRAINING_IDS',
    ]);
    expect(student).toMatchObject({
      FIRSTNAME: 'Ada',
      PHONE: '',
      TAGS: [],
      HIDDEN: 0,
      API_ID: 'erp-1',
      GROUPS: [],
      STUDENT_FOLLOWER_ID: [],
      NEW_PASSWORD_NEEDED: true,
      SCHOOL_ID: school.id,
      DATE_CREATED: '2025-03-10T08:00:00.000Z',
      DATE_UPDATED: '2025-03-10T08:00:00.000Z',
    });
  });

  it('refuses an e-mail already used by another student, archived or not, trimmed and case-insensitive', () => {
    const { school } = newSchool();
    const first = school.createStudent(ada, quiet);
    school.archiveStudent(first.ID);
    expect(businessErrorOf(() => school.createStudent({ ...alan, EMAIL: '  ADA@Example.org ' }, quiet)).message).toBe(
      businessMessages.studentExists,
    );
    const second = school.createStudent(alan, quiet);
    expect(businessErrorOf(() => school.updateStudent({ ID: second.ID, EMAIL: 'Ada@example.org' })).message).toBe(
      'Student already exists in this school',
    );
    // Its own address, re-sent in another case, is not a clash.
    expect(school.updateStudent({ ID: second.ID, EMAIL: 'ALAN@example.org' }).EMAIL).toBe('ALAN@example.org');
  });

  it('PATCH changes only the fields sent and moves DATE_UPDATED', () => {
    const { school, clock } = newSchool();
    const created = school.createStudent({ ...ada, PHONE: '0600', COMPANY: 'ACME', TAGS: ['x'] }, quiet);
    clock.advance(60_000);
    const updated = school.updateStudent({ ID: created.ID, LASTNAME: 'King' });
    expect(updated).toEqual({ ...created, LASTNAME: 'King', DATE_UPDATED: '2025-03-10T08:01:00.000Z' });
  });

  it('archives on delete, keeps the record and answers lookups', () => {
    const { school } = newSchool();
    const student = school.createStudent({ ...ada, API_ID: 'erp-1' }, quiet);
    expect(school.archiveStudent(student.ID).HIDDEN).toBe(1);
    expect(school.getStudent(student.ID).HIDDEN).toBe(1);
    expect(school.studentByEmail(' ADA@example.org').ID).toBe(student.ID);
    expect(school.listStudents()).toHaveLength(1);
    // PATCH with HIDDEN 0 brings it back.
    expect(school.updateStudent({ ID: student.ID, HIDDEN: 0 }).HIDDEN).toBe(0);
  });

  it('get-id answers the oldest active record, else the oldest archived one', () => {
    const { school } = newSchool();
    const old = school.createStudent({ ...ada, API_ID: 'erp-1' }, quiet);
    const young = school.createStudent({ ...alan, API_ID: 'erp-1' }, quiet);
    expect(school.studentIdByApiId('erp-1')).toBe(old.ID);
    school.archiveStudent(old.ID);
    expect(school.studentIdByApiId('erp-1')).toBe(young.ID);
    school.archiveStudent(young.ID);
    expect(school.studentIdByApiId('erp-1')).toBe(old.ID);
    expect(businessErrorOf(() => school.studentIdByApiId('nope')).message).toBe('No student with this API_ID found');
    expect(businessErrorOf(() => school.studentIdByApiId('')).message).toBe('No student with this API_ID found');
  });

  it('answers the not-found messages', () => {
    const { school } = newSchool();
    expect(businessErrorOf(() => school.getStudent('x')).message).toBe('No student with this ID found');
    expect(businessErrorOf(() => school.studentByEmail('x@y.z')).message).toBe('No student with this email found');
    expect(businessErrorOf(() => school.updateStudent({ ID: 'x' })).kind).toBe('not-found');
  });

  it('records a credential e-mail only when asked', () => {
    const { school } = newSchool();
    const sent = school.createStudent(ada, { sendCredentials: true });
    school.createStudent(alan, quiet);
    expect(school.credentialEmails()).toEqual([
      { recipient: 'student', personId: sent.ID, email: 'ada@example.org', sentAt: '2025-03-10T08:00:00.000Z' },
    ]);
  });

  it('links tutors by STUDENT_FOLLOWER_ID, which must exist and replaces the list', () => {
    const { school } = newSchool();
    const student = school.createStudent(ada, quiet);
    const mum = school.createExternal({ FIRSTNAME: 'Anne', LASTNAME: 'Byron', EMAIL: 'anne@example.org' });
    const dad = school.createExternal({ FIRSTNAME: 'George', LASTNAME: 'Byron', EMAIL: 'george@example.org' });
    expect(school.updateStudent({ ID: student.ID, STUDENT_FOLLOWER_ID: [mum.ID, dad.ID] }).STUDENT_FOLLOWER_ID).toEqual(
      [mum.ID, dad.ID],
    );
    expect(school.updateStudent({ ID: student.ID, STUDENT_FOLLOWER_ID: [dad.ID] }).STUDENT_FOLLOWER_ID).toEqual([
      dad.ID,
    ]);
    expect(businessErrorOf(() => school.updateStudent({ ID: student.ID, STUDENT_FOLLOWER_ID: ['zz'] })).message).toBe(
      'No external with this ID found',
    );
  });

  it('restores an archived learner, and restoring an active one changes nothing', () => {
    const { school, clock } = newSchool();
    const student = school.createStudent(ada, quiet);
    school.archiveStudent(student.ID);
    clock.advance(60_000);
    const restored = school.restoreStudent(student.ID);
    expect(restored.HIDDEN).toBe(0);
    expect(restored.DATE_UPDATED).toBe('2025-03-10T08:01:00.000Z');
    clock.advance(60_000);
    expect(school.restoreStudent(student.ID).DATE_UPDATED).toBe('2025-03-10T08:01:00.000Z');
  });
});

describe('externals', () => {
  it('are unique by e-mail, found by e-mail and by API_ID, and keep the fields sent', () => {
    const { school } = newSchool();
    const anne = school.createExternal({
      FIRSTNAME: 'Anne',
      LASTNAME: 'Byron',
      EMAIL: ' anne@example.org ',
      API_ID: 'pro-1',
      COMPANY: 'ACME',
      TYPE: 'TUTOR',
    });
    expect(anne).toMatchObject({
      EMAIL: 'anne@example.org',
      COMPANY: 'ACME',
      TYPE: 'TUTOR',
      HIDDEN: 0,
      SCHOOL_ID: school.id,
    });
    expect(school.externalByEmail('ANNE@example.org').ID).toBe(anne.ID);
    expect(school.externalIdByApiId('pro-1')).toBe(anne.ID);
    expect(businessErrorOf(() => school.externalIdByApiId('pro-2')).message).toBe('No external with this API_ID found');
    expect(businessErrorOf(() => school.externalByEmail('x@example.org')).message).toBe(
      'No external with this email found',
    );
    expect(
      businessErrorOf(() => school.createExternal({ FIRSTNAME: 'A', LASTNAME: 'B', EMAIL: 'Anne@example.org' }))
        .message,
    ).toBe('External already exists in this school');
    expect(school.updateExternal({ ID: anne.ID, LASTNAME: 'Milbanke' })).toMatchObject({
      LASTNAME: 'Milbanke',
      COMPANY: 'ACME',
    });
  });
});

describe('professors', () => {
  it('refuses an e-mail already used by any professor, archived or not', () => {
    const { school } = newSchool();
    const first = school.createProfessor(grace, quiet);
    expect(businessErrorOf(() => school.createProfessor({ ...alan, EMAIL: ' Grace@Example.ORG' }, quiet)).message).toBe(
      'Professor already exists in this school',
    );
    school.archiveProfessor(first.ID);
    expect(businessErrorOf(() => school.createProfessor({ ...alan, EMAIL: 'grace@example.org' }, quiet)).message).toBe(
      'Professor already exists in this school',
    );
  });

  it('list in HIDDEN the schools where they are archived: archiving here adds this school, once', () => {
    const { school } = newSchool();
    const professor = school.createProfessor(grace, quiet);
    expect(professor.HIDDEN).toEqual([]);
    expect(school.archiveProfessorElsewhere(professor.ID, 'school-b').HIDDEN).toEqual(['school-b']);
    expect(school.professorArchivedHere(school.getProfessor(professor.ID))).toBe(false);
    expect(school.archiveProfessor(professor.ID).HIDDEN).toEqual(['school-b', school.id]);
    expect(school.archiveProfessor(professor.ID).HIDDEN).toEqual(['school-b', school.id]);
    expect(school.professorArchivedHere(school.getProfessor(professor.ID))).toBe(true);
    // PATCH HIDDEN 0 restores here only; 1 archives here; a list replaces.
    expect(school.updateProfessor({ ID: professor.ID, HIDDEN: 0 }).HIDDEN).toEqual(['school-b']);
    expect(school.updateProfessor({ ID: professor.ID, HIDDEN: 1 }).HIDDEN).toEqual(['school-b', school.id]);
    expect(school.updateProfessor({ ID: professor.ID, HIDDEN: ['x', 'x'] }).HIDDEN).toEqual(['x']);
    expect(() => school.archiveProfessorElsewhere(professor.ID, school.id)).toThrow(RangeError);
  });

  it('finds by API_ID the oldest professor not archived here', () => {
    const { school } = newSchool();
    const old = school.createProfessor({ ...grace, API_ID: 'ens-1' }, quiet);
    const young = school.createProfessor({ ...alan, API_ID: 'ens-1' }, quiet);
    school.archiveProfessorElsewhere(old.ID);
    expect(school.professorIdByApiId('ens-1')).toBe(old.ID);
    school.archiveProfessor(old.ID);
    expect(school.professorIdByApiId('ens-1')).toBe(young.ID);
  });

  it('answers by e-mail, or the documented error', () => {
    const { school } = newSchool();
    const professor = school.createProfessor(grace, { sendCredentials: true });
    expect(school.professorByEmail('GRACE@example.org').ID).toBe(professor.ID);
    expect(businessErrorOf(() => school.professorByEmail('x@example.org')).message).toBe(
      'Error - cannot get professor by email',
    );
    expect(school.credentialEmails()).toMatchObject([{ recipient: 'professor', personId: professor.ID }]);
  });
});

describe('groups', () => {
  it('STUDENTS replaces the members; the students see it in GROUPS', () => {
    const { school } = newSchool();
    const a = school.createStudent(ada, quiet);
    const b = school.createStudent(alan, quiet);
    const group = school.createGroup({ NAME: 'BTS 1', STUDENTS: [a.ID] });
    expect(school.getStudent(a.ID).GROUPS).toEqual([group.ID]);
    school.updateGroup({ ID: group.ID, NAME: 'BTS 1', STUDENTS: [b.ID] });
    expect(school.getGroup(group.ID).STUDENTS).toEqual([b.ID]);
    expect(school.getStudent(a.ID).GROUPS).toEqual([]);
    expect(school.getStudent(b.ID).GROUPS).toEqual([group.ID]);
    expect(businessErrorOf(() => school.updateGroup({ ID: group.ID, STUDENTS: ['nobody'] })).message).toBe(
      'No student with this ID found',
    );
  });

  it('GROUPS on a student replaces its memberships; an archived group cannot be joined', () => {
    const { school } = newSchool();
    const g1 = school.createGroup({ NAME: 'G1' });
    const g2 = school.createGroup({ NAME: 'G2' });
    const student = school.createStudent({ ...ada, GROUPS: [g1.ID] }, quiet);
    expect(school.updateStudent({ ID: student.ID, GROUPS: [g2.ID] }).GROUPS).toEqual([g2.ID]);
    expect(school.getGroup(g1.ID).STUDENTS).toEqual([]);
    school.archiveGroup(g1.ID);
    expect(businessErrorOf(() => school.updateStudent({ ID: student.ID, GROUPS: [g1.ID] })).message).toBe(
      'Group is archived',
    );
    expect(businessErrorOf(() => school.createStudent({ ...alan, GROUPS: ['none'] }, quiet)).message).toBe(
      'No group with this ID found',
    );
  });

  it('refuses a parent that does not exist or makes a cycle', () => {
    const { school } = newSchool();
    const parent = school.createGroup({ NAME: 'Parent' });
    const child = school.createGroup({ NAME: 'Child', PARENT: parent.ID });
    expect(child.PARENT).toBe(parent.ID);
    expect(businessErrorOf(() => school.updateGroup({ ID: parent.ID, PARENT: child.ID })).message).toBe(
      'Invalid group parent',
    );
    expect(businessErrorOf(() => school.createGroup({ NAME: 'X', PARENT: 'none' })).message).toBe(
      'No group with this ID found',
    );
  });
});

describe('courses', () => {
  it('fills the record and stores times in UTC', () => {
    const { course, professor } = withCourse();
    expect(course).toMatchObject({
      NAME: 'Algebra',
      START: '2025-03-12T08:00:00.000Z',
      END: '2025-03-12T11:00:00.000Z',
      PROFESSOR: professor.ID,
      PROFESSOR_2: '',
      PROFESSOR_3: '',
      CLASSROOM: '',
      SCHOOL_GROUP: [],
      MAX_STUDENTS: 0,
      LOCKED: 0,
      ATTENDANCE_LIST_GENERATED: '',
      STUDENTS: [],
    });
  });

  it('refuses END not after START, unknown, archived or repeated professors', () => {
    const { school, professor } = withCourse();
    const base = {
      NAME: 'X',
      START: '2025-03-12T09:00:00Z',
      END: '2025-03-12T09:00:00Z',
      PROFESSOR: professor.ID,
      NEED_STUDENTS_SIGNATURE: false,
    };
    expect(businessErrorOf(() => school.createCourse(base)).message).toBe('END must be after START');
    const ok = { ...base, END: '2025-03-12T10:00:00Z' };
    expect(businessErrorOf(() => school.createCourse({ ...ok, END: '2025-03-12 10:00' })).message).toBe(
      'END must be an ISO 8601 date-time with a time zone',
    );
    expect(businessErrorOf(() => school.createCourse({ ...ok, PROFESSOR_2: 'none' })).message).toBe(
      'No professor with this ID found',
    );
    expect(businessErrorOf(() => school.createCourse({ ...ok, PROFESSOR_3: professor.ID })).message).toBe(
      'The same professor cannot be set twice on a course',
    );
    const gone = school.createProfessor(alan, quiet);
    school.archiveProfessor(gone.ID);
    expect(businessErrorOf(() => school.createCourse({ ...ok, PROFESSOR_2: gone.ID })).message).toBe(
      'Professor is archived',
    );
  });

  it('SCHOOL_GROUP enrols the active members of the groups, once each', () => {
    const { school, professor } = withCourse();
    const a = school.createStudent(ada, quiet);
    const b = school.createStudent(alan, quiet);
    const c = school.createStudent({ ...grace, EMAIL: 'c@example.org' }, quiet);
    school.archiveStudent(c.ID);
    const g1 = school.createGroup({ NAME: 'G1', STUDENTS: [a.ID, c.ID] });
    const g2 = school.createGroup({ NAME: 'G2', STUDENTS: [a.ID, b.ID] });
    const course = school.createCourse({
      NAME: 'Physics',
      START: '2025-03-13T09:00:00Z',
      END: '2025-03-13T10:00:00Z',
      PROFESSOR: professor.ID,
      NEED_STUDENTS_SIGNATURE: true,
      SCHOOL_GROUP: [g1.ID, g2.ID],
    });
    expect(course.STUDENTS).toEqual([
      {
        studentId: a.ID,
        state: false,
        timestamp: null,
        delay: 0,
        excluded: '',
        absenceId: null,
        comment: '',
      },
      expect.objectContaining({ studentId: b.ID }),
    ]);
  });

  it('a changed SCHOOL_GROUP adds the new groups and drops only learners who came through a removed group alone', () => {
    const { school, course } = withCourse();
    const onlyG1 = school.createStudent(ada, quiet);
    const both = school.createStudent(alan, quiet);
    const direct = school.createStudent({ ...grace, EMAIL: 'direct@example.org' }, quiet);
    const onlyG2 = school.createStudent({ ...grace, EMAIL: 'g2@example.org' }, quiet);
    const g1 = school.createGroup({ NAME: 'G1', STUDENTS: [onlyG1.ID, both.ID, direct.ID] });
    const g2 = school.createGroup({ NAME: 'G2', STUDENTS: [both.ID, onlyG2.ID] });
    school.addToRoster(course.ID, direct.ID);
    school.updateCourse({ ID: course.ID, NEED_STUDENTS_SIGNATURE: true, SCHOOL_GROUP: [g1.ID] });
    school.sign(course.ID, both.ID, '2025-03-12T08:05:00Z');
    const after = school.updateCourse({ ID: course.ID, NEED_STUDENTS_SIGNATURE: true, SCHOOL_GROUP: [g2.ID] });
    expect(after.SCHOOL_GROUP).toEqual([g2.ID]);
    expect(after.STUDENTS.map((row) => row.studentId)).toEqual([direct.ID, both.ID, onlyG2.ID]);
    // The learner reachable through both groups kept the row and its signature.
    expect(after.STUDENTS[1]).toMatchObject({ state: true, timestamp: '2025-03-12T08:05:00.000Z' });
  });

  it('SCHOOL_GROUP re-sent unchanged leaves the roster alone, even if the group changed since', () => {
    const { school, course } = withCourse();
    const a = school.createStudent(ada, quiet);
    const b = school.createStudent(alan, quiet);
    const group = school.createGroup({ NAME: 'G', STUDENTS: [a.ID] });
    school.updateCourse({ ID: course.ID, NEED_STUDENTS_SIGNATURE: true, SCHOOL_GROUP: [group.ID] });
    school.updateGroup({ ID: group.ID, NAME: 'G', STUDENTS: [a.ID, b.ID] });
    const after = school.updateCourse({ ID: course.ID, NEED_STUDENTS_SIGNATURE: true, SCHOOL_GROUP: [group.ID] });
    expect(after.STUDENTS.map((row) => row.studentId)).toEqual([a.ID]);
  });

  it('PATCH leaves unsent fields unchanged and checks END against the stored START', () => {
    const { school, course, clock } = withCourse();
    clock.advance(1000);
    const after = school.updateCourse({ ID: course.ID, NEED_STUDENTS_SIGNATURE: false, CLASSROOM: 'B12' });
    expect(after).toEqual({
      ...course,
      NEED_STUDENTS_SIGNATURE: false,
      CLASSROOM: 'B12',
      DATE_UPDATED: '2025-03-10T08:00:01.000Z',
    });
    expect(
      businessErrorOf(() =>
        school.updateCourse({ ID: course.ID, NEED_STUDENTS_SIGNATURE: false, END: '2025-03-12T07:00:00Z' }),
      ).message,
    ).toBe('END must be after START');
  });

  it('the roster takes a learner once, refuses archived ones and removes whatever brought them', () => {
    const { school, course } = withCourse();
    const a = school.createStudent(ada, quiet);
    school.addToRoster(course.ID, a.ID);
    expect(businessErrorOf(() => school.addToRoster(course.ID, a.ID)).message).toBe('Student already in the list');
    school.removeFromRoster(course.ID, a.ID);
    expect(businessErrorOf(() => school.removeFromRoster(course.ID, a.ID)).message).toBe('Student not in the list');
    school.archiveStudent(a.ID);
    expect(businessErrorOf(() => school.addToRoster(course.ID, a.ID)).message).toBe('Student is archived');
    expect(businessErrorOf(() => school.addToRoster('nope', a.ID)).message).toBe('No course with this ID found');
  });

  it('a locked sheet refuses edits, deletion, roster changes and signatures until unlocked', () => {
    const { school, course } = withCourse();
    const a = school.createStudent(ada, quiet);
    const b = school.createStudent(alan, quiet);
    school.addToRoster(course.ID, a.ID);
    const link = school.lockCourse(course.ID);
    expect(link).toMatch(new RegExp(`/${course.ID}-1\\.pdf$`));
    expect(school.getCourse(course.ID)).toMatchObject({ LOCKED: 1, ATTENDANCE_LIST_GENERATED: link });
    const locked = 'course locked';
    expect(businessErrorOf(() => school.updateCourse({ ID: course.ID, NEED_STUDENTS_SIGNATURE: true })).message).toBe(
      locked,
    );
    expect(businessErrorOf(() => school.deleteCourse(course.ID)).message).toBe(locked);
    expect(businessErrorOf(() => school.addToRoster(course.ID, b.ID)).message).toBe(locked);
    expect(businessErrorOf(() => school.removeFromRoster(course.ID, a.ID)).message).toBe(locked);
    expect(businessErrorOf(() => school.sign(course.ID, a.ID)).message).toBe(locked);
    expect(businessErrorOf(() => school.setDelay(course.ID, a.ID, 5)).message).toBe(locked);
    expect(businessErrorOf(() => school.lockCourse(course.ID)).message).toBe('Course already locked');
    expect(school.unlockCourse(course.ID)).toMatchObject({ LOCKED: 0, ATTENDANCE_LIST_GENERATED: '' });
    expect(businessErrorOf(() => school.unlockCourse(course.ID)).message).toBe('Course not locked');
    expect(school.lockCourse(course.ID)).toMatch(/-2\.pdf$/);
  });

  it('deletes a course for real', () => {
    const { school, course } = withCourse();
    school.deleteCourse(course.ID);
    expect(school.findCourse(course.ID)).toBeUndefined();
    expect(businessErrorOf(() => school.getCourse(course.ID)).message).toBe('No course with this ID found');
    expect(businessErrorOf(() => school.courseIdByApiId('x')).message).toBe('No course with this API_ID found');
  });

  it('records attendance: signature, delay, early departure, exclusion', () => {
    const { school, course, clock } = withCourse();
    const a = school.createStudent(ada, quiet);
    const b = school.createStudent(alan, quiet);
    school.addToRoster(course.ID, a.ID);
    expect(school.sign(course.ID, a.ID)).toMatchObject({ state: true, timestamp: clock.now().toISOString() });
    expect(businessErrorOf(() => school.sign(course.ID, a.ID)).message).toBe('Student already signed');
    expect(school.setDelay(course.ID, a.ID, 12).delay).toBe(12);
    expect(school.setEarlyDeparture(course.ID, a.ID, '2025-03-12T11:30:00+01:00').earlyDeparture).toBe(
      '2025-03-12T10:30:00.000Z',
    );
    expect(school.exclude(course.ID, a.ID, '2025-03-12T10:00:00Z').excluded).toBe('2025-03-12T10:00:00.000Z');
    expect(businessErrorOf(() => school.sign(course.ID, b.ID)).message).toBe('Student not in the list');
    expect(businessErrorOf(() => school.exclude(course.ID, a.ID, 'noon')).message).toBe(
      'at must be an ISO 8601 date-time with a time zone',
    );
  });

  it('selects courses by the UTC date of START and by lock state, ordered by START', () => {
    const { school, professor, course } = withCourse();
    const make = (START: string, END: string) =>
      school.createCourse({ NAME: START, START, END, PROFESSOR: professor.ID, NEED_STUDENTS_SIGNATURE: true });
    // 00:30 in Paris on the 14th is still the 13th in UTC.
    const lateNight = make('2025-03-14T00:30:00+01:00', '2025-03-14T01:30:00+01:00');
    const earlier = make('2025-03-11T09:00:00Z', '2025-03-11T10:00:00Z');
    school.lockCourse(earlier.ID);
    const ids = (query: Parameters<typeof school.queryCourses>[0]) => school.queryCourses(query).map((c) => c.ID);
    expect(ids({})).toEqual([earlier.ID, course.ID, lateNight.ID]);
    expect(ids({ from: '2025-03-12', to: '2025-03-13' })).toEqual([course.ID, lateNight.ID]);
    expect(ids({ to: '2025-03-11' })).toEqual([earlier.ID]);
    expect(ids({ lockStates: new Set(['locked'] as const) })).toEqual([earlier.ID]);
    expect(ids({ lockStates: new Set(['unlocked'] as const) })).toEqual([course.ID, lateNight.ID]);
  });
});

describe('the web-app handle', () => {
  it('creates records without an external id or credential e-mail', () => {
    const { school } = newSchool();
    const handle = createSchoolHandle(school);
    const student = handle.createStudent({ ...ada, API_ID: 'sneaky' } as typeof ada);
    expect(student.API_ID).toBe('');
    const professor = handle.createProfessor(grace);
    const course = handle.createCourse({
      NAME: 'By hand',
      START: '2025-03-12T09:00:00Z',
      END: '2025-03-12T10:00:00Z',
      PROFESSOR: professor.ID,
      STUDENTS: [student.ID],
    });
    expect(course).toMatchObject({ API_ID: '', NEED_STUDENTS_SIGNATURE: true });
    expect(course.STUDENTS.map((row) => row.studentId)).toEqual([student.ID]);
    expect(handle.credentialEmails()).toEqual([]);
    expect(handle.sign(course.ID, student.ID, new Date('2025-03-12T09:03:00Z')).timestamp).toBe(
      '2025-03-12T09:03:00.000Z',
    );
    expect(handle.snapshot()).toMatchObject({ ID: school.id, NAME: 'Test school', courses: [{ ID: course.ID }] });
    expect(handle.student('missing')).toBeUndefined();
  });
});
