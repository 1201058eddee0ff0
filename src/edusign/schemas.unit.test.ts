import { describe, expect, it } from 'vitest';

import {
  EdusignAttendanceRow,
  EdusignCourse,
  EdusignEnvelope,
  EdusignExternal,
  EdusignFlag,
  EdusignGroup,
  EdusignHidden,
  EdusignIdResult,
  EdusignLockResult,
  EdusignProfessor,
  EdusignSchool,
  EdusignStudent,
  isArchived,
  isEmptyResult,
} from './schemas.js';

describe('EdusignFlag', () => {
  it.each([
    [1, true],
    [0, false],
    ['1', true],
    ['0', false],
    [true, true],
    [false, false],
    [null, false],
    [undefined, false],
  ])('reads %j as %s', (wire, flag) => {
    expect(EdusignFlag.parse(wire)).toBe(flag);
  });

  it('refuses a value that is not a flag', () => {
    expect(EdusignFlag.safeParse(2).success).toBe(false);
    expect(EdusignFlag.safeParse('yes').success).toBe(false);
  });
});

describe('EdusignStudent', () => {
  const wire = {
    ID: 'st1',
    FIRSTNAME: 'Ada',
    LASTNAME: 'Lovelace',
    EMAIL: 'ada@example.org',
    USERNAME: '',
    API_ID: 'APP-1',
    API_TYPE: 'aimaira',
    GROUPS: ['g1'],
    STUDENT_FOLLOWER_ID: [],
    HIDDEN: 1,
    DATE_CREATED: '2026-01-05T08:00:00.000Z',
    DATE_UPDATED: '2026-01-05T08:00:00.000Z',
    SCHOOL_ID: 'sc1',
    VARIABLES: [],
  };

  it('keeps the fields the connector uses, drops the others and reads HIDDEN 0/1 as a boolean', () => {
    const student = EdusignStudent.parse(wire);
    expect(student).toEqual({
      ID: 'st1',
      FIRSTNAME: 'Ada',
      LASTNAME: 'Lovelace',
      EMAIL: 'ada@example.org',
      API_ID: 'APP-1',
      API_TYPE: 'aimaira',
      GROUPS: ['g1'],
      STUDENT_FOLLOWER_ID: [],
      HIDDEN: true,
      DATE_CREATED: '2026-01-05T08:00:00.000Z',
      DATE_UPDATED: '2026-01-05T08:00:00.000Z',
    });
  });

  it('reads HIDDEN sent as a boolean the same way', () => {
    expect(EdusignStudent.parse({ ...wire, HIDDEN: false }).HIDDEN).toBe(false);
    expect(EdusignStudent.parse({ ...wire, HIDDEN: true }).HIDDEN).toBe(true);
  });

  it('reads an empty or null API_ID as none and missing lists as empty', () => {
    const student = EdusignStudent.parse({ ID: 'st2', FIRSTNAME: 'B', LASTNAME: 'C', EMAIL: null, API_ID: '' });
    expect(student.API_ID).toBeUndefined();
    expect(student.EMAIL).toBe('');
    expect(student.GROUPS).toEqual([]);
    expect(student.HIDDEN).toBe(false);
  });

  it('accepts a numeric id as a string', () => {
    expect(EdusignStudent.parse({ ...wire, ID: 42 }).ID).toBe('42');
  });

  it('refuses a record without an id', () => {
    expect(EdusignStudent.safeParse({ FIRSTNAME: 'A' }).success).toBe(false);
  });
});

