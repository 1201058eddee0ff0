/**
 * Edusign's webhooks, as its developer documentation and SDK describe them: a JSON POST per event with the headers
 * `x-edusign-webhook-type`, `x-edusign-hmac` (HMAC-SHA256 of the compact JSON body with the application's client
 * secret, lowercase hex), `x-edusign-school-id`, `x-edusign-app-id` and `x-edusign-client-id`. Edusign waits 15 s
 * for the answer and never retries a failed delivery.
 *
 * The payload beyond `type`, `course.ID` and (for a signature) `student.ID` is not published; the simulator sends
 * only those. Every event (dropped, delivered, failed or abandoned) is in the delivery log tests read.
 */
import { createHmac } from 'node:crypto';

import {
  WebhookTargetError,
  createDropper,
  describeFailure,
  requireLoopbackUrl,
  requireShare,
} from '../shared/webhook-target.js';
import type { SchoolEvent, SchoolEventType } from './state.js';

/** The events the simulator sends, and what makes each (the other documented ones are not modelled). */
export const edusignWebhookEvents = {
  on_course_created: 'a course is created (API or web app)',
  on_course_edited: 'a course is changed: fields, roster, or unlocked',
  on_course_deleted: 'a course is deleted',
  on_course_locked: 'a sheet is locked (archived), through the API or the web app',
  on_student_sign: 'a learner signs',
} as const satisfies Record<SchoolEventType, string>;

export type EdusignWebhookEventType = SchoolEventType;

export interface EdusignWebhookRegistration {
  /** Where events go: loopback only. */
  url: string;
  /** The school whose events are sent, and the `x-edusign-school-id` header. */
  schoolId: string;
  /** `x-edusign-app-id`; the header is left out when absent. */
  appId?: string;
  /** `x-edusign-client-id`; the header is left out when absent. */
  clientId?: string;
  /** The application's client secret, the HMAC key. */
  clientSecret: string;
  /** The share of events never sent (0..1), drawn from a seeded stream; 0 by default. */
  dropShare?: number;
  /** Only these events; all by default. */
  events?: EdusignWebhookEventType[];
  /** Seeds the drop decisions of this registration (the simulator's webhook seed by default). */
  seed?: number;
}

/** A registration as listed: the secret is not repeated. */
export interface EdusignWebhookSubscription {
  readonly id: string;
  readonly url: string;
  readonly schoolId: string;
  readonly appId: string | undefined;
  readonly clientId: string | undefined;
  readonly events: readonly EdusignWebhookEventType[];
  readonly dropShare: number;
}

export interface EdusignWebhookBody {
  type: EdusignWebhookEventType;
  course: { ID: string };
  student?: { ID: string };
}

/** `abandoned`: no answer within the wait. Nothing is ever retried. */
export type EdusignDeliveryState = 'pending' | 'delivered' | 'failed' | 'abandoned' | 'dropped';

export interface EdusignWebhookDelivery {
  id: number;
  subscriptionId: string;
  schoolId: string;
  body: EdusignWebhookBody;
  /** The headers sent (or that would have been, for a dropped event). */
  headers: Record<string, string>;
  state: EdusignDeliveryState;
  /** ISO instant of the event. */
  at: string;
  status?: number;
  error?: string;
  durationMs?: number;
}

export interface EdusignWebhookOptions {
  /** How long a delivery waits for the answer (Edusign: 15 s). */
  timeoutMs?: number;
  /** Seeds the drop decisions (1). */
  seed?: number;
  now?: () => Date;
}

export const edusignWebhookTimeoutMs = 15_000;

/** The signature Edusign's SDK checks: HMAC-SHA256 of the compact JSON body, lowercase hex. */
export function edusignWebhookHmac(body: string, clientSecret: string): string {
  return createHmac('sha256', clientSecret).update(body, 'utf8').digest('hex');
}

export interface EdusignWebhooks {
  /** Throws `WebhookTargetError` for a URL off loopback, an unknown school or a malformed registration. */
  register(registration: EdusignWebhookRegistration): EdusignWebhookSubscription;
  unregister(id: string): boolean;
  /** Every registration, or those of one school. */
  subscriptions(schoolId?: string): EdusignWebhookSubscription[];
  /** Removes the registrations (of one school, or all). */
  clear(schoolId?: string): void;
  /** The delivery log, oldest first (copies), of one school or all. */
  deliveries(schoolId?: string): EdusignWebhookDelivery[];
  /** The log (of one school, or all), taken out of it. */
  takeDeliveries(schoolId?: string): EdusignWebhookDelivery[];
  /** Sends a school's event to its registrations (the school states call this). */
  emit(schoolId: string, event: SchoolEvent): void;
  /** Resolves when no delivery is in flight. */
  settled(): Promise<void>;
  /** Aborts the deliveries in flight; later events are not sent. */
  close(): void;
}

interface Registration {
  public: EdusignWebhookSubscription;
  url: URL;
  clientSecret: string;
  events: Set<EdusignWebhookEventType>;
  drop: () => boolean;
}

