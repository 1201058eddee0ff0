/** The Edusign side of the connector: the API client, its records and its business errors. */
export {
  collectPages,
  courseListFilters,
  createEdusignClient,
  createEdusignRateLimiter,
  defaultEdusignBaseUrl,
  edusignCourseListMaxDays,
  edusignPageSizes,
} from './client.js';
export type {
  CallOptions,
  CourseInput,
  CourseListFilter,
  CourseListQuery,
  CourseUpdate,
  CreateOutcome,
  EdusignClient,
  EdusignClientOptions,
  EdusignCourses,
  EdusignGroups,
  EdusignProfessors,
  EdusignStudentFollowers,
  EdusignStudents,
  GroupInput,
  GroupUpdate,
  Pages,
  ProfessorCreateOptions,
  ProfessorInput,
  ProfessorUpdate,
  StudentFollowerInput,
  StudentFollowerUpdate,
  StudentInput,
  StudentUpdate,
} from './client.js';
export { classifyEdusignMessages, EdusignBusinessError, edusignErrorCodes, isEdusignBusinessError } from './errors.js';
export type { EdusignErrorCode, EdusignErrorContext } from './errors.js';
export {
  EdusignAttendanceRow,
  EdusignCourse,
  EdusignEnvelope,
  EdusignGroup,
  EdusignLockResult,
  EdusignProfessor,
  EdusignStudent,
  EdusignStudentFollower,
} from './schemas.js';
