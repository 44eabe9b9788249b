import { isIP } from 'node:net';

import {
  createEvent,
  type AnySecurityEvent,
  type EventDataInput,
  type EventFields,
  type SecurityEvent,
} from '@secure-api/shared/events';
import { currentActor } from '@secure-api/shared/http';

type UserEventType = 'user.updated' | 'user.role_changed' | 'user.status_changed' | 'user.deleted';

/**
 * Where a use case hands the events of a change. Called inside the change's transaction (the
 * store's `beforeCommit` / `beforeDelete`), so the events commit or roll back with it.
 */
export interface EventRecorder {
  record(events: AnySecurityEvent | readonly AnySecurityEvent[]): Promise<void>;
}

/** The caller's address and user agent for the current request, and who they are. */
function actorFor(actorId: string): EventFields<UserEventType>['actor'] {
  const { ip, ...actor } = currentActor(actorId);
  // Behind the gateway this is the one address it resolved. A direct caller's malformed
  // X-Forwarded-For must not be able to make the change itself fail, so it is left out.
  return ip !== undefined && isIP(ip) !== 0 ? { ...actor, ip } : actor;
}

/** A successful change by `actorId` to the profile `subjectId`, in the current request. */
export function userEvent<T extends UserEventType>(
  type: T,
  actorId: string,
  subjectId: string,
  data: EventDataInput<T>,
): SecurityEvent<T> {
  return createEvent(type, {
    source: 'user-service',
    outcome: 'success',
    actor: actorFor(actorId),
    subject: { user_id: subjectId },
    data,
  });
}
