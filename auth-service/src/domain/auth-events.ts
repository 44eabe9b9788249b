import {
  createEvent,
  type EventFields,
  type EventType,
  type SecurityEvent,
} from '@secure-api/shared/events';
import { currentActor } from '@secure-api/shared/http';

/**
 * An auth-service security event for the current request: source, request id, client address
 * and user agent filled in; `actorId` is who acted (absent for an anonymous caller).
 */
export function authEvent<T extends EventType>(
  type: T,
  fields: Omit<EventFields<T>, 'source' | 'actor'> & { actorId?: string | undefined },
): SecurityEvent<T> {
  const { actorId, ...rest } = fields;
  return createEvent(type, {
    ...rest,
    source: 'auth-service',
    actor: currentActor(actorId),
  });
}
