import { randomUUID } from 'node:crypto';

import { describe, expect, it } from '@jest/globals';
import type { z } from 'zod';

import {
  createEvent,
  EVENT_CATALOG,
  EVENT_TYPES,
  InvalidEventError,
  maskEmail,
  parseEvent,
  safeParseEvent,
  type EventType,
} from '@secure-api/shared/events';
import { runWithContext } from '@secure-api/shared/http';

import { UUID_V4 } from './support/test-app.js';

const loginSucceeded = (overrides: Record<string, unknown> = {}) => ({
  source: 'auth-service' as const,
  outcome: 'success' as const,
  actor: { user_id: randomUUID(), ip: '203.0.113.7', user_agent: 'curl/8.5' },
  subject: { user_id: randomUUID(), session_id: randomUUID() },
  data: { amr: ['pwd' as const] },
  ...overrides,
});

/** Every field name anywhere in a zod schema (objects, arrays, optionals, unions). */
function fieldNames(schema: z.ZodType): string[] {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([name, inner]) => [
        name,
        ...fieldNames(inner),
      ]);
    case 'array':
      return fieldNames(def.element as z.ZodType);
    case 'optional':
    case 'nullable':
      return fieldNames(def.innerType as z.ZodType);
    case 'union':
      return (def.options as z.ZodType[]).flatMap(fieldNames);
    default:
      return [];
  }
}

describe('security event catalog', () => {
  it('has exactly the event types of the contract, each at version 1', () => {
    expect([...EVENT_TYPES].sort()).toEqual(
      [
        'auth.user.registered',
        'auth.login.succeeded',
        'auth.login.failed',
        'auth.account.locked',
        'auth.mfa.locked',
        'auth.account.unlocked',
        'auth.token.refreshed',
        'auth.token.reuse_detected',
        'auth.logout',
        'auth.logout_all',
        'auth.password.changed',
        'auth.policy.changed',
        'auth.sessions.revoked',
        'auth.2fa.enabled',
        'auth.2fa.disabled',
        'auth.2fa.backup_codes_regenerated',
        'auth.apikey.created',
        'auth.apikey.rotated',
        'auth.apikey.revoked',
        'auth.password_reset.requested',
        'auth.password_reset.completed',
        'auth.email.verification_sent',
        'auth.email.verified',
        'auth.email.change_requested',
        'auth.email.changed',
        'auth.email.change_cancelled',
        'auth.login.new_device',
        'user.created',
        'user.updated',
        'user.role_changed',
        'user.status_changed',
        'user.deleted',
        'gateway.rate_limited',
        'gateway.token_rejected',
        'gateway.access_denied',
        'gateway.apikey.used',
      ].sort(),
    );
    for (const definition of Object.values(EVENT_CATALOG)) expect(definition.version).toBe(1);
  });

  it('no data schema has a field that could hold a password, token, code, secret or full email', () => {
    const names = Object.values(EVENT_CATALOG).flatMap((d) => fieldNames(d.data as z.ZodType));

    expect(names.length).toBeGreaterThan(30);
    // Only names that merely mention one: a count of codes, a flag saying a token was revoked.
    expect(names.filter((n) => /pass|token|secret|code|key$|^email$|hash/i.test(n))).toEqual([
      'access_token_revoked',
      'backup_codes',
      'backup_codes',
    ]);
  });
});

