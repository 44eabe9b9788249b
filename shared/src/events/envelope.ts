import { z } from 'zod';

import { EVENT_TYPES } from './catalog.js';
import { id, ip, timestamp, userAgent } from './fields.js';

export const EVENT_SOURCES = ['gateway', 'auth-service', 'user-service'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

export const EVENT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

/** Who acted: a user when known, and where from. */
export const eventActorSchema = z.strictObject({
  user_id: id.optional(),
  ip: ip.optional(),
  user_agent: userAgent.optional(),
});
export type EventActor = z.input<typeof eventActorSchema>;

/** What was acted on. */
export const eventSubjectSchema = z.strictObject({
  user_id: id.optional(),
  session_id: id.optional(),
  key_id: id.optional(),
});
export type EventSubject = z.input<typeof eventSubjectSchema>;

/** Same rule as the request-context middleware: what it accepts or generates always passes. */
export const eventRequestId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/);

/** The envelope every security event shares. `data` is checked separately, by the schema of (type, version). */
export const eventEnvelopeSchema = z.strictObject({
  id,
  type: z.enum(EVENT_TYPES),
  version: z.number().int().min(1).max(1000),
  occurred_at: timestamp,
  source: z.enum(EVENT_SOURCES),
  /** Ours (the gateway's for a client request); a client never chooses it. */
  request_id: eventRequestId.nullable(),
  /** The id the client sent with its request, when it sent a sane one: for correlation only. */
  client_request_id: eventRequestId.optional(),
  actor: eventActorSchema,
  subject: eventSubjectSchema.optional(),
  outcome: z.enum(EVENT_OUTCOMES),
  data: z.record(z.string(), z.unknown()),
});
