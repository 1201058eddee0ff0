import { describe, expect, it } from 'vitest';

import { ConnectorError, HttpStatusError, ResponseShapeError } from '../errors.js';
import {
  classifyEdusignMessages,
  EdusignBusinessError,
  EdusignNotEnvelopeError,
  isEdusignBusinessError,
  isRouteMissing,
} from './errors.js';
import type { EdusignErrorCode } from './errors.js';

describe('classifyEdusignMessages', () => {
  const table: Array<[string, EdusignErrorCode]> = [
    ['Professor already exists in this school', 'PROFESSOR_EXISTS'],
    ['Student already exists in this school', 'STUDENT_EXISTS'],
    ['Student already in the list', 'STUDENT_ALREADY_IN_LIST'],
    ['course locked', 'COURSE_LOCKED'],
    ['Course locked', 'COURSE_LOCKED'],
    ['Course already locked', 'COURSE_ALREADY_LOCKED'],
    ['Course not locked', 'COURSE_NOT_LOCKED'],
    ['Student not in the list', 'STUDENT_NOT_IN_LIST'],
    ['Student is archived', 'ARCHIVED'],
    ['Group is archived', 'ARCHIVED'],
    ['No course with this ID found', 'NOT_FOUND'],
    ['No student with this ID found', 'NOT_FOUND'],
    ['No professor with this ID found', 'NOT_FOUND'],
    ['No group with this ID found', 'NOT_FOUND'],
    ['No external with this ID found', 'NOT_FOUND'],
    ['No external with this email found', 'NOT_FOUND'],
    ['External already exists in this school', 'EXTERNAL_EXISTS'],
    ['professor not found', 'NOT_FOUND'],
    ['ERR_UNKNOWN_EXTERNAL_BY_EMAIL', 'NOT_FOUND'],
    ['No course with this API_ID found', 'NOT_FOUND'],
    ['No student with this email found', 'NOT_FOUND'],
    ['Error - cannot get professor by email', 'NOT_FOUND'],
    ['Error - cannot get professor by email: unknown address', 'NOT_FOUND'],
    ['END must be after START', 'VALIDATION'],
    ['START must be an ISO 8601 date-time with a time zone', 'VALIDATION'],
    ['The same professor cannot be set twice on a course', 'VALIDATION'],
    ['The end date must not be before the start date', 'VALIDATION'],
    ['The period between start and end cannot exceed 90 days', 'VALIDATION'],
    ['Invalid group parent', 'VALIDATION'],
    ['Something unexpected happened', 'UNKNOWN'],
  ];

  it.each(table)('reads "%s" as %s', (message, code) => {
    expect(classifyEdusignMessages([message])).toBe(code);
  });

  it('tells "Course already locked" from "course locked" whatever the order of the table', () => {
    expect(classifyEdusignMessages(['Course already locked'])).toBe('COURSE_ALREADY_LOCKED');
    expect(classifyEdusignMessages(['course locked'])).toBe('COURSE_LOCKED');
  });

  it('reads a list of messages that matches no known wording as a validation error', () => {
    expect(classifyEdusignMessages(['FIRSTNAME should not be empty', 'EMAIL should be an email'], true)).toBe(
      'VALIDATION',
    );
  });

  it('still recognises a known message inside a list', () => {
    expect(classifyEdusignMessages(['Student already in the list'], true)).toBe('STUDENT_ALREADY_IN_LIST');
  });

  it('reads an empty error as unknown', () => {
    expect(classifyEdusignMessages([])).toBe('UNKNOWN');
  });
});

describe('EdusignBusinessError', () => {
  const context = { method: 'POST', url: 'https://ext.edusign.fr/v1/professor' };

  it('carries the code, the request and the server message, and is a ConnectorError', () => {
    const error = new EdusignBusinessError(context, 'PROFESSOR_EXISTS', ['Professor already exists in this school']);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.name).toBe('EdusignBusinessError');
    expect(error.code).toBe('PROFESSOR_EXISTS');
    expect(error.serverMessage).toBe('Professor already exists in this school');
    expect(error.message).toBe(
      'edusign POST https://ext.edusign.fr/v1/professor refused (PROFESSOR_EXISTS): Professor already exists in this school',
    );
  });

  it('joins a list of messages and cuts a long one to an excerpt', () => {
    const error = new EdusignBusinessError(context, 'VALIDATION', ['a'.repeat(200), 'b'.repeat(200)]);
    expect(error.serverMessage.length).toBeLessThanOrEqual(301);
    expect(error.serverMessage.startsWith(`${'a'.repeat(200)}; b`)).toBe(true);
    expect(error.serverMessage.endsWith('…')).toBe(true);
  });

  it('says so when the server gave no message', () => {
    expect(new EdusignBusinessError(context, 'UNKNOWN', []).serverMessage).toBe('(no message)');
  });
});

describe('isEdusignBusinessError', () => {
  const error = new EdusignBusinessError({ method: 'PUT', url: 'u' }, 'STUDENT_ALREADY_IN_LIST', ['x']);

  it('recognises the class, and the code when one is given', () => {
    expect(isEdusignBusinessError(error)).toBe(true);
    expect(isEdusignBusinessError(error, 'STUDENT_ALREADY_IN_LIST')).toBe(true);
    expect(isEdusignBusinessError(error, 'NOT_FOUND')).toBe(false);
  });

  it('rejects other errors and non-errors', () => {
    expect(isEdusignBusinessError(new Error('Student already in the list'))).toBe(false);
    expect(isEdusignBusinessError(undefined)).toBe(false);
    expect(isEdusignBusinessError({ code: 'NOT_FOUND' }, 'NOT_FOUND')).toBe(false);
  });
});

describe('isRouteMissing', () => {
  const context = {
    system: 'edusign' as const,
    method: 'GET',
    url: 'https://ext.edusign.fr/v1/externals/by-email/[email]',
  };

  it('is true for a 404, 405 or 501 without the envelope, and for a success status that is not the envelope', () => {
    expect(isRouteMissing(new HttpStatusError(context, 404, '<pre>Cannot GET /v1/externals</pre>'))).toBe(true);
    expect(isRouteMissing(new HttpStatusError(context, 405, 'Method Not Allowed'))).toBe(true);
    expect(isRouteMissing(new EdusignNotEnvelopeError(context.url, 200, ['not a JSON answer']))).toBe(true);
  });

  it('is false for a business error, another status, another system, or a record of the wrong shape', () => {
    expect(isRouteMissing(new EdusignBusinessError(context, 'NOT_FOUND', ['No external with this ID found']))).toBe(
      false,
    );
    expect(isRouteMissing(new HttpStatusError(context, 502, 'Bad Gateway'))).toBe(false);
    expect(isRouteMissing(new HttpStatusError({ ...context, system: 'aimaira' }, 404, 'Not Found'))).toBe(false);
    expect(isRouteMissing(new ResponseShapeError('edusign', context.url, ['ID: required']))).toBe(false);
  });
});
