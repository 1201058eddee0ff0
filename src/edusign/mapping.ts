/**
 * From the connector's desired state to Edusign payloads. Every record the connector writes carries
 * `API_ID` = the Aimaira id and `API_TYPE` = `AIMAIRA`, which is how it finds its own records again.
 */
import type { DesiredGroup, DesiredPerson, DesiredSheet } from '../sync/down/rules.js';
import type { CourseInput, ExternalInput, GroupInput, ProfessorInput, StudentInput } from './client.js';

export const apiType = 'AIMAIRA';

export const apiIdOf = (aimairaId: number): string => String(aimairaId);

/** What every person record carries, facilitator, tutor (external) or learner: names, e-mail, our API_ID. */
function personPayload(person: DesiredPerson): ProfessorInput & ExternalInput {
  return {
    FIRSTNAME: person.firstName,
    LASTNAME: person.lastName,
    EMAIL: person.email,
    API_ID: apiIdOf(person.aimairaId),
    API_TYPE: apiType,
  };
}

/**
 * A learner; `tutorIds` are the Edusign ids of their externals, sent as `STUDENT_FOLLOWER_ID` (which replaces the
 * list). `undefined` leaves the field out, so tutors set in Edusign stay as they are (tutors unavailable).
 */
export function studentPayload(person: DesiredPerson, tutorIds: readonly string[] | undefined): StudentInput {
  return { ...personPayload(person), ...(tutorIds !== undefined && { STUDENT_FOLLOWER_ID: [...tutorIds] }) };
}

export const professorPayload = (person: DesiredPerson): ProfessorInput => personPayload(person);

/** A tutor, as an Edusign external. */
export const externalPayload = (person: DesiredPerson): ExternalInput => personPayload(person);

export function groupPayload(group: DesiredGroup, studentIds: readonly string[]): GroupInput {
  return { NAME: group.name, STUDENTS: [...studentIds], API_ID: apiIdOf(group.aimairaId), API_TYPE: apiType };
}

/** The sheet's fields (its roster is written learner by learner). At most three facilitators. */
export function coursePayload(
  sheet: DesiredSheet,
  professorIds: readonly string[],
  groupIds: readonly string[],
): CourseInput {
  const [first = '', second, third] = professorIds;
  return {
    NAME: sheet.name,
    START: sheet.start,
    END: sheet.end,
    PROFESSOR: first,
    PROFESSOR_2: second ?? '',
    PROFESSOR_3: third ?? '',
    NEED_STUDENTS_SIGNATURE: true,
    CLASSROOM: sheet.classroom,
    SCHOOL_GROUP: [...groupIds],
    API_ID: apiIdOf(sheet.aimairaId),
    API_TYPE: apiType,
  };
}