describe('createEvent', () => {
  it('builds a valid envelope: fresh uuid, current version, occurred_at now, the request id', () => {
    const before = Date.now();
    const event = runWithContext({ requestId: 'req-0123456789' }, () =>
      createEvent('auth.login.succeeded', loginSucceeded()),
    );

    expect(event.id).toMatch(UUID_V4);
    expect(event.version).toBe(1);
    expect(event.request_id).toBe('req-0123456789');
    expect(Date.parse(event.occurred_at)).toBeGreaterThanOrEqual(before - 1);
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('outside a request the request id is null; an explicit one wins', () => {
    expect(createEvent('auth.login.succeeded', loginSucceeded()).request_id).toBeNull();
    const explicit = createEvent(
      'auth.login.succeeded',
      loginSucceeded({ request_id: 'abcdefgh-1' }),
    );
    expect(explicit.request_id).toBe('abcdefgh-1');
  });

  it('carries the client-chosen request id apart, and only when the request had one', () => {
    const withClientId = runWithContext(
      { requestId: 'gateway-own-0001', clientRequestId: 'client-label-0001' },
      () => createEvent('auth.login.succeeded', loginSucceeded()),
    );
    const without = runWithContext({ requestId: 'gateway-own-0002' }, () =>
      createEvent('auth.login.succeeded', loginSucceeded()),
    );

    expect(withClientId).toMatchObject({
      request_id: 'gateway-own-0001',
      client_request_id: 'client-label-0001',
    });
    expect(without.request_id).toBe('gateway-own-0002');
    expect(without).not.toHaveProperty('client_request_id');
  });

  it('refuses a client_request_id that is not a sane request id, without echoing it', () => {
    const attempt = () =>
      createEvent('auth.login.succeeded', {
        ...loginSucceeded(),
        client_request_id: 'bad id\nlevel=fatal',
      });

    expect(attempt).toThrow(InvalidEventError);
    expect(attempt).toThrow(/client_request_id/);
    expect(attempt).not.toThrow(/level=fatal/);
  });

  it('refuses a field the type does not define, naming the field but never the value', () => {
    const attempt = () =>
      createEvent('auth.password.changed', {
        source: 'auth-service',
        outcome: 'success',
        data: { sessions_revoked: 2, new_password: 'Hunter2-Canary!' } as never,
      });

    expect(attempt).toThrow(InvalidEventError);
    try {
      attempt();
    } catch (error) {
      expect((error as InvalidEventError).issues).toEqual(['data: unknown field']);
      expect((error as Error).message).not.toContain('Hunter2');
    }
  });

  it('refuses a full email where a masked one belongs', () => {
    expect(() =>
      createEvent('user.created', {
        source: 'user-service',
        outcome: 'success',
        subject: { user_id: randomUUID() },
        data: { email_masked: 'jane@example.com', role: 'user' },
      }),
    ).toThrow(InvalidEventError);
  });

  it('cleans and caps a hostile user agent instead of failing the action it records', () => {
    const event = createEvent(
      'auth.login.failed',
      loginSucceeded({
        outcome: 'failure',
        data: { email_masked: maskEmail('x@example.com'), reason: 'wrong_password' },
        actor: {
          ip: '::ffff:10.0.0.1',
          user_agent: `evil\n{"level":"fatal"}\u0000${'A'.repeat(900)}`,
        },
      }) as never,
    );

    expect(event.actor.user_agent).toHaveLength(512);
    expect(event.actor.user_agent).not.toContain('\n');
    expect(event.actor.user_agent).not.toContain('\u0000');
  });
});

describe('parseEvent', () => {
  const valid = () =>
    JSON.parse(JSON.stringify(createEvent('auth.login.succeeded', loginSucceeded()))) as Record<
      string,
      unknown
    >;

  it.each([
    ['an unknown type', { type: 'auth.everything.fine' }, 'type'],
    ['an unknown version', { version: 2 }, 'version'],
    ['an unknown envelope field', { password: 'x' }, 'event'],
    ['data of another type', { data: { sessions_revoked: 1 } }, 'data'],
    ['a bad outcome', { outcome: 'maybe' }, 'outcome'],
    ['a non-uuid id', { id: 'not-a-uuid' }, 'id'],
  ])('rejects %s', (_name, change, field) => {
    const result = safeParseEvent({ ...valid(), ...change });

    expect(result.success).toBe(false);
    if (!result.success) expect(result.issues[0]?.startsWith(field)).toBe(true);
  });

  it('accepts every type with data it defines', () => {
    const type: EventType = 'gateway.access_denied';
    const event = createEvent(type, {
      source: 'gateway',
      outcome: 'denied',
      actor: { user_id: randomUUID(), ip: '198.51.100.2' },
      data: { route: '/api/v1/admin/audit', method: 'GET', permission: 'admin:read', role: 'user' },
    });

    expect(safeParseEvent(event)).toEqual({ success: true, event });
  });
});

describe('maskEmail', () => {
  it.each([
    ['jane.doe@example.com', 'j***@example.com'],
    ['  Jane@Example.COM ', 'j***@example.com'],
    ['a@b.co', 'a***@b.co'],
    ['ünïcode@example.de', 'ü***@example.de'],
    ['odd@name@example.com', 'o***@example.com'],
    ['no-at-sign', '***'],
    ['@example.com', '***'],
    ['user@', '***'],
  ])('%s → %s', (input, masked) => {
    expect(maskEmail(input)).toBe(masked);
  });
});
