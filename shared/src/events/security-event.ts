import { randomUUID } from 'node:crypto';

import type { z } from 'zod';

import { currentClientRequestId, currentRequestId } from '../http/request-context.js';
import {
  currentVersion,
  dataSchemaFor,
  type EventData,
  type EventDataInput,
  type EventType,
} from './catalog.js';
import {
  eventEnvelopeSchema,
  type EventActor,
  type EventOutcome,
  type EventSource,
  type EventSubject,
} from './envelope.js';
import { cleanText } from './fields.js';

export interface SecurityEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  version: number;
  occurred_at: string;
  source: EventSource;
  request_id: string | null;
  client_request_id?: string;
  actor: EventActor;
  subject?: EventSubject;
  outcome: EventOutcome;
  data: EventData<T>;
}

/** Any event, narrowed by `type`. */
export type AnySecurityEvent = { [T in EventType]: SecurityEvent<T> }[EventType];

export interface EventFields<T extends EventType> {
  source: EventSource;
  outcome: EventOutcome;
  data: EventDataInput<T>;
  actor?: EventActor;
  subject?: EventSubject;
  /** Defaults to the current request's id (request-context), or null outside a request. */
  request_id?: string | null;
  /** Defaults to the current request's client-chosen id, if it has one. */
  client_request_id?: string | undefined;
}

/**
 * The request ids an event made now would carry: for an event made later (once the response is
 * over, outside the request's context) to carry them too.
 */
export function currentEventIds(): { request_id: string | null; client_request_id?: string } {
  return { request_id: currentRequestId() ?? null, client_request_id: currentClientRequestId() };
}

/** An event that does not match its schema. `issues` name fields and rules, never values. */
export class InvalidEventError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid security event: ${issues.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}

export type ParseEventResult =
  { success: true; event: AnySecurityEvent } | { success: false; issues: string[] };

function describe(issues: z.core.$ZodIssue[], prefix: string): string[] {
  return issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    return `${path || 'event'}: ${issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message}`;
  });
}

/** Validates the envelope, then `data` against the schema of the event's (type, version). */
export function safeParseEvent(input: unknown): ParseEventResult {
  const envelope = eventEnvelopeSchema.safeParse(input);
  if (!envelope.success) return { success: false, issues: describe(envelope.error.issues, '') };
  const schema = dataSchemaFor(envelope.data.type, envelope.data.version);
  if (!schema) return { success: false, issues: ['version: unknown version of this event type'] };
  const data = schema.safeParse(envelope.data.data);
  if (!data.success) return { success: false, issues: describe(data.error.issues, 'data') };
  // Through JSON once, so the value is exactly what is published, stored and hashed.
  const event = JSON.parse(
    JSON.stringify({ ...envelope.data, data: data.data }),
  ) as AnySecurityEvent;
  return { success: true, event };
}

export function parseEvent(input: unknown): AnySecurityEvent {
  const result = safeParseEvent(input);
  if (!result.success) throw new InvalidEventError(result.issues);
  return result.event;
}

/**
 * Builds a validated event: a fresh uuid, `occurred_at` now, the type's current version, and the
 * request ids (ours, and the client's when it sent one) of the request being served. The user
 * agent is cleaned and capped (a client's header must not be able to make an event, and so the
 * action it records, fail). Throws InvalidEventError when the fields do not fit the type's schema.
 */
export function createEvent<T extends EventType>(
  type: T,
  fields: EventFields<T>,
): SecurityEvent<T> {
  const { user_agent: userAgent, ...actor } = fields.actor ?? {};
  const clientRequestId =
    'client_request_id' in fields ? fields.client_request_id : currentClientRequestId();
  const candidate = {
    id: randomUUID(),
    type,
    version: currentVersion(type),
    occurred_at: new Date().toISOString(),
    source: fields.source,
    request_id: fields.request_id === undefined ? (currentRequestId() ?? null) : fields.request_id,
    ...(clientRequestId === undefined ? {} : { client_request_id: clientRequestId }),
    actor: userAgent === undefined ? actor : { ...actor, user_agent: cleanText(userAgent, 512) },
    ...(fields.subject === undefined ? {} : { subject: fields.subject }),
    outcome: fields.outcome,
    data: fields.data,
  };
  return parseEvent(candidate) as SecurityEvent<T>;
}
