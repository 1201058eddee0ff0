/**
 * Reason codes, declared as data: every sheet that does not come down, every person left out and every
 * notable thing in a run carries one, with a plain-words explanation shown by `explain` and the dashboard.
 */

export const reasonCodes = {
  // Why a session does not become a sheet.
  PAST: 'The session starts before the sync instant: past sessions are not synchronised.',
  BEYOND_HORIZON: 'The session starts after the sync horizon (end of day today + horizonDays, Paris time).',
  CREATED_TODAY:
    'The session was created in Aimaira today (Paris time); it comes down at the first sync of a later day.',
  CANCELLED: 'The session is cancelled in Aimaira.',
  NOT_ATTENDANCE_TYPE: 'The session is neither a course session (SEANCE) nor a common event (EVENEMENT).',
  COMMON_EVENTS_DISABLED: 'The session is a common event and importEvenementsCommuns is off.',
  DEFAULT_PROFESSOR_MISSING:
    'The common event has no facilitator and defaultProfsForEvenementsCommun is not set or does not exist on Edusign.',
  WRONG_STRUCTURE: "The session's brand (its programme's Ecole) is not among the tenant's structures.",
  NO_FACILITATOR: 'The session has no facilitator.',
  INVALID_FACILITATOR: 'No facilitator of the session has a first name, a last name and a valid e-mail.',
  NO_VALID_LEARNER: 'The session has no learner with a first name, a last name and a valid e-mail.',
  // Why a person is left out of a sheet.
  INVALID_LEARNER: 'The learner lacks a first name, a last name or a valid e-mail.',
  INVALID_TUTOR: 'The tutor lacks a first name, a last name or a valid e-mail, so the learner comes down without them.',
  DUPLICATE_EMAIL: 'Another person of the same kind already uses this e-mail; the first one keeps it.',
  // Notable things during a run.
  TOO_MANY_FACILITATORS: 'Edusign takes at most 3 facilitators per sheet; the first 3 valid ones were kept.',
  LOCKED: 'The sheet is locked (archived) on Edusign and is never modified.',
  SIGNED: 'Someone already signed the sheet, so it is kept although its session no longer comes down.',
  SIGNED_LEARNER_KEPT: 'The learner is no longer listed in Aimaira but already signed the sheet, so they stay on it.',
  ADOPTED_BY_EMAIL: 'A record made by hand in Edusign with the same e-mail was linked instead of creating a duplicate.',
  RECOVERED_BY_API_ID: 'A record this connector created earlier was found by its API_ID and linked again.',
  EMAIL_TAKEN: 'An Edusign record with this e-mail belongs to another Aimaira record.',
  EDUSIGN_REJECTED: 'Edusign refused the write.',
  EDUSIGN_UNAVAILABLE: 'Edusign could not be reached or failed; the record is retried at the next run.',
  SESSION_GONE: 'The session was cancelled, deleted or moved out of the window in Aimaira.',
  TUTORS_UNAVAILABLE:
    "This Edusign server has no externals routes, so tutors were left out of this run; learners and sheets came down, and learners' tutors in Edusign were left as they were.",
  // The upward run: attendance of locked sheets going back to Aimaira.
  ATTENDANCE_DISABLED: 'sendAttendance is off for this tenant: no attendance is sent to Aimaira.',
  SHEET_NOT_LINKED:
    'The locked sheet was not created or adopted by the connector (made by hand in Edusign): its attendance is not sent.',
  LEARNER_NOT_LINKED:
    'Someone on the locked sheet is not linked to an Aimaira learner, so there is no row to write; the session is not marked done.',
  NO_ATTENDANCE_ROW:
    'The learner has no learner row on the session in Aimaira, so their attendance cannot be written; the session is not marked done.',
  NOT_ON_SHEET: 'The learner is on the session in Aimaira but not on the Edusign sheet: nothing is sent for them.',
  ROW_MATCH_CONFLICT:
    "The learner's row on the session names this learner by its Reference but carries another learner's code, so nobody can tell whose row it is; it is not written and the session is not marked done until someone corrects it in Aimaira.",
  PROVENANCE_NOT_ALLOWED:
    'The value set in the provenancePresence option is not one Aimaira lists for ProvenancePresence (or its $metadata could not be read to check it), so each row keeps the value it already has.',
  AIMAIRA_REJECTED: 'Aimaira refused the write; it is tried again at the next run.',
  AIMAIRA_UNAVAILABLE: 'Aimaira could not be reached or failed; the write is tried again at the next run.',
} as const;

export type ReasonCode = keyof typeof reasonCodes;

export function describeReason(code: ReasonCode): string {
  return reasonCodes[code];
}
