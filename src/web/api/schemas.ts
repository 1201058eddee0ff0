/**
 * What the API answers and accepts, as zod schemas: they validate the requests and make the OpenAPI document. The
 * answers carry no secret (credentials never leave the service) and no learner's data (people appear by kind and
 * Aimaira id; messages pass through `redactEmails`).
 */
import { z } from '@hono/zod-openapi';

import { TenantOptions, tenantIdPattern } from '../../config/config.js';
import { reasonCodes } from '../../domain/reasons.js';
import type { ReasonCode } from '../../domain/reasons.js';
import { eventActions, eventLevels, runDirections, runStatuses, tenantRoles } from '../../store/port.js';

export const tenantHealths = ['healthy', 'partial', 'failing', 'paused', 'new'] as const;
const reasonCodeList = Object.keys(reasonCodes) as [ReasonCode, ...ReasonCode[]];

/** A whole number in the query string or the path. */
const wholeNumber = (description: string) =>
  z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).openapi({ description });

export const TenantParam = z.object({
  tenant: z
    .string()
    .regex(tenantIdPattern)
    .openapi({ param: { name: 'tenant', in: 'path' }, example: 'acme', description: 'The tenant id.' }),
});

export const SessionParams = TenantParam.extend({
  session: wholeNumber('The Aimaira session (`Planification`) id.').openapi({
    param: { name: 'session', in: 'path' },
    example: 4242,
  }),
});

export const JobParams = TenantParam.extend({
  job: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .openapi({ param: { name: 'job', in: 'path' }, description: 'The id the sync answered with.' }),
});

export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1).openapi({ description: 'From 1; 50 tenants a page.' }),
});

export const RunsQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(20)
    .openapi({ description: 'How many runs, newest first (1 to 200, 20 by default).' }),
});

/** The dashboard's filters of events, strict: a value that is not a known one is a 400 naming it. */
export const EventsQuery = z.object({
  level: z.enum(eventLevels).optional(),
  action: z.enum(eventActions).optional(),
  reason: z.enum(reasonCodeList).optional().openapi({ description: 'A reason code (see the help).' }),
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day as YYYY-MM-DD')
    .optional()
    .openapi({ description: 'Only the runs that started this day (Europe/Paris), e.g. 2026-11-30.' }),
  run: wholeNumber('Only this run.').optional(),
  aimairaId: wholeNumber('Only the events of this Aimaira record (a session or a person).').optional(),
  before: wholeNumber('Events older than this event id: the `next` of the previous page.').optional(),
});

export const Run = z
  .object({
    id: z.number().int(),
    direction: z.enum(runDirections),
    startedAt: z.string().openapi({ format: 'date-time' }),
    endedAt: z.string().nullable().openapi({ format: 'date-time' }),
    status: z.enum(runStatuses),
    counts: z.record(z.string(), z.number()).openapi({ example: { 'sheet.created': 12, 'learner.skipped': 3 } }),
    error: z.string().nullable(),
  })
  .openapi('Run');

export const Schedule = z
  .object({
    nextRuns: z.array(z.string().openapi({ format: 'date-time' })),
    running: z.boolean(),
    missed: z.array(z.string().openapi({ format: 'date-time' })),
  })
  .openapi('Schedule');

export const TenantSummary = z
  .object({
    id: z.string(),
    health: z.enum(tenantHealths),
    paused: z.boolean(),
    pausedReason: z.string().nullable(),
    lastRuns: z.object({ down: Run.nullable(), up: Run.nullable() }),
    schedule: Schedule.nullable(),
  })
  .openapi('TenantSummary');
export type TenantSummary = z.infer<typeof TenantSummary>;

export const TenantList = z
  .object({
    tenants: z.array(TenantSummary),
    page: z.number().int(),
    pages: z.number().int(),
    total: z.number().int(),
  })
  .openapi('TenantList');

export const Tenant = TenantSummary.extend({
  aimaira: z.object({ url: z.string(), access: z.enum(['password', 'apiKey']) }),
  edusign: z.object({ url: z.string() }),
  options: TenantOptions,
  retention: z.object({ months: z.number() }).nullable(),
}).openapi('Tenant');

export const RunList = z.object({ runs: z.array(Run) }).openapi('RunList');

export const Event = z
  .object({
    id: z.number().int(),
    runId: z.number().int(),
    at: z.string().openapi({ format: 'date-time' }),
    level: z.enum(eventLevels),
    action: z.enum(eventActions),
    recordKind: z.string(),
    aimairaId: z.number().int().nullable(),
    edusignId: z.string().nullable(),
    reason: z.string().nullable(),
    message: z.string(),
  })
  .openapi('Event');

export const EventList = z
  .object({
    events: z.array(Event),
    next: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Pass it as `before` for the next (older) page; null on the last page.' }),
  })
  .openapi('EventList');

export const Explanation = z
  .looseObject({
    tenantId: z.string(),
    sessionId: z.number().int(),
    found: z.boolean(),
    now: z.string(),
  })
  .openapi('Explanation', {
    description:
      'Why a session comes down (or not): eligibility, exclusions, people left out (kind and Aimaira id only), ' +
      'the sheet on Edusign and what the next sync does with it. Read live; nothing is written.',
  });
export type Explanation = z.infer<typeof Explanation>;

export const SyncStarted = z
  .object({
    job: z.string(),
    tenantId: z.string(),
    follow: z.string().openapi({ description: 'Where to read its progress (also in `Location`).' }),
  })
  .openapi('SyncStarted');

export const SyncStatus = z
  .object({
    job: z.string(),
    tenantId: z.string(),
    finished: z.boolean(),
    progress: z
      .object({
        direction: z.enum(runDirections),
        stage: z.enum(['started', 'writing', 'finished']),
        done: z.number().int(),
        total: z.number().int(),
      })
      .nullable(),
    summary: z
      .object({
        status: z.enum(runStatuses),
        directions: z.array(
          z.object({
            direction: z.enum(runDirections),
            status: z.enum(runStatuses),
            runId: z.number().int().nullable(),
            counts: z.record(z.string(), z.number()),
            error: z.string().nullable(),
            durationMs: z.number(),
          }),
        ),
      })
      .nullable(),
    error: z.string().nullable(),
  })
  .openapi('SyncStatus');

export const Me = z
  .object({
    email: z.string(),
    operator: z.boolean(),
    grants: z.array(z.object({ tenantId: z.string(), role: z.enum(tenantRoles) })),
  })
  .openapi('Me');

export const OpenApiDocument = z.looseObject({ openapi: z.string() }).openapi({ description: 'This document.' });
export type OpenApiDocument = z.infer<typeof OpenApiDocument>;
