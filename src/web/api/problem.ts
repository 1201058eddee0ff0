/**
 * The API's errors as RFC 9457 problem details (`application/problem+json`): `type`, `title`, `status`, `detail`,
 * and for a 400 the list of the parameters refused. A problem never carries a secret nor a learner's data: its
 * `detail` is written here or passes through `redactEmails`.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from '@hono/zod-openapi';
import type { ZodError } from 'zod';

import { redactEmails } from '../html.js';

export const problemContentType = 'application/problem+json';

/** Where a refused parameter was: the path, the query string or the JSON body. */
export const parameterPlaces = ['path', 'query', 'header', 'body'] as const;

export const Problem = z
  .object({
    type: z.string().openapi({ example: 'about:blank' }),
    title: z.string().openapi({ example: 'Not Found' }),
    status: z.number().int().openapi({ example: 404 }),
    detail: z.string().openapi({ example: 'No tenant "acme" for this account.' }),
    errors: z
      .array(
        z.object({
          in: z.enum(parameterPlaces),
          name: z.string(),
          detail: z.string(),
        }),
      )
      .optional()
      .openapi({ description: 'With a 400: every parameter refused, and why.' }),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details.' });
export type Problem = z.infer<typeof Problem>;

/** The `responses` entry of a problem, for a route's OpenAPI description. */
export function problemResponse(description: string) {
  return { description, content: { [problemContentType]: { schema: Problem } } } as const;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

/** A problem answer; `type` stays `about:blank` (the status says it all), as RFC 9457 allows. */
export function problem<S extends ContentfulStatusCode>(
  c: Pick<Context, 'json'>,
  status: S,
  detail: string,
  extra: { errors?: Problem['errors']; headers?: Record<string, string> } = {},
) {
  const body: Problem = {
    type: 'about:blank',
    title: titles[status] ?? 'Error',
    status,
    detail: redactEmails(detail),
    ...(extra.errors && { errors: extra.errors }),
  };
  return c.json(body, status, {
    'Content-Type': problemContentType,
    'Cache-Control': 'no-store',
    ...extra.headers,
  });
}

export function isProblem(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').startsWith(problemContentType);
}

const placeOfTarget: Record<string, (typeof parameterPlaces)[number]> = {
  param: 'path',
  query: 'query',
  header: 'header',
  json: 'body',
  form: 'body',
};

/** The parameters a zod validation refused, named as the client wrote them. */
export function refusedParameters(target: string, error: ZodError): NonNullable<Problem['errors']> {
  const place = placeOfTarget[target] ?? 'query';
  return error.issues.map((issue) => ({
    in: place,
    name: issue.path.length === 0 ? '(whole)' : issue.path.map(String).join('.'),
    detail: redactEmails(issue.message),
  }));
}

/** `The query parameter "limit" is invalid: …`, for the 400's `detail`. */
export function describeRefusal(errors: NonNullable<Problem['errors']>): string {
  const where = { path: 'path parameter', query: 'query parameter', header: 'header', body: 'body field' } as const;
  return errors.map((error) => `The ${where[error.in]} "${error.name}" is invalid: ${error.detail}.`).join(' ');
}