export function createEdusignWebhooks(
  options: EdusignWebhookOptions & { isSchool?: (schoolId: string) => boolean } = {},
): EdusignWebhooks {
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? edusignWebhookTimeoutMs;
  const seed = options.seed ?? 1;
  const registrations = new Map<string, Registration>();
  let log: EdusignWebhookDelivery[] = [];
  const inflight = new Set<AbortController>();
  let nextRegistration = 1;
  let nextDelivery = 1;
  let closed = false;
  let waiters: (() => void)[] = [];

  const checkIdle = () => {
    if (inflight.size > 0) return;
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve();
  };

  const deliver = async (registration: Registration, delivery: EdusignWebhookDelivery, payload: string) => {
    const controller = new AbortController();
    inflight.add(controller);
    const started = Date.now();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const response = await fetch(registration.url, {
        method: 'POST',
        redirect: 'manual',
        signal: controller.signal,
        headers: delivery.headers,
        body: payload,
      });
      delivery.status = response.status;
      await response.arrayBuffer();
      delivery.state = response.status >= 200 && response.status <= 299 ? 'delivered' : 'failed';
    } catch (error) {
      delivery.state = timedOut ? 'abandoned' : 'failed';
      delivery.error = timedOut ? `no answer within ${timeoutMs} ms` : describeFailure(error);
    } finally {
      clearTimeout(timer);
      delivery.durationMs = Date.now() - started;
      inflight.delete(controller);
      checkIdle();
    }
  };

  const ofSchool = (schoolId: string | undefined) => (delivery: { schoolId: string }) =>
    schoolId === undefined || delivery.schoolId === schoolId;

  return {
    register(input) {
      const id = `ewh-${nextRegistration}`;
      const registration = parseRegistration(input, id, seed);
      if (options.isSchool && !options.isSchool(registration.public.schoolId)) {
        throw new WebhookTargetError(`schoolId: no school ${registration.public.schoolId} in this simulator`);
      }
      nextRegistration++;
      registrations.set(id, registration);
      return registration.public;
    },
    unregister: (id) => registrations.delete(id),
    subscriptions: (schoolId) => [...registrations.values()].map((r) => r.public).filter(ofSchool(schoolId)),
    clear(schoolId) {
      for (const [id, registration] of registrations) {
        if (ofSchool(schoolId)(registration.public)) registrations.delete(id);
      }
    },
    deliveries: (schoolId) => structuredClone(log.filter(ofSchool(schoolId))),
    takeDeliveries(schoolId) {
      const taken = log.filter(ofSchool(schoolId));
      log = log.filter((delivery) => !ofSchool(schoolId)(delivery));
      return structuredClone(taken);
    },
    emit(schoolId, event) {
      if (closed) return;
      const at = now().toISOString();
      for (const registration of registrations.values()) {
        if (registration.public.schoolId !== schoolId || !registration.events.has(event.type)) continue;
        const body: EdusignWebhookBody = {
          type: event.type,
          course: { ID: event.courseId },
          ...(event.studentId !== undefined && { student: { ID: event.studentId } }),
        };
        const payload = JSON.stringify(body);
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'x-edusign-webhook-type': event.type,
          'x-edusign-hmac': edusignWebhookHmac(payload, registration.clientSecret),
          'x-edusign-school-id': schoolId,
        };
        if (registration.public.appId !== undefined) headers['x-edusign-app-id'] = registration.public.appId;
        if (registration.public.clientId !== undefined) headers['x-edusign-client-id'] = registration.public.clientId;
        const dropped = registration.drop();
        const delivery: EdusignWebhookDelivery = {
          id: nextDelivery++,
          subscriptionId: registration.public.id,
          schoolId,
          body,
          headers,
          state: dropped ? 'dropped' : 'pending',
          at,
        };
        log.push(delivery);
        if (dropped) continue;
        // Counted as in flight at once, so `settled()` waits for it; sent after the change's answer is on its way.
        const placeholder = new AbortController();
        inflight.add(placeholder);
        setImmediate(() => {
          inflight.delete(placeholder);
          if (closed) {
            delivery.state = 'failed';
            delivery.error = 'simulator closed';
            checkIdle();
            return;
          }
          void deliver(registration, delivery, payload);
        });
      }
    },
    settled() {
      if (inflight.size === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    close() {
      closed = true;
      for (const controller of inflight) controller.abort();
    },
  };
}

function parseRegistration(input: EdusignWebhookRegistration, id: string, defaultSeed: number): Registration {
  if (typeof input !== 'object' || input === null) throw new WebhookTargetError('a webhook registration is an object');
  const url = requireLoopbackUrl(input.url, 'url');
  const text = (value: unknown, name: string, optional: boolean): string | undefined => {
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'string' || value === '') throw new WebhookTargetError(`${name} must be a non-empty string`);
    return value;
  };
  const schoolId = text(input.schoolId, 'schoolId', false) as string;
  const clientSecret = text(input.clientSecret, 'clientSecret', false) as string;
  const appId = text(input.appId, 'appId', true);
  const clientId = text(input.clientId, 'clientId', true);
  const dropShare = requireShare(input.dropShare, 'dropShare');
  const known = Object.keys(edusignWebhookEvents) as EdusignWebhookEventType[];
  let events = known;
  if (input.events !== undefined) {
    if (!Array.isArray(input.events)) throw new WebhookTargetError('events must be a list of event types');
    for (const event of input.events) {
      if (!known.includes(event)) {
        throw new WebhookTargetError(`events: unknown event ${JSON.stringify(event)} (one of ${known.join(', ')})`);
      }
    }
    events = input.events;
  }
  const seed = input.seed ?? defaultSeed;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new WebhookTargetError('seed must be a number');
  return {
    public: Object.freeze({
      id,
      url: url.href,
      schoolId,
      appId,
      clientId,
      events: Object.freeze([...new Set(events)]),
      dropShare,
    }),
    url,
    clientSecret,
    events: new Set(events),
    drop: createDropper(dropShare, seed, input.seed === undefined ? `edusign-webhook:${id}` : 'edusign-webhook'),
  };
}
