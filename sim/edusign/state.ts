/**
 * The Edusign simulator's in-memory model of one school: students, professors, groups, courses with their
 * attendance rows, externals (tutors and other people outside the school) and the credential e-mails Edusign
 * would have sent.
 *
 * Records are kept in the wire shape (UPPER_SNAKE keys, every documented field filled) so what the API returns is
 * exactly what tests inspect. Rules the real API enforces, or that this project decided (docs/contracts/edusign.md),
 * throw an `EdusignBusinessError` carrying the exact message; the HTTP layer turns it into the 200 error envelope.
 * No HTTP here: ids come from an injected generator and times from an injected clock, so runs are reproducible.
 */
import { DateTime } from 'luxon';

// ---------------------------------------------------------------------------------------------------------------
// Business errors

/** Every business-error message the simulator can answer, verbatim (listed in docs/contracts/edusign.md). */
export const businessMessages = {
  studentExists: 'Student already exists in this school',
  professorExists: 'Professor already exists in this school',
  studentNotFound: 'No student with this ID found',
  professorNotFound: 'No professor with this ID found',
  groupNotFound: 'No group with this ID found',
  courseNotFound: 'No course with this ID found',
  externalNotFound: 'No external with this ID found',
  studentApiIdNotFound: 'No student with this API_ID found',
  professorApiIdNotFound: 'No professor with this API_ID found',
  courseApiIdNotFound: 'No course with this API_ID found',
  groupApiIdNotFound: 'No group with this API_ID found',
  externalApiIdNotFound: 'No external with this API_ID found',
  studentEmailNotFound: 'No student with this email found',
  professorEmailNotFound: 'Error - cannot get professor by email',
  externalEmailNotFound: 'No external with this email found',
  externalExists: 'External already exists in this school',
  studentArchived: 'Student is archived',
  professorArchived: 'Professor is archived',
  groupArchived: 'Group is archived',
  invalidGroupParent: 'Invalid group parent',
  sameProfessorTwice: 'The same professor cannot be set twice on a course',
  endBeforeStart: 'END must be after START',
  courseLocked: 'course locked',
  courseAlreadyLocked: 'Course already locked',
  courseNotLocked: 'Course not locked',
  alreadyInList: 'Student already in the list',
  notInList: 'Student not in the list',
  alreadySigned: 'Student already signed',
  dateRangeReversed: 'The end date must not be before the start date',
  dateRangeTooLong: 'The period between start and end cannot exceed 90 days',
} as const;

/** `${field} must be ...` for a date-time without a time zone or not ISO 8601 (START, END, or an action's `at`). */
export const invalidInstantMessage = (field: string): string =>
  `${field} must be an ISO 8601 date-time with a time zone`;

/** What the error is about, so the admin routes can pick an HTTP status; the API answers all of them the same way. */
export type BusinessErrorKind = 'not-found' | 'conflict' | 'invalid';

export class EdusignBusinessError extends Error {
  constructor(
    message: string,
    readonly kind: BusinessErrorKind,
  ) {
    super(message);
    this.name = 'EdusignBusinessError';
  }
}

const notFound = (message: string): EdusignBusinessError => new EdusignBusinessError(message, 'not-found');
const conflict = (message: string): EdusignBusinessError => new EdusignBusinessError(message, 'conflict');
const invalid = (message: string): EdusignBusinessError => new EdusignBusinessError(message, 'invalid');

// ---------------------------------------------------------------------------------------------------------------
// Ids

export interface IdGenerator {
  /** A new opaque id: 16 lowercase alphanumeric characters, never returned twice by this generator. */
  next(): string;
}

const idAlphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Ids from a seeded PRNG (mulberry32): the same seed gives the same ids in the same order. */
export function createIdGenerator(seed: number): IdGenerator {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const issued = new Set<string>();
  return {
    next() {
      for (;;) {
        let id = '';
        for (let i = 0; i < 16; i++) id += idAlphabet.charAt(Math.floor(random() * idAlphabet.length));
        if (!issued.has(id)) {
          issued.add(id);
          return id;
        }
      }
    },
  };
}

