import type { ConsumeMessage } from 'amqplib';

import { safeParseEvent, type AnySecurityEvent } from '@secure-api/shared/events';

import type { InvalidReason } from './consumer-metrics.js';

/** Far above any real event; a bigger message is not parsed at all. */
const MAX_MESSAGE_BYTES = 64 * 1024;

export type Decoded = { ok: true; event: AnySecurityEvent } | { ok: false; reason: InvalidReason };

/** A delivery as a valid security event, or why it is not one. */
export function decode(message: ConsumeMessage): Decoded {
  if (message.content.length > MAX_MESSAGE_BYTES) return { ok: false, reason: 'too_large' };
  let body: unknown;
  try {
    body = JSON.parse(message.content.toString('utf8'));
  } catch {
    return { ok: false, reason: 'json' };
  }
  const parsed = safeParseEvent(body);
  return parsed.success ? { ok: true, event: parsed.event } : { ok: false, reason: 'schema' };
}
