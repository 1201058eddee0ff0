/**
 * From the connector's desired state to Edusign payloads. Every record the connector writes carries
 * `API_ID` = the Aimaira id and `API_TYPE` = `AIMAIRA`, which is how it finds its own records again.
 */
import type { DesiredGroup, DesiredPerson, DesiredSheet } from '../sync/down/rules.js';
import type { CourseInput, GroupInput, ProfessorInput, StudentFollowerInput, StudentInput } from './client.js';

export const apiType = 'AIMAIRA';

export const apiIdOf = (aimairaId: number): string => String(aimairaId);

export function studentPayload(person: DesiredPerson, tutorIds: readonly string[]): StudentInput {
  return {
    FIRSTNAME: person.firstName,
    LASTNAME: person.lastName,
    EMAIL: person.email,
    API_ID: apiIdOf(person.aimairaId),
    API_TYPE: apiType,
    STUDENT_FOLLOWER_ID: [...tutorIds],
  };
}

export function professorPayload(person: DesiredPerson): ProfessorInput {
  return {
    FIRSTNAME: person.firstName,
    LASTNAME: person.lastName,
    EMAIL: person.email,
    API_ID: apiIdOf(person.aimairaId),
    API_TYPE: apiType,
  };
}

export function followerPayload(person: DesiredPerson): StudentFollowerInput {
  return professorPayload(person);
}

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
