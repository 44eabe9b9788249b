import type { AnySecurityEvent, EventSource } from '@secure-api/shared/events';

/** Broker user -> the one source its messages may claim; `*`: any source (development only). */
export type ProducerMap = ReadonlyMap<string, EventSource | '*'>;

export const ANY_SOURCE = '*';

/**
 * Which event types each source writes: its own part of the catalogue, and user.created, which
 * auth-service writes because an admin's new account is created there (credential and profile
 * together). One writer per type.
 */
const WRITES: Readonly<Record<EventSource, (type: string) => boolean>> = {
  'auth-service': (type) => type.startsWith('auth.') || type === 'user.created',
  'user-service': (type) => type.startsWith('user.') && type !== 'user.created',
  gateway: (type) => type.startsWith('gateway.'),
};

export type UnprovenReason =
  'missing_user_id' | 'unknown_producer' | 'source_not_allowed' | 'type_not_allowed';

export type Provenance = { proven: true } | { proven: false; reason: UnprovenReason };

/**
 * Whether an event comes from the producer it claims. The broker user is the message's `user_id`,
 * which the broker refuses unless it is the publishing connection's own user, so it says who
 * published; the hash chain cannot say that. That user must be one the map names, the source the
 * event claims must be the one the map gives it, and the type must be that source's: so a
 * compromised gateway can add gateway events, never auth-service's or user-service's history.
 */
export function proveProducer(
  producers: ProducerMap,
  brokerUser: string | undefined,
  event: Pick<AnySecurityEvent, 'source' | 'type'>,
): Provenance {
  if (brokerUser === undefined || brokerUser === '') {
    return { proven: false, reason: 'missing_user_id' };
  }
  const allowed = producers.get(brokerUser);
  if (allowed === undefined) return { proven: false, reason: 'unknown_producer' };
  if (allowed !== ANY_SOURCE && allowed !== event.source) {
    return { proven: false, reason: 'source_not_allowed' };
  }
  if (!WRITES[event.source](event.type)) {
    return { proven: false, reason: 'type_not_allowed' };
  }
  return { proven: true };
}

/** The broker users that may claim any source: provenance is not enforced for them. */
export function unenforcedProducers(producers: ProducerMap): string[] {
  return [...producers].filter(([, source]) => source === ANY_SOURCE).map(([user]) => user);
}