/** Mixes the simulator seed with a school's key (FNV-1a) so each school has its own reproducible id sequence. */
export function schoolSeed(seed: number, apiKey: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (const char of apiKey) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Records (wire shape)

/** `HIDDEN` (students, groups, externals) and `LOCKED` are 0/1 on the wire. */
export type Flag = 0 | 1;

/**
 * A professor can belong to several schools: its `HIDDEN` lists the ids of the schools where it is archived
 * (empty when archived nowhere), not a 0/1 flag.
 */
export type SchoolIds = string[];

/** The id the simulator gives "another school" a professor also belongs to (`archiveProfessorElsewhere`). */
export const anotherSchoolId = 'otherschool00001';

export interface StudentRecord {
  ID: string;
  FIRSTNAME: string;
  LASTNAME: string;
  EMAIL: string;
  USERNAME: string;
  PHOTO: string;
  PHONE: string;
  TRAINING_NAME: string;
  FILE_NUMBER: string;
  COMPANY: string;
  TAGS: string[];
  HIDDEN: Flag;
  DATE_CREATED: string;
  DATE_UPDATED: string;
  SCHOOL_ID: string;
  BADGE_ID: string;
  API_ID: string;
  API_TYPE: string;
  LANGUAGE: string;
  VARIABLES: unknown[];
  /** Derived from the groups' member lists, in group creation order (archived groups included). */
  GROUPS: string[];
  STUDENT_FOLLOWER_ID: string[];
  NEW_PASSWORD_NEEDED: boolean;
  TRAINING_IDS: string[];
}

export interface ProfessorRecord {
  ID: string;
  FIRSTNAME: string;
  LASTNAME: string;
  EMAIL: string;
  SPECIALITY: string;
  PHONE: string;
  TAGS: string[];
  /** The schools where the professor is archived; this school's id once archived here. */
  HIDDEN: SchoolIds;
  API_ID: string;
  API_TYPE: string;
  DATE_CREATED: string;
  DATE_UPDATED: string;
  SCHOOL_ID: string;
  VARIABLES: unknown[];
}

export interface GroupRecord {
  ID: string;
  NAME: string;
  DESCRIPTION: string;
  SCHOOL_ID: string;
  STUDENTS: string[];
  /** The parent group's id, or `''`. */
  PARENT: string;
  LOGO: string;
  HIDDEN: Flag;
  API_ID: string;
  API_TYPE: string;
  DATE_CREATED: string;
  DATE_UPDATED: string;
  VARIABLES: unknown[];
}

/** One learner on an attendance sheet (camelCase on the wire, unlike everything else). */
export interface AttendanceRow {
  studentId: string;
  /** true once the learner signed (present). */
  state: boolean;
  /** When the learner signed, or null. */
  timestamp: string | null;
  /** Minutes late; 0 when on time. */
  delay: number;
  /** When the learner was excluded, or `''`. */
  excluded: string;
  absenceId: string | null;
  comment: string;
  /** When the learner left early; the key is left out when they did not. */
  earlyDeparture?: string;
}

export interface CourseRecord {
  ID: string;
  NAME: string;
  DESCRIPTION: string;
  START: string;
  END: string;
  PROFESSOR: string;
  /** `''` when there is no second facilitator. */
  PROFESSOR_2: string;
  PROFESSOR_3: string;
  NEED_STUDENTS_SIGNATURE: boolean;
  CLASSROOM: string;
  SCHOOL_GROUP: string[];
  /** 0 when not set; stored, not enforced. */
  MAX_STUDENTS: number;
  API_ID: string;
  API_TYPE: string;
  LOCKED: Flag;
  /** The attendance-list PDF link while the sheet is locked, else `''`. */
  ATTENDANCE_LIST_GENERATED: string;
  DATE_CREATED: string;
  DATE_UPDATED: string;
  STUDENTS: AttendanceRow[];
}

/** Someone outside the school who follows learners: a tutor, an apprenticeship master. */
export interface ExternalRecord {
  ID: string;
  SCHOOL_ID: string;
  FIRSTNAME: string;
  LASTNAME: string;
  EMAIL: string;
  COMPANY: string;
  PHONE: string;
  TYPE: string;
  API_ID: string;
  API_TYPE: string;
  HIDDEN: Flag;
  DATE_CREATED: string;
  DATE_UPDATED: string;
}

/** A login e-mail Edusign would have sent to a new student or professor. */
export interface CredentialEmail {
  recipient: 'student' | 'professor';
  personId: string;
  email: string;
  sentAt: string;
}

export interface SchoolSnapshot {
  ID: string;
  NAME: string;
  students: StudentRecord[];
  professors: ProfessorRecord[];
  groups: GroupRecord[];
  courses: CourseRecord[];
  externals: ExternalRecord[];
  credentialEmails: CredentialEmail[];
  /** Records the simulator's profile put there itself (not made by a test, the connector or the web app). */
  seeded: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs (what the request bodies carry once validated; `undefined` = not sent, so left unchanged on PATCH)

type Sent<T> = T | undefined;

export interface StudentFields {
  FIRSTNAME?: Sent<string>;
  LASTNAME?: Sent<string>;
  EMAIL?: Sent<string>;
  API_ID?: Sent<string>;
  API_TYPE?: Sent<string>;
  /** Replaces the student's group memberships. */
  GROUPS?: Sent<string[]>;
  FILE_NUMBER?: Sent<string>;
  PHOTO?: Sent<string>;
  PHONE?: Sent<string>;
  TRAINING_NAME?: Sent<string>;
  COMPANY?: Sent<string>;
  TAGS?: Sent<string[]>;
  BADGE_ID?: Sent<string>;
  /** Replaces the student's tutors (external ids). */
  STUDENT_FOLLOWER_ID?: Sent<string[]>;
  NEW_PASSWORD_NEEDED?: Sent<boolean>;
  LANGUAGE?: Sent<string>;
  VARIABLES?: Sent<unknown[]>;
  HIDDEN?: Sent<Flag>;
}
export interface NewStudent extends StudentFields {
  FIRSTNAME: string;
  LASTNAME: string;
  EMAIL: string;
}
export interface StudentPatch extends StudentFields {
  ID: string;
}

export interface ProfessorFields {
  FIRSTNAME?: Sent<string>;
  LASTNAME?: Sent<string>;
  EMAIL?: Sent<string>;
  SPECIALITY?: Sent<string>;
  PHONE?: Sent<string>;
  TAGS?: Sent<string[]>;
  API_ID?: Sent<string>;
  API_TYPE?: Sent<string>;
  VARIABLES?: Sent<unknown[]>;
  /** 1 archives here, 0 restores here; a list replaces the schools where the professor is archived. */
  HIDDEN?: Sent<Flag | SchoolIds>;
}
export interface NewProfessor extends ProfessorFields {
  FIRSTNAME: string;
  LASTNAME: string;
  EMAIL: string;
}
export interface ProfessorPatch extends ProfessorFields {
  ID: string;
}

export interface GroupFields {
  NAME?: Sent<string>;
  DESCRIPTION?: Sent<string>;
  /** Replaces the member list. */
  STUDENTS?: Sent<string[]>;
  PARENT?: Sent<string>;
  LOGO?: Sent<string>;
  API_ID?: Sent<string>;
  API_TYPE?: Sent<string>;
  VARIABLES?: Sent<unknown[]>;
  HIDDEN?: Sent<Flag>;
}
export interface NewGroup extends GroupFields {
  NAME: string;
}
export interface GroupPatch extends GroupFields {
  ID: string;
}

export interface ExternalFields {
  FIRSTNAME?: Sent<string>;
  LASTNAME?: Sent<string>;
  EMAIL?: Sent<string>;
  COMPANY?: Sent<string>;
  PHONE?: Sent<string>;
  TYPE?: Sent<string>;
  API_ID?: Sent<string>;
  API_TYPE?: Sent<string>;
  HIDDEN?: Sent<Flag>;
}
export interface NewExternal extends ExternalFields {
  FIRSTNAME: string;
  LASTNAME: string;
  EMAIL: string;
}
export interface ExternalPatch extends ExternalFields {
  ID: string;
}

export interface CourseFields {
  NAME?: Sent<string>;
  DESCRIPTION?: Sent<string>;
  START?: Sent<string>;
  END?: Sent<string>;
  PROFESSOR?: Sent<string>;
  /** `''` removes the second facilitator. */
  PROFESSOR_2?: Sent<string>;
  PROFESSOR_3?: Sent<string>;
  NEED_STUDENTS_SIGNATURE?: Sent<boolean>;
  CLASSROOM?: Sent<string>;
  SCHOOL_GROUP?: Sent<string[]>;
  MAX_STUDENTS?: Sent<number>;
  API_ID?: Sent<string>;
  API_TYPE?: Sent<string>;
}
export interface NewCourse extends CourseFields {
  NAME: string;
  START: string;
  END: string;
  PROFESSOR: string;
  NEED_STUDENTS_SIGNATURE: boolean;
}
export interface CoursePatch extends CourseFields {
  ID: string;
  NEED_STUDENTS_SIGNATURE: boolean;
}

/** Records created by hand in the web app never carry an external id. */
export type ManualStudent = Omit<NewStudent, 'API_ID' | 'API_TYPE'>;
export type ManualProfessor = Omit<NewProfessor, 'API_ID' | 'API_TYPE'>;
export type ManualGroup = Omit<NewGroup, 'API_ID' | 'API_TYPE'>;
export type ManualExternal = Omit<NewExternal, 'API_ID' | 'API_TYPE'>;
export type ManualCourse = Omit<NewCourse, 'API_ID' | 'API_TYPE' | 'NEED_STUDENTS_SIGNATURE'> & {
  NEED_STUDENTS_SIGNATURE?: Sent<boolean>;
  /** Learners put on the sheet one by one (as well as the SCHOOL_GROUP ones). */
  STUDENTS?: Sent<string[]>;
};

export type LockState = 'locked' | 'unlocked';

export interface CourseQuery {
  /** `YYYY-MM-DD`: courses whose START, as a UTC date, is on or after it. */
  from?: Sent<string>;
  /** `YYYY-MM-DD`: courses whose START, as a UTC date, is on or before it. */
  to?: Sent<string>;
  /** Keep only courses in one of these states; all when absent or empty. */
  lockStates?: Sent<ReadonlySet<LockState>>;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

const zonedIsoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses an ISO 8601 date-time that states its offset (or Z) and returns it as UTC ISO with `Z`. */
export function toUtcInstant(value: string, field: string): string {
  const parsed = zonedIsoPattern.test(value) ? DateTime.fromISO(value, { setZone: true }) : undefined;
  if (!parsed?.isValid) throw invalid(invalidInstantMessage(field));
  return parsed.toJSDate().toISOString();
}

const normalizeEmail = (email: string): string => email.trim().toLowerCase();

const unique = (ids: readonly string[]): string[] => [...new Set(ids)];

/** Copies the fields that were sent (defined) from `patch` onto `target`. */
function assignSent<T extends object, K extends keyof T>(
  target: T,
  patch: { [P in K]?: T[P] | undefined },
  keys: readonly K[],
): void {
  for (const key of keys) {
    const value = patch[key];
    if (value !== undefined) target[key] = structuredClone(value);
  }
}

/** Among records sharing an external id: the oldest active one, else the oldest archived one. */
function pickByApiId<T extends { ID: string; API_ID: string }>(
  records: Iterable<T>,
  apiId: string,
  archived: (record: T) => boolean,
): T | undefined {
  if (apiId === '') return undefined;
  let oldestArchived: T | undefined;
  for (const record of records) {
    if (record.API_ID !== apiId) continue;
    if (!archived(record)) return record;
    oldestArchived ??= record;
  }
  return oldestArchived;
}

const flagged = (record: { HIDDEN: Flag }): boolean => record.HIDDEN === 1;

const emptyRow = (studentId: string): AttendanceRow => ({
  studentId,
  state: false,
  timestamp: null,
  delay: 0,
  excluded: '',
  absenceId: null,
  comment: '',
});

type StoredStudent = Omit<StudentRecord, 'GROUPS'>;

/** How a learner got onto a sheet, so removing a group only removes those who came through it alone. */
interface Enrolment {
  row: AttendanceRow;
  /** Put on the sheet one by one (roster PUT, or by hand). */
  direct: boolean;
  /** The attached groups that brought the learner. */
  viaGroups: Set<string>;
}

interface StoredCourse {
  record: Omit<CourseRecord, 'STUDENTS'>;
  enrolments: Enrolment[];
  /** How many times the sheet was locked, so each generated PDF gets its own link. */
  locks: number;
}

const studentKeys = [
  'FIRSTNAME',
  'LASTNAME',
  'EMAIL',
  'API_ID',
  'API_TYPE',
  'FILE_NUMBER',
  'PHOTO',
  'PHONE',
  'TRAINING_NAME',
  'COMPANY',
  'TAGS',
  'BADGE_ID',
  'STUDENT_FOLLOWER_ID',
  'NEW_PASSWORD_NEEDED',
  'LANGUAGE',
  'VARIABLES',
  'HIDDEN',
] as const;
const professorKeys = [
  'FIRSTNAME',
  'LASTNAME',
  'EMAIL',
  'SPECIALITY',
  'PHONE',
  'TAGS',
  'API_ID',
  'API_TYPE',
  'VARIABLES',
] as const;
const groupKeys = ['NAME', 'DESCRIPTION', 'PARENT', 'LOGO', 'API_ID', 'API_TYPE', 'VARIABLES', 'HIDDEN'] as const;
const externalKeys = [
  'FIRSTNAME',
  'LASTNAME',
  'EMAIL',
  'COMPANY',
  'PHONE',
  'TYPE',
  'API_ID',
  'API_TYPE',
  'HIDDEN',
] as const;
const courseKeys = [
  'NAME',
  'DESCRIPTION',
  'PROFESSOR',
  'PROFESSOR_2',
  'PROFESSOR_3',
  'NEED_STUDENTS_SIGNATURE',
  'CLASSROOM',
  'MAX_STUDENTS',
  'API_ID',
  'API_TYPE',
] as const;

// ---------------------------------------------------------------------------------------------------------------
// The school

export interface SchoolStateOptions {
  name: string;
  ids: IdGenerator;
  now: () => Date;
  /** Where the generated attendance-list PDFs are said to live (the links are not served). */
  attendanceListBaseUrl?: string;
}

/** What a change to a course tells the school's webhooks (the event names of Edusign's webhooks). */
export type SchoolEventType =
  'on_course_created' | 'on_course_edited' | 'on_course_deleted' | 'on_course_locked' | 'on_student_sign';

export interface SchoolEvent {
  type: SchoolEventType;
  courseId: string;
  /** The learner who signed (`on_student_sign`). */
  studentId?: string;
}

export type SchoolEventListener = (event: SchoolEvent) => void;

export class EdusignSchoolState {
  readonly id: string;
  readonly name: string;
  private readonly ids: IdGenerator;
  private readonly now: () => Date;
  private readonly attendanceListBaseUrl: string;
  private readonly studentsById = new Map<string, StoredStudent>();
  private readonly professorsById = new Map<string, ProfessorRecord>();
  private readonly groupsById = new Map<string, GroupRecord>();
  private readonly coursesById = new Map<string, StoredCourse>();
  private readonly externalsById = new Map<string, ExternalRecord>();
  private readonly seededIds: string[] = [];
  private readonly emails: CredentialEmail[] = [];
  private readonly listeners = new Set<SchoolEventListener>();

  constructor(options: SchoolStateOptions) {
    this.ids = options.ids;
    this.now = options.now;
    this.name = options.name;
    this.attendanceListBaseUrl = options.attendanceListBaseUrl ?? 'https://files.edusign.invalid/attendance-lists';
    this.id = this.ids.next();
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  /** Calls `listener` after every course change that succeeded (through the API or the web app). */
  onEvent(listener: SchoolEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: SchoolEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own: the change has happened.
      }
    }
  }

  // --- students ------------------------------------------------------------------------------------------------

  createStudent(input: NewStudent, options: { sendCredentials: boolean }): StudentRecord {
    this.assertStudentEmailFree(input.EMAIL, undefined);
    const groups = this.groupsToJoin(input.GROUPS ?? [], []);
    this.assertExternalsExist(input.STUDENT_FOLLOWER_ID ?? []);
    const at = this.stamp();
    const student: StoredStudent = {
      ID: this.ids.next(),
      FIRSTNAME: '',
      LASTNAME: '',
      EMAIL: '',
      USERNAME: '',
      PHOTO: '',
      PHONE: '',
      TRAINING_NAME: '',
      FILE_NUMBER: '',
      COMPANY: '',
      TAGS: [],
      HIDDEN: 0,
      DATE_CREATED: at,
      DATE_UPDATED: at,
      SCHOOL_ID: this.id,
      BADGE_ID: '',
      API_ID: '',
      API_TYPE: '',
      LANGUAGE: '',
      VARIABLES: [],
      STUDENT_FOLLOWER_ID: [],
      NEW_PASSWORD_NEEDED: true,
      TRAINING_IDS: [],
    };
    assignSent(student, input, studentKeys);
    student.EMAIL = student.EMAIL.trim();
    student.STUDENT_FOLLOWER_ID = unique(student.STUDENT_FOLLOWER_ID);
    this.studentsById.set(student.ID, student);
    for (const group of groups) group.STUDENTS.push(student.ID);
    if (options.sendCredentials) this.recordCredentialEmail('student', student.ID, student.EMAIL, at);
    return this.renderStudent(student);
  }

  updateStudent(patch: StudentPatch): StudentRecord {
    const student = this.storedStudent(patch.ID);
    if (patch.EMAIL !== undefined) this.assertStudentEmailFree(patch.EMAIL, student.ID);
    const current = this.groupIdsOf(student.ID);
    const nextGroups = patch.GROUPS === undefined ? undefined : this.groupsToJoin(patch.GROUPS, current);
    if (patch.STUDENT_FOLLOWER_ID !== undefined) this.assertExternalsExist(patch.STUDENT_FOLLOWER_ID);

    assignSent(student, patch, studentKeys);
    student.EMAIL = student.EMAIL.trim();
    student.STUDENT_FOLLOWER_ID = unique(student.STUDENT_FOLLOWER_ID);
    if (nextGroups !== undefined) {
      const keep = new Set(nextGroups.map((g) => g.ID));
      for (const group of this.groupsById.values()) {
        const member = group.STUDENTS.includes(student.ID);
        if (member && !keep.has(group.ID)) group.STUDENTS = group.STUDENTS.filter((id) => id !== student.ID);
        if (!member && keep.has(group.ID)) group.STUDENTS.push(student.ID);
      }
    }
    student.DATE_UPDATED = this.stamp();
    return this.renderStudent(student);
  }

  /** DELETE archives: the record stays (HIDDEN 1), with its groups, tutors and attendance rows. */
  archiveStudent(id: string): StudentRecord {
    const student = this.storedStudent(id);
    if (student.HIDDEN === 0) {
      student.HIDDEN = 1;
      student.DATE_UPDATED = this.stamp();
    }
    return this.renderStudent(student);
  }

  /** `GET /v1/student/restore/:id`: brings an archived learner back (HIDDEN 0); a no-op on an active one. */
  restoreStudent(id: string): StudentRecord {
    const student = this.storedStudent(id);
    if (student.HIDDEN === 1) {
      student.HIDDEN = 0;
      student.DATE_UPDATED = this.stamp();
    }
    return this.renderStudent(student);
  }

  getStudent(id: string): StudentRecord {
    return this.renderStudent(this.storedStudent(id));
  }

  findStudent(id: string): StudentRecord | undefined {
    const student = this.studentsById.get(id);
    return student && this.renderStudent(student);
  }

  studentByEmail(email: string): StudentRecord {
    const wanted = normalizeEmail(email);
    for (const student of this.studentsById.values()) {
      if (normalizeEmail(student.EMAIL) === wanted) return this.renderStudent(student);
    }
    throw notFound(businessMessages.studentEmailNotFound);
  }

  studentIdByApiId(apiId: string): string {
    const student = pickByApiId(this.studentsById.values(), apiId, flagged);
    if (!student) throw notFound(businessMessages.studentApiIdNotFound);
    return student.ID;
  }

  /** Every student, archived ones included, in creation order. */
  listStudents(): StudentRecord[] {
    return [...this.studentsById.values()].map((s) => this.renderStudent(s));
  }

  // --- professors ----------------------------------------------------------------------------------------------

  createProfessor(input: NewProfessor, options: { sendCredentials: boolean }): ProfessorRecord {
    this.assertProfessorEmailFree(input.EMAIL, undefined);
    const at = this.stamp();
    const professor: ProfessorRecord = {
      ID: this.ids.next(),
      FIRSTNAME: '',
      LASTNAME: '',
      EMAIL: '',
      SPECIALITY: '',
      PHONE: '',
      TAGS: [],
      HIDDEN: [],
      API_ID: '',
      API_TYPE: '',
      DATE_CREATED: at,
      DATE_UPDATED: at,
      SCHOOL_ID: this.id,
      VARIABLES: [],
    };
    assignSent(professor, input, professorKeys);
    this.setProfessorHidden(professor, input.HIDDEN);
    professor.EMAIL = professor.EMAIL.trim();
    this.professorsById.set(professor.ID, professor);
    if (options.sendCredentials) this.recordCredentialEmail('professor', professor.ID, professor.EMAIL, at);
    return structuredClone(professor);
  }

  updateProfessor(patch: ProfessorPatch): ProfessorRecord {
    const professor = this.storedProfessor(patch.ID);
    if (patch.EMAIL !== undefined) this.assertProfessorEmailFree(patch.EMAIL, professor.ID);
    assignSent(professor, patch, professorKeys);
    this.setProfessorHidden(professor, patch.HIDDEN);
    professor.EMAIL = professor.EMAIL.trim();
    professor.DATE_UPDATED = this.stamp();
    return structuredClone(professor);
  }

  /** DELETE archives here: this school's id joins HIDDEN; the professor keeps the courses it facilitates. */
  archiveProfessor(id: string): ProfessorRecord {
    const professor = this.storedProfessor(id);
    if (!this.professorArchivedHere(professor)) {
      professor.HIDDEN = [...professor.HIDDEN, this.id];
      professor.DATE_UPDATED = this.stamp();
    }
    return structuredClone(professor);
  }

  /** The professor is archived in another school it also belongs to (not here): another school's id joins HIDDEN. */
  archiveProfessorElsewhere(id: string, schoolId: string = anotherSchoolId): ProfessorRecord {
    const professor = this.storedProfessor(id);
    if (schoolId === this.id) throw new RangeError('archiveProfessorElsewhere: that is this school');
    if (!professor.HIDDEN.includes(schoolId)) {
      professor.HIDDEN = [...professor.HIDDEN, schoolId];
      professor.DATE_UPDATED = this.stamp();
    }
    return structuredClone(professor);
  }

  getProfessor(id: string): ProfessorRecord {
    return structuredClone(this.storedProfessor(id));
  }

  findProfessor(id: string): ProfessorRecord | undefined {
    const professor = this.professorsById.get(id);
    return professor && structuredClone(professor);
  }

  professorByEmail(email: string): ProfessorRecord {
    const wanted = normalizeEmail(email);
    for (const professor of this.professorsById.values()) {
      if (normalizeEmail(professor.EMAIL) === wanted) return structuredClone(professor);
    }
    throw notFound(businessMessages.professorEmailNotFound);
  }

  professorIdByApiId(apiId: string): string {
    const professor = pickByApiId(this.professorsById.values(), apiId, (p) => this.professorArchivedHere(p));
    if (!professor) throw notFound(businessMessages.professorApiIdNotFound);
    return professor.ID;
  }

  listProfessors(): ProfessorRecord[] {
    return [...this.professorsById.values()].map((p) => structuredClone(p));
  }

  // --- groups --------------------------------------------------------------------------------------------------

  createGroup(input: NewGroup): GroupRecord {
    const members = unique(input.STUDENTS ?? []);
    this.assertStudentsExist(members);
    const id = this.ids.next();
    if (input.PARENT !== undefined) this.assertParentAllowed(id, input.PARENT);
    const at = this.stamp();
    const group: GroupRecord = {
      ID: id,
      NAME: '',
      DESCRIPTION: '',
      SCHOOL_ID: this.id,
      STUDENTS: members,
      PARENT: '',
      LOGO: '',
      HIDDEN: 0,
      API_ID: '',
      API_TYPE: '',
      DATE_CREATED: at,
      DATE_UPDATED: at,
      VARIABLES: [],
    };
    assignSent(group, input, groupKeys);
    this.groupsById.set(group.ID, group);
    return structuredClone(group);
  }

  updateGroup(patch: GroupPatch): GroupRecord {
    const group = this.storedGroup(patch.ID);
    const members = patch.STUDENTS === undefined ? undefined : unique(patch.STUDENTS);
    if (members) this.assertStudentsExist(members);
    if (patch.PARENT !== undefined) this.assertParentAllowed(group.ID, patch.PARENT);
    assignSent(group, patch, groupKeys);
    if (members) group.STUDENTS = members;
    group.DATE_UPDATED = this.stamp();
    return structuredClone(group);
  }

  /** DELETE archives the group; its members and the sheets it was attached to are left as they are. */
  archiveGroup(id: string): GroupRecord {
    const group = this.storedGroup(id);
    if (group.HIDDEN === 0) {
      group.HIDDEN = 1;
      group.DATE_UPDATED = this.stamp();
    }
    return structuredClone(group);
  }

  getGroup(id: string): GroupRecord {
    return structuredClone(this.storedGroup(id));
  }

  findGroup(id: string): GroupRecord | undefined {
    const group = this.groupsById.get(id);
    return group && structuredClone(group);
  }

  groupIdByApiId(apiId: string): string {
    const group = pickByApiId(this.groupsById.values(), apiId, flagged);
    if (!group) throw notFound(businessMessages.groupApiIdNotFound);
    return group.ID;
  }

  listGroups(): GroupRecord[] {
    return [...this.groupsById.values()].map((g) => structuredClone(g));
  }

  // --- externals (tutors) ------------------------------------------------------------------------------------

  createExternal(input: NewExternal): ExternalRecord {
    this.assertExternalEmailFree(input.EMAIL, undefined);
    const at = this.stamp();
    const external: ExternalRecord = {
      ID: this.ids.next(),
      SCHOOL_ID: this.id,
      FIRSTNAME: '',
      LASTNAME: '',
      EMAIL: '',
      COMPANY: '',
      PHONE: '',
      TYPE: '',
      API_ID: '',
      API_TYPE: '',
      HIDDEN: 0,
      DATE_CREATED: at,
      DATE_UPDATED: at,
    };
    assignSent(external, input, externalKeys);
    external.EMAIL = external.EMAIL.trim();
    this.externalsById.set(external.ID, external);
    return structuredClone(external);
  }

  updateExternal(patch: ExternalPatch): ExternalRecord {
    const external = this.storedExternal(patch.ID);
    if (patch.EMAIL !== undefined) this.assertExternalEmailFree(patch.EMAIL, external.ID);
    assignSent(external, patch, externalKeys);
    external.EMAIL = external.EMAIL.trim();
    external.DATE_UPDATED = this.stamp();
    return structuredClone(external);
  }

  getExternal(id: string): ExternalRecord {
    return structuredClone(this.storedExternal(id));
  }

  findExternal(id: string): ExternalRecord | undefined {
    const external = this.externalsById.get(id);
    return external && structuredClone(external);
  }

  externalByEmail(email: string): ExternalRecord {
    const wanted = normalizeEmail(email);
    for (const external of this.externalsById.values()) {
      if (normalizeEmail(external.EMAIL) === wanted) return structuredClone(external);
    }
    throw notFound(businessMessages.externalEmailNotFound);
  }

  externalIdByApiId(apiId: string): string {
    const external = pickByApiId(this.externalsById.values(), apiId, flagged);
    if (!external) throw notFound(businessMessages.externalApiIdNotFound);
    return external.ID;
  }

  listExternals(): ExternalRecord[] {
    return [...this.externalsById.values()].map((e) => structuredClone(e));
  }

  // --- what the profile seeds ----------------------------------------------------------------------------------

  /** Remembers a record the simulator's profile made itself, so tests can tell it from their own. */
  markSeeded(id: string): void {
    this.seededIds.push(id);
  }

  // --- courses (attendance sheets) -----------------------------------------------------------------------------

  /** `directStudents` are put on the sheet one by one (the web app can; the API's POST cannot). */
  createCourse(input: NewCourse, directStudents: readonly string[] = []): CourseRecord {
    const start = toUtcInstant(input.START, 'START');
    const end = toUtcInstant(input.END, 'END');
    if (end <= start) throw invalid(businessMessages.endBeforeStart);
    const professors = [input.PROFESSOR, input.PROFESSOR_2 ?? '', input.PROFESSOR_3 ?? ''];
    this.assertFacilitators(professors, professors);
    const groups = unique(input.SCHOOL_GROUP ?? []);
    for (const groupId of groups) this.assertGroupAttachable(groupId);
    const direct = unique(directStudents);
    for (const studentId of direct) this.assertStudentEnrollable(studentId);

    const at = this.stamp();
    const course: StoredCourse = {
      record: {
        ID: this.ids.next(),
        NAME: '',
        DESCRIPTION: '',
        START: start,
        END: end,
        PROFESSOR: '',
        PROFESSOR_2: '',
        PROFESSOR_3: '',
        NEED_STUDENTS_SIGNATURE: true,
        CLASSROOM: '',
        SCHOOL_GROUP: groups,
        MAX_STUDENTS: 0,
        API_ID: '',
        API_TYPE: '',
        LOCKED: 0,
        ATTENDANCE_LIST_GENERATED: '',
        DATE_CREATED: at,
        DATE_UPDATED: at,
      },
      enrolments: [],
      locks: 0,
    };
    assignSent(course.record, input, courseKeys);
    for (const studentId of direct) this.enrol(course, studentId, undefined);
    for (const groupId of groups) this.enrolGroup(course, groupId);
    this.coursesById.set(course.record.ID, course);
    this.emit({ type: 'on_course_created', courseId: course.record.ID });
    return this.renderCourse(course);
  }

  /**
   * PATCH: the fields sent replace, the others stay. A changed SCHOOL_GROUP enrols the active members of the
   * groups added, then takes off the learners who were on the sheet only through a group removed; learners put on
   * one by one, or still reachable through another attached group, keep their row and its attendance.
   */
  updateCourse(patch: CoursePatch): CourseRecord {
    const course = this.storedCourse(patch.ID);
    this.assertUnlocked(course);
    const record = course.record;
    const start = patch.START === undefined ? record.START : toUtcInstant(patch.START, 'START');
    const end = patch.END === undefined ? record.END : toUtcInstant(patch.END, 'END');
    if (end <= start) throw invalid(businessMessages.endBeforeStart);
    const sent = [patch.PROFESSOR, patch.PROFESSOR_2, patch.PROFESSOR_3];
    const next = [
      patch.PROFESSOR ?? record.PROFESSOR,
      patch.PROFESSOR_2 ?? record.PROFESSOR_2,
      patch.PROFESSOR_3 ?? record.PROFESSOR_3,
    ];
    this.assertFacilitators(
      next,
      sent.map((id) => id ?? ''),
    );
    const nextGroups = patch.SCHOOL_GROUP === undefined ? undefined : unique(patch.SCHOOL_GROUP);
    const added = nextGroups?.filter((id) => !record.SCHOOL_GROUP.includes(id)) ?? [];
    const removed = nextGroups ? record.SCHOOL_GROUP.filter((id) => !nextGroups.includes(id)) : [];
    for (const groupId of added) this.assertGroupAttachable(groupId);

    assignSent(record, patch, courseKeys);
    record.START = start;
    record.END = end;
    if (nextGroups) {
      record.SCHOOL_GROUP = nextGroups;
      for (const groupId of added) this.enrolGroup(course, groupId);
      for (const groupId of removed) {
        for (const enrolment of course.enrolments) enrolment.viaGroups.delete(groupId);
      }
      course.enrolments = course.enrolments.filter((e) => e.direct || e.viaGroups.size > 0);
    }
    record.DATE_UPDATED = this.stamp();
    this.emit({ type: 'on_course_edited', courseId: record.ID });
    return this.renderCourse(course);
  }

  /** A real delete (courses are not archived); refused on a locked sheet. */
  deleteCourse(id: string): void {
    const course = this.storedCourse(id);
    this.assertUnlocked(course);
    this.coursesById.delete(id);
    this.emit({ type: 'on_course_deleted', courseId: id });
  }

  getCourse(id: string): CourseRecord {
    return this.renderCourse(this.storedCourse(id));
  }

  findCourse(id: string): CourseRecord | undefined {
    const course = this.coursesById.get(id);
    return course && this.renderCourse(course);
  }

  /** Courses have no archived state: the oldest course with that external id. */
  courseIdByApiId(apiId: string): string {
    const course = pickByApiId(
      [...this.coursesById.values()].map((c) => c.record),
      apiId,
      () => false,
    );
    if (!course) throw notFound(businessMessages.courseApiIdNotFound);
    return course.ID;
  }

  /** Every course in creation order. */
  listCourses(): CourseRecord[] {
    return [...this.coursesById.values()].map((c) => this.renderCourse(c));
  }

  /** The courses a list query selects, ordered by START then creation. */
  queryCourses(query: CourseQuery): CourseRecord[] {
    const states = query.lockStates;
    return [...this.coursesById.values()]
      .filter(({ record }) => {
        const day = record.START.slice(0, 10);
        if (query.from !== undefined && day < query.from) return false;
        if (query.to !== undefined && day > query.to) return false;
        if (states && states.size > 0 && !states.has(record.LOCKED === 1 ? 'locked' : 'unlocked')) return false;
        return true;
      })
      .map((course, index) => ({ course, index }))
      .sort((a, b) => a.course.record.START.localeCompare(b.course.record.START) || a.index - b.index)
      .map(({ course }) => this.renderCourse(course));
  }

  addToRoster(courseId: string, studentId: string): CourseRecord {
    const course = this.storedCourse(courseId);
    this.assertUnlocked(course);
    this.assertStudentEnrollable(studentId);
    if (course.enrolments.some((e) => e.row.studentId === studentId)) throw conflict(businessMessages.alreadyInList);
    this.enrol(course, studentId, undefined);
    course.record.DATE_UPDATED = this.stamp();
    this.emit({ type: 'on_course_edited', courseId: course.record.ID });
    return this.renderCourse(course);
  }

  /** Takes the learner off the sheet whatever brought them there (one by one or through a group). */
  removeFromRoster(courseId: string, studentId: string): CourseRecord {
    const course = this.storedCourse(courseId);
    this.assertUnlocked(course);
    this.storedStudent(studentId);
    const kept = course.enrolments.filter((e) => e.row.studentId !== studentId);
    if (kept.length === course.enrolments.length) throw conflict(businessMessages.notInList);
    course.enrolments = kept;
    course.record.DATE_UPDATED = this.stamp();
    this.emit({ type: 'on_course_edited', courseId: course.record.ID });
    return this.renderCourse(course);
  }

  /** Locks (archives) the sheet and "generates" its attendance-list PDF; returns the PDF link. */
  lockCourse(id: string): string {
    const course = this.storedCourse(id);
    if (course.record.LOCKED === 1) throw conflict(businessMessages.courseAlreadyLocked);
    course.locks += 1;
    const link = `${this.attendanceListBaseUrl}/${course.record.ID}-${course.locks}.pdf`;
    course.record.LOCKED = 1;
    course.record.ATTENDANCE_LIST_GENERATED = link;
    course.record.DATE_UPDATED = this.stamp();
    this.emit({ type: 'on_course_locked', courseId: course.record.ID });
    return link;
  }

  unlockCourse(id: string): CourseRecord {
    const course = this.storedCourse(id);
    if (course.record.LOCKED === 0) throw conflict(businessMessages.courseNotLocked);
    course.record.LOCKED = 0;
    course.record.ATTENDANCE_LIST_GENERATED = '';
    course.record.DATE_UPDATED = this.stamp();
    this.emit({ type: 'on_course_edited', courseId: course.record.ID });
    return this.renderCourse(course);
  }

  // --- attendance, as learners and staff do it in the apps -----------------------------------------------------

  /** The learner signs (present). `at` defaults to now. */
  sign(courseId: string, studentId: string, at?: string): AttendanceRow {
    const { course, enrolment } = this.editableEnrolment(courseId, studentId);
    if (enrolment.row.state) throw conflict(businessMessages.alreadySigned);
    const when = at === undefined ? this.stamp() : toUtcInstant(at, 'at');
    enrolment.row.state = true;
    enrolment.row.timestamp = when;
    const row = this.touched(course, enrolment);
    this.emit({ type: 'on_student_sign', courseId: course.record.ID, studentId });
    return row;
  }

  setDelay(courseId: string, studentId: string, minutes: number): AttendanceRow {
    const { course, enrolment } = this.editableEnrolment(courseId, studentId);
    enrolment.row.delay = minutes;
    return this.touched(course, enrolment);
  }

  setEarlyDeparture(courseId: string, studentId: string, at: string): AttendanceRow {
    const { course, enrolment } = this.editableEnrolment(courseId, studentId);
    enrolment.row.earlyDeparture = toUtcInstant(at, 'at');
    return this.touched(course, enrolment);
  }

  exclude(courseId: string, studentId: string, at: string): AttendanceRow {
    const { course, enrolment } = this.editableEnrolment(courseId, studentId);
    enrolment.row.excluded = toUtcInstant(at, 'at');
    return this.touched(course, enrolment);
  }

  // --- e-mails and snapshot ------------------------------------------------------------------------------------

  credentialEmails(): CredentialEmail[] {
    return structuredClone(this.emails);
  }

  snapshot(): SchoolSnapshot {
    return {
      ID: this.id,
      NAME: this.name,
      students: this.listStudents(),
      professors: this.listProfessors(),
      groups: this.listGroups(),
      courses: this.listCourses(),
      externals: this.listExternals(),
      credentialEmails: this.credentialEmails(),
      seeded: [...this.seededIds],
    };
  }

  // --- internals -----------------------------------------------------------------------------------------------

  private storedStudent(id: string): StoredStudent {
    const student = this.studentsById.get(id);
    if (!student) throw notFound(businessMessages.studentNotFound);
    return student;
  }

  private storedProfessor(id: string): ProfessorRecord {
    const professor = this.professorsById.get(id);
    if (!professor) throw notFound(businessMessages.professorNotFound);
    return professor;
  }

  private storedGroup(id: string): GroupRecord {
    const group = this.groupsById.get(id);
    if (!group) throw notFound(businessMessages.groupNotFound);
    return group;
  }

  private storedExternal(id: string): ExternalRecord {
    const external = this.externalsById.get(id);
    if (!external) throw notFound(businessMessages.externalNotFound);
    return external;
  }

  /** Whether the professor is archived in this school (its HIDDEN lists this school's id). */
  professorArchivedHere(professor: ProfessorRecord): boolean {
    return professor.HIDDEN.includes(this.id);
  }

  /** 1 (or true) archives here, 0 (or false) restores here; a list replaces HIDDEN as sent. */
  private setProfessorHidden(professor: ProfessorRecord, hidden: Flag | SchoolIds | undefined): void {
    if (hidden === undefined) return;
    if (Array.isArray(hidden)) professor.HIDDEN = unique(hidden);
    else if (hidden === 1) professor.HIDDEN = unique([...professor.HIDDEN, this.id]);
    else professor.HIDDEN = professor.HIDDEN.filter((id) => id !== this.id);
  }

  private storedCourse(id: string): StoredCourse {
    const course = this.coursesById.get(id);
    if (!course) throw notFound(businessMessages.courseNotFound);
    return course;
  }

  /** E-mails are unique per school among students, archived ones included (trimmed, case-insensitive). */
  private assertStudentEmailFree(email: string, self: string | undefined): void {
    const wanted = normalizeEmail(email);
    for (const student of this.studentsById.values()) {
      if (student.ID !== self && normalizeEmail(student.EMAIL) === wanted) {
        throw conflict(businessMessages.studentExists);
      }
    }
  }

  private assertProfessorEmailFree(email: string, self: string | undefined): void {
    const wanted = normalizeEmail(email);
    for (const professor of this.professorsById.values()) {
      if (professor.ID !== self && normalizeEmail(professor.EMAIL) === wanted) {
        throw conflict(businessMessages.professorExists);
      }
    }
  }

  private assertStudentsExist(ids: readonly string[]): void {
    for (const id of ids) this.storedStudent(id);
  }

  private assertExternalsExist(ids: readonly string[]): void {
    for (const id of ids) this.storedExternal(id);
  }

  private assertExternalEmailFree(email: string, self: string | undefined): void {
    const wanted = normalizeEmail(email);
    for (const external of this.externalsById.values()) {
      if (external.ID !== self && normalizeEmail(external.EMAIL) === wanted) {
        throw conflict(businessMessages.externalExists);
      }
    }
  }

  /** The groups a student will belong to; joining a new one requires it to be active. */
  private groupsToJoin(ids: readonly string[], current: readonly string[]): GroupRecord[] {
    return unique(ids).map((id) => {
      const group = this.storedGroup(id);
      if (group.HIDDEN === 1 && !current.includes(id)) throw conflict(businessMessages.groupArchived);
      return group;
    });
  }

  private groupIdsOf(studentId: string): string[] {
    return [...this.groupsById.values()].filter((g) => g.STUDENTS.includes(studentId)).map((g) => g.ID);
  }

  /** A parent must exist and must not make the group its own ancestor; `''` means no parent. */
  private assertParentAllowed(groupId: string, parentId: string): void {
    let cursor = parentId;
    const seen = new Set<string>();
    while (cursor !== '') {
      if (cursor === groupId || seen.has(cursor)) throw invalid(businessMessages.invalidGroupParent);
      seen.add(cursor);
      cursor = this.storedGroup(cursor).PARENT;
    }
  }

  /**
   * Facilitators: PROFESSOR is required, _2 and _3 may be `''`; the same professor cannot appear twice. Only the
   * ids being set (`checked`) must be active: a professor archived after being put on a sheet stays there.
   */
  private assertFacilitators(next: readonly string[], checked: readonly string[]): void {
    if (next[0] === '' || next[0] === undefined) throw notFound(businessMessages.professorNotFound);
    for (const id of checked) {
      if (id === '') continue;
      if (this.professorArchivedHere(this.storedProfessor(id))) throw conflict(businessMessages.professorArchived);
    }
    const set = next.filter((id) => id !== '');
    if (new Set(set).size !== set.length) throw invalid(businessMessages.sameProfessorTwice);
  }

  private assertGroupAttachable(groupId: string): void {
    if (this.storedGroup(groupId).HIDDEN === 1) throw conflict(businessMessages.groupArchived);
  }

  private assertStudentEnrollable(studentId: string): void {
    if (this.storedStudent(studentId).HIDDEN === 1) throw conflict(businessMessages.studentArchived);
  }

  private assertUnlocked(course: StoredCourse): void {
    if (course.record.LOCKED === 1) throw conflict(businessMessages.courseLocked);
  }

  private enrol(course: StoredCourse, studentId: string, viaGroup: string | undefined): void {
    let enrolment = course.enrolments.find((e) => e.row.studentId === studentId);
    if (!enrolment) {
      enrolment = { row: emptyRow(studentId), direct: false, viaGroups: new Set() };
      course.enrolments.push(enrolment);
    }
    if (viaGroup === undefined) enrolment.direct = true;
    else enrolment.viaGroups.add(viaGroup);
  }

  /** A group brings its members as they are now (archived learners excluded); later changes do not follow. */
  private enrolGroup(course: StoredCourse, groupId: string): void {
    for (const studentId of this.storedGroup(groupId).STUDENTS) {
      if (this.studentsById.get(studentId)?.HIDDEN === 0) this.enrol(course, studentId, groupId);
    }
  }

  private editableEnrolment(courseId: string, studentId: string): { course: StoredCourse; enrolment: Enrolment } {
    const course = this.storedCourse(courseId);
    this.assertUnlocked(course);
    this.storedStudent(studentId);
    const enrolment = course.enrolments.find((e) => e.row.studentId === studentId);
    if (!enrolment) throw conflict(businessMessages.notInList);
    return { course, enrolment };
  }

  private touched(course: StoredCourse, enrolment: Enrolment): AttendanceRow {
    course.record.DATE_UPDATED = this.stamp();
    return { ...enrolment.row };
  }

  private recordCredentialEmail(
    recipient: CredentialEmail['recipient'],
    personId: string,
    email: string,
    at: string,
  ): void {
    this.emails.push({ recipient, personId, email, sentAt: at });
  }

  private renderStudent(student: StoredStudent): StudentRecord {
    const { STUDENT_FOLLOWER_ID, NEW_PASSWORD_NEEDED, TRAINING_IDS, ...head } = structuredClone(student);
    return {
      ...head,
      GROUPS: this.groupIdsOf(student.ID),
      STUDENT_FOLLOWER_ID,
      NEW_PASSWORD_NEEDED,
      TRAINING_IDS,
    };
  }

  private renderCourse(course: StoredCourse): CourseRecord {
    return { ...structuredClone(course.record), STUDENTS: course.enrolments.map((e) => ({ ...e.row })) };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// What tests and the /__sim/ routes see: read access, and the actions of a person in the web app

export interface EdusignSchoolHandle {
  readonly id: string;
  readonly name: string;
  students(): StudentRecord[];
  student(id: string): StudentRecord | undefined;
  professors(): ProfessorRecord[];
  professor(id: string): ProfessorRecord | undefined;
  groups(): GroupRecord[];
  group(id: string): GroupRecord | undefined;
  courses(): CourseRecord[];
  course(id: string): CourseRecord | undefined;
  externals(): ExternalRecord[];
  external(id: string): ExternalRecord | undefined;
  credentialEmails(): CredentialEmail[];
  snapshot(): SchoolSnapshot;

  /** Created by hand: no API_ID, no credential e-mail. */
  createStudent(input: ManualStudent): StudentRecord;
  createProfessor(input: ManualProfessor): ProfessorRecord;
  createGroup(input: ManualGroup): GroupRecord;
  createExternal(input: ManualExternal): ExternalRecord;
  /** NEED_STUDENTS_SIGNATURE defaults to true; STUDENTS puts learners on the sheet one by one. */
  createCourse(input: ManualCourse): CourseRecord;
  /** `at` (ISO 8601 with a zone, or a Date) defaults to now. Refused on a locked sheet. */
  sign(courseId: string, studentId: string, at?: Date | string): AttendanceRow;
  setDelay(courseId: string, studentId: string, minutes: number): AttendanceRow;
  setEarlyDeparture(courseId: string, studentId: string, at: Date | string): AttendanceRow;
  exclude(courseId: string, studentId: string, at: Date | string): AttendanceRow;
  /** Returns the attendance-list PDF link. */
  lock(courseId: string): string;
  unlock(courseId: string): CourseRecord;
  archiveStudent(id: string): StudentRecord;
  archiveProfessor(id: string): ProfessorRecord;
  /** The professor is archived in another school it belongs to, not here (`HIDDEN` gets that school's id). */
  archiveProfessorElsewhere(id: string, schoolId?: string): ProfessorRecord;
  archiveGroup(id: string): GroupRecord;
}

const instant = (at: Date | string): string => (typeof at === 'string' ? at : at.toISOString());

/** Strips what the web app cannot set, whatever an untyped caller passed. */
function withoutExternalId<T extends object>(input: T): T {
  const { API_ID: _id, API_TYPE: _type, ...rest } = input as T & { API_ID?: unknown; API_TYPE?: unknown };
  return rest as T;
}

export function createSchoolHandle(school: EdusignSchoolState): EdusignSchoolHandle {
  return {
    id: school.id,
    name: school.name,
    students: () => school.listStudents(),
    student: (id) => school.findStudent(id),
    professors: () => school.listProfessors(),
    professor: (id) => school.findProfessor(id),
    groups: () => school.listGroups(),
    group: (id) => school.findGroup(id),
    courses: () => school.listCourses(),
    course: (id) => school.findCourse(id),
    externals: () => school.listExternals(),
    external: (id) => school.findExternal(id),
    credentialEmails: () => school.credentialEmails(),
    snapshot: () => school.snapshot(),
    createStudent: (input) => school.createStudent(withoutExternalId(input), { sendCredentials: false }),
    createProfessor: (input) => school.createProfessor(withoutExternalId(input), { sendCredentials: false }),
    createGroup: (input) => school.createGroup(withoutExternalId(input)),
    createExternal: (input) => school.createExternal(withoutExternalId(input)),
    createCourse: (input) => {
      const { STUDENTS, NEED_STUDENTS_SIGNATURE, ...fields } = withoutExternalId(input);
      return school.createCourse({ ...fields, NEED_STUDENTS_SIGNATURE: NEED_STUDENTS_SIGNATURE ?? true }, STUDENTS);
    },
    sign: (courseId, studentId, at) => school.sign(courseId, studentId, at === undefined ? undefined : instant(at)),
    setDelay: (courseId, studentId, minutes) => school.setDelay(courseId, studentId, minutes),
    setEarlyDeparture: (courseId, studentId, at) => school.setEarlyDeparture(courseId, studentId, instant(at)),
    exclude: (courseId, studentId, at) => school.exclude(courseId, studentId, instant(at)),
    lock: (courseId) => school.lockCourse(courseId),
    unlock: (courseId) => school.unlockCourse(courseId),
    archiveStudent: (id) => school.archiveStudent(id),
    archiveProfessor: (id) => school.archiveProfessor(id),
    archiveProfessorElsewhere: (id, schoolId) => school.archiveProfessorElsewhere(id, schoolId),
    archiveGroup: (id) => school.archiveGroup(id),
  };
}
