import { randomUUID } from 'node:crypto';

import { createEvent, maskEmail, type AnySecurityEvent } from '@secure-api/shared/events';

/** A valid event of a few kinds, about `userId` (fresh when not given). */
export function loginSucceeded(userId: string = randomUUID()): AnySecurityEvent {
  return createEvent('auth.login.succeeded', {
    source: 'auth-service',
    outcome: 'success',
    request_id: `req-${randomUUID()}`,
    actor: { user_id: userId, ip: '203.0.113.9', user_agent: 'audit-test/1.0' },
    subject: { user_id: userId, session_id: randomUUID() },
    data: { amr: ['pwd'] },
  });
}

export function loginFailed(userId: string = randomUUID()): AnySecurityEvent {
  return createEvent('auth.login.failed', {
    source: 'auth-service',
    outcome: 'failure',
    actor: { ip: '203.0.113.9' },
    subject: { user_id: userId },
    data: { email_masked: maskEmail('someone@example.com'), reason: 'wrong_password' },
  });
}

/** An admin (actor) creating an account (subject): written by auth-service, which creates it. */
export function userCreated(actorId: string, subjectId: string): AnySecurityEvent {
  return createEvent('user.created', {
    source: 'auth-service',
    outcome: 'success',
    actor: { user_id: actorId },
    subject: { user_id: subjectId },
    data: { email_masked: maskEmail('new.person@example.com'), role: 'user' },
  });
}

/** An admin (actor) changing someone's role (subject). */
export function roleChanged(actorId: string, subjectId: string): AnySecurityEvent {
  return createEvent('user.role_changed', {
    source: 'user-service',
    outcome: 'success',
    actor: { user_id: actorId },
    subject: { user_id: subjectId },
    data: { from: 'user', to: 'moderator' },
  });
}

export function accessDenied(userId: string = randomUUID()): AnySecurityEvent {
  return createEvent('gateway.access_denied', {
    source: 'gateway',
    outcome: 'denied',
    actor: { user_id: userId, ip: '198.51.100.4' },
    data: { route: '/api/v1/admin/audit', method: 'GET', permission: 'admin:read', role: 'user' },
  });
}

/** The same event, said to have happened at another time (still valid). */
export function at(event: AnySecurityEvent, occurredAt: Date): AnySecurityEvent {
  return { ...event, occurred_at: occurredAt.toISOString() };
}
