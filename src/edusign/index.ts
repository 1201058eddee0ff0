/** The Edusign side of the connector: the API client, its records and its business errors. */
export {
  collectPages,
  courseListFilters,
  createEdusignClient,
  createEdusignRateLimiter,
  defaultEdusignBaseUrl,
  edusignCourseListMaxDays,
  edusignPageSizes,
  edusignStudentPageLimit,
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
  EdusignAnswer,
  EdusignCourses,
  EdusignExternals,
  EdusignGroups,
  EdusignProfessors,
  EdusignStudents,
  ExternalInput,
  ExternalUpdate,
  GroupInput,
  GroupUpdate,
  Pages,
  ProfessorCreateOptions,
  ProfessorInput,
  ProfessorUpdate,
  StudentInput,
  StudentUpdate,
} from './client.js';
export {
  classifyEdusignMessages,
  EdusignBusinessError,
  edusignErrorCodes,
  EdusignNotEnvelopeError,
  isEdusignBusinessError,
  isRouteMissing,
} from './errors.js';
export type { EdusignErrorCode, EdusignErrorContext } from './errors.js';
export {
  EdusignAttendanceRow,
  EdusignCourse,
  EdusignEnvelope,
  EdusignExternal,
  EdusignGroup,
  EdusignHidden,
  EdusignLockResult,
  EdusignProfessor,
  EdusignSchool,
  EdusignStudent,
  isArchived,
  isEmptyResult,
} from './schemas.js';
export { probeEdusign } from './probe.js';
export type { EdusignProbeOptions } from './probe.js';