describe('EdusignProfessor, EdusignGroup and EdusignExternal', () => {
  it('read their flags and ids the same way', () => {
    expect(EdusignProfessor.parse({ ID: 'p1', FIRSTNAME: 'A', LASTNAME: 'B', EMAIL: 'a@b', HIDDEN: 0 }).HIDDEN).toBe(
      false,
    );
    const group = EdusignGroup.parse({ ID: 'g1', NAME: 'BTS 1', STUDENTS: ['s1', 's2'], HIDDEN: 1, PARENT: '' });
    expect(group).toMatchObject({ ID: 'g1', STUDENTS: ['s1', 's2'], HIDDEN: true });
    const external = EdusignExternal.parse({ ID: 'f1', FIRSTNAME: 'T', LASTNAME: 'U', EMAIL: 't@u', COMPANY: 'ACME' });
    expect(external).toMatchObject({ ID: 'f1', COMPANY: 'ACME', HIDDEN: false });
  });

  it('take the id from `id` when `ID` is absent, and prefer `ID` when both are there', () => {
    expect(EdusignStudent.parse({ id: 's1', FIRSTNAME: 'A', LASTNAME: 'B', EMAIL: 'a@b' }).ID).toBe('s1');
    expect(EdusignCourse.parse({ id: 7, START: 'x', END: 'y' }).ID).toBe('7');
    expect(EdusignIdResult.parse({ ID: 'a', id: 'b' }).ID).toBe('a');
    expect(EdusignIdResult.parse({ id: 'b' }).ID).toBe('b');
    expect(() => EdusignIdResult.parse({ NAME: 'no id' })).toThrow();
  });

  it('read the school from an object or a list of one', () => {
    expect(EdusignSchool.parse({ ID: 'sch1', NAME: 'École' }).ID).toBe('sch1');
    expect(EdusignSchool.parse([{ id: 'sch2' }]).ID).toBe('sch2');
  });
});

describe('HIDDEN and isArchived', () => {
  it('accept a flag or a list of school ids on every record kind', () => {
    const person = { ID: 'x', FIRSTNAME: 'A', LASTNAME: 'B', EMAIL: 'a@b' };
    expect(EdusignProfessor.parse({ ...person, HIDDEN: ['sch1', 'sch2'] }).HIDDEN).toEqual(['sch1', 'sch2']);
    expect(EdusignStudent.parse({ ...person, HIDDEN: ['sch1'] }).HIDDEN).toEqual(['sch1']);
    expect(EdusignStudent.parse({ ...person, HIDDEN: 1 }).HIDDEN).toBe(true);
    expect(EdusignExternal.parse({ ...person, HIDDEN: [] }).HIDDEN).toBe(false);
    expect(EdusignGroup.parse({ ID: 'g', HIDDEN: [42] }).HIDDEN).toEqual(['42']);
    expect(() => EdusignHidden.parse('yes')).toThrow();
  });

  it('reads an empty list as archived nowhere, so that HIDDEN stays falsy when not archived', () => {
    expect(EdusignHidden.parse([])).toBe(false);
    expect(EdusignHidden.parse(null)).toBe(false);
  });

  it('archived here: a flag set, or a list holding this school; any list when the school is unknown', () => {
    expect(isArchived({ HIDDEN: true }, 'sch1')).toBe(true);
    expect(isArchived({ HIDDEN: false }, undefined)).toBe(false);
    expect(isArchived({ HIDDEN: ['sch1'] }, 'sch1')).toBe(true);
    // Archived in another school only: active here.
    expect(isArchived({ HIDDEN: ['sch2'] }, 'sch1')).toBe(false);
    expect(isArchived({ HIDDEN: ['sch2'] }, undefined)).toBe(true);
  });
});

describe('isEmptyResult', () => {
  it.each([
    [null, true],
    [undefined, true],
    [{}, true],
    [[], true],
    [{ ID: 'x' }, false],
    [[{ ID: 'x' }], false],
    ['', false],
  ])('%j is empty: %s', (result, empty) => {
    expect(isEmptyResult(result)).toBe(empty);
  });
});

describe('EdusignCourse', () => {
  const row = {
    studentId: 's1',
    state: true,
    timestamp: '2026-01-05T08:03:00.000Z',
    delay: 5,
    excluded: '',
    absenceId: null,
    comment: '',
    earlyDeparture: '2026-01-05T11:30:00.000Z',
    signature: 'https://example.invalid/sig.png',
  };
  const wire = {
    ID: 'c1',
    NAME: 'Maths',
    START: '2026-01-05T08:00:00.000Z',
    END: '2026-01-05T12:00:00.000Z',
    PROFESSOR: 'p1',
    PROFESSOR_2: '',
    PROFESSOR_3: '',
    NEED_STUDENTS_SIGNATURE: true,
    CLASSROOM: 'B12',
    SCHOOL_GROUP: ['g1'],
    API_ID: 'PLA-1',
    API_TYPE: 'aimaira',
    LOCKED: 1,
    ATTENDANCE_LIST_GENERATED: 'https://files.example.invalid/c1-1.pdf',
    DATE_UPDATED: '2026-01-05T12:10:00.000Z',
    MAX_STUDENTS: 0,
    STUDENTS: [row],
  };

  it('reads LOCKED 0/1 or boolean as a boolean', () => {
    expect(EdusignCourse.parse(wire).LOCKED).toBe(true);
    expect(EdusignCourse.parse({ ...wire, LOCKED: 0 }).LOCKED).toBe(false);
    expect(EdusignCourse.parse({ ...wire, LOCKED: true }).LOCKED).toBe(true);
    expect(EdusignCourse.parse({ ...wire, LOCKED: false }).LOCKED).toBe(false);
  });

  it('reads empty facilitator slots and an empty PDF link as none', () => {
    const course = EdusignCourse.parse({ ...wire, ATTENDANCE_LIST_GENERATED: '' });
    expect(course.PROFESSOR_2).toBeUndefined();
    expect(course.PROFESSOR_3).toBeUndefined();
    expect(course.ATTENDANCE_LIST_GENERATED).toBeUndefined();
    expect(EdusignCourse.parse(wire).ATTENDANCE_LIST_GENERATED).toBe('https://files.example.invalid/c1-1.pdf');
  });

  it('reads the attendance rows with their early departure and drops what it does not use', () => {
    expect(EdusignCourse.parse(wire).STUDENTS).toEqual([
      {
        studentId: 's1',
        state: true,
        timestamp: '2026-01-05T08:03:00.000Z',
        delay: 5,
        excluded: undefined,
        earlyDeparture: '2026-01-05T11:30:00.000Z',
        absenceId: undefined,
        comment: undefined,
      },
    ]);
  });

  it('reads an untouched row as absent, on time, not excluded, still there', () => {
    const untouched = EdusignAttendanceRow.parse({
      studentId: 's2',
      state: false,
      timestamp: null,
      delay: null,
      excluded: '',
      absenceId: null,
      comment: '',
      earlyDeparture: null,
    });
    expect(untouched).toMatchObject({ state: false, delay: 0 });
    expect(untouched.timestamp ?? untouched.excluded ?? untouched.earlyDeparture).toBeUndefined();
  });

  it('reads a course without rows as an empty sheet', () => {
    const { STUDENTS: _rows, ...bare } = wire;
    expect(EdusignCourse.parse(bare).STUDENTS).toEqual([]);
  });
});

describe('EdusignEnvelope', () => {
  it('reads a success with its result', () => {
    expect(EdusignEnvelope.parse({ status: 'success', result: { ID: 'x' } })).toEqual({
      status: 'success',
      result: { ID: 'x' },
    });
  });

  it('reads a string message as one message', () => {
    expect(EdusignEnvelope.parse({ status: 'error', message: 'course locked' })).toEqual({
      status: 'error',
      messages: ['course locked'],
      messageWasList: false,
    });
  });

  it('reads an array message as a list, whatever its entries look like', () => {
    const parsed = EdusignEnvelope.parse({
      status: 'error',
      message: [
        'FIRSTNAME should not be empty',
        { property: 'EMAIL', constraints: { isEmail: 'EMAIL must be an email' } },
        { message: 'START is required' },
      ],
    });
    expect(parsed).toEqual({
      status: 'error',
      messages: ['FIRSTNAME should not be empty', 'EMAIL must be an email', 'START is required'],
      messageWasList: true,
    });
  });

  it('reads a missing message as none', () => {
    expect(EdusignEnvelope.parse({ status: 'error' })).toMatchObject({ messages: [] });
  });

  it('refuses an answer that is not an envelope', () => {
    expect(EdusignEnvelope.safeParse({ error: { code: 'ServiceUnavailable' } }).success).toBe(false);
    expect(EdusignEnvelope.safeParse([]).success).toBe(false);
  });
});

describe('small results', () => {
  it('reads the id of a created record', () => {
    expect(EdusignIdResult.parse({ ID: 'abc', extra: 1 })).toEqual({ ID: 'abc' });
  });

  it('reads the lock answer with or without a link', () => {
    expect(EdusignLockResult.parse({ link: 'https://x.invalid/a.pdf' })).toEqual({ link: 'https://x.invalid/a.pdf' });
    expect(EdusignLockResult.parse(null)).toEqual({ link: undefined });
  });
});
