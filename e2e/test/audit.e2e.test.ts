import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';

import { eventually, TcpProxy, testUrls } from '@secure-api/shared/testing';

import {
  loginAs,
  refreshCookieOf,
  registerUser,
  rememberSecret,
  startSystem,
  type System,
  type TestUser,
} from '../support/system.js';

interface StoredEvent {
  id: string;
  type: string;
  request_id: string | null;
  /** The X-Request-ID these tests send: the gateway files the request under its own id. */
  client_request_id?: string;
  outcome: string;
  actor: { user_id?: string; ip?: string };
  subject?: { user_id?: string };
}

/** Every stored event of the request the test tagged with this id, read through the admin API. */
async function eventsOf(
  system: System,
  adminToken: string,
  requestId: string,
  type: string,
): Promise<StoredEvent[]> {
  const res = await request(system.gateway)
    .get(`/api/v1/admin/audit?type=${type}&limit=200`)
    .set('Authorization', `Bearer ${adminToken}`);
  const events = (res.body as { events?: StoredEvent[] }).events ?? [];
  return events.filter((event) => event.client_request_id === requestId);
}

async function storedPayloads(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const rows = await client.query<{ payload: unknown }>('SELECT payload FROM audit_events');
    return rows.rows.map((row) => JSON.stringify(row.payload)).join('\n');
  } finally {
    await client.end();
  }
}

describe('security events through the gateway into the audit store', () => {
  let system: System;
  let admin: TestUser & { accessToken: string };
  let brokerProxy: TcpProxy;

  beforeAll(async () => {
    // auth-service reaches RabbitMQ through a proxy the outage test can cut.
    brokerProxy = await TcpProxy.forUrl(testUrls.amqp).start();
    system = await startSystem('audit', {
      audit: true,
      auth: { AMQP_URL: brokerProxy.urlFor(testUrls.amqp) },
    });
    admin = await system.userWithRole('admin');
  });

  afterAll(async () => {
    await system.close();
    await brokerProxy.stop();
  });

  const api = () => request(system.gateway);
  const rid = (name: string) => `e2e-${name}-${randomUUID().slice(0, 8)}`;

  type Action = (requestId: string) => Promise<{ actor?: string; subject?: string }>;
  const actions: [string, string, 'success' | 'failure' | 'denied', Action][] = [
    [
      'self registration',
      'auth.user.registered',
      'success',
      async (id) => {
        const tag = randomUUID().slice(0, 8);
        const res = await api()
          .post('/api/v1/auth/register')
          .set('X-Request-ID', id)
          .send({
            username: `ev_${tag}`,
            email: `ev.${tag}@example.com`,
            password: `Ev3nt-Pass-${tag}!`,
          });
        const userId = (res.body as { id: string }).id;
        return { actor: userId, subject: userId };
      },
    ],
    [
      'a successful login',
      'auth.login.succeeded',
      'success',
      async (id) => {
        const user = await registerUser(system.gateway);
        await api()
          .post('/api/v1/auth/login')
          .set('X-Request-ID', id)
          .send({ email: user.email, password: user.password });
        return { actor: user.id, subject: user.id };
      },
    ],
    [
      'a failed login',
      'auth.login.failed',
      'failure',
      async (id) => {
        const user = await registerUser(system.gateway);
        await api()
          .post('/api/v1/auth/login')
          .set('X-Request-ID', id)
          .send({ email: user.email, password: 'Wrong-Pass-123!' });
        return { subject: user.id };
      },
    ],
    [
      'a refresh',
      'auth.token.refreshed',
      'success',
      async (id) => {
        const user = await registerUser(system.gateway);
        const session = await loginAs(system.gateway, user);
        await api()
          .post('/api/v1/auth/refresh')
          .set('X-Request-ID', id)
          .set('Cookie', session.refreshCookie);
        return { actor: user.id, subject: user.id };
      },
    ],
    [
      'a refresh-token reuse',
      'auth.token.reuse_detected',
      'denied',
      async (id) => {
        const user = await registerUser(system.gateway);
        const session = await loginAs(system.gateway, user);
        const second = await api()
          .post('/api/v1/auth/refresh')
          .set('Cookie', session.refreshCookie);
        await api().post('/api/v1/auth/refresh').set('Cookie', refreshCookieOf(second));
        await api()
          .post('/api/v1/auth/refresh')
          .set('X-Request-ID', id)
          .set('Cookie', session.refreshCookie);
        return { subject: user.id };
      },
    ],
    [
      'a logout',
      'auth.logout',
      'success',
      async (id) => {
        const user = await registerUser(system.gateway);
        const session = await loginAs(system.gateway, user);
        await api()
          .post('/api/v1/auth/logout')
          .set('X-Request-ID', id)
          .set('Authorization', `Bearer ${session.accessToken}`);
        return { actor: user.id, subject: user.id };
      },
    ],
    [
      'a logout of every session',
      'auth.logout_all',
      'success',
      async (id) => {
        const user = await registerUser(system.gateway);
        const session = await loginAs(system.gateway, user);
        await api()
          .post('/api/v1/auth/logout-all')
          .set('X-Request-ID', id)
          .set('Authorization', `Bearer ${session.accessToken}`);
        return { actor: user.id, subject: user.id };
      },
    ],
    [
      'a password change',
      'auth.password.changed',
      'success',
      async (id) => {
        const user = await registerUser(system.gateway);
        const session = await loginAs(system.gateway, user);
        const next = `N3w-Pass-${randomUUID().slice(0, 8)}!`;
        rememberSecret(next);
        await api()
          .post('/api/v1/users/me/change-password')
          .set('X-Request-ID', id)
          .set('Authorization', `Bearer ${session.accessToken}`)
          .send({ current_password: user.password, new_password: next });
        return { actor: user.id, subject: user.id };
      },
    ],
    [
      'an admin creating an account',
      'user.created',
      'success',
      async (id) => {
        const tag = randomUUID().slice(0, 8);
        const res = await api()
          .post('/api/v1/users')
          .set('X-Request-ID', id)
          .set('Authorization', `Bearer ${admin.accessToken}`)
          .send({
            username: `made_${tag}`,
            email: `made.${tag}@example.com`,
            password: `Ev3nt-Pass-${tag}!`,
            role: 'viewer',
          });
        return { actor: admin.id, subject: (res.body as { id: string }).id };
      },
    ],
    [
      "an admin ending a user's sessions",
      'auth.sessions.revoked',
      'success',
      async (id) => {
        const user = await registerUser(system.gateway);
        await api()
          .delete(`/api/v1/admin/users/${user.id}/sessions`)
          .set('X-Request-ID', id)
          .set('Authorization', `Bearer ${admin.accessToken}`);
        return { actor: admin.id, subject: user.id };
      },
    ],
    [
      'an admin deactivating an account (auth-service ends its sessions)',
      'auth.sessions.revoked',
      'success',
      async (id) => {
        const user = await registerUser(system.gateway);
        await api()
          .patch(`/api/v1/users/${user.id}/status`)
          .set('X-Request-ID', id)
          .set('Authorization', `Bearer ${admin.accessToken}`)
          .send({ is_active: false });
        return { actor: admin.id, subject: user.id };
      },
    ],
    [
      'an admin unlocking an account',
      'auth.account.unlocked',
      'success',
      async (id) => {
        const user = await registerUser(system.gateway);
        await api()
          .post(`/api/v1/admin/users/${user.id}/unlock`)
          .set('X-Request-ID', id)
          .set('Authorization', `Bearer ${admin.accessToken}`);
        return { actor: admin.id, subject: user.id };
      },
    ],
    [
      'an API key being created',
      'auth.apikey.created',
      'success',
      async (id) => {
        const user = await registerUser(system.gateway);
        const session = await loginAs(system.gateway, user);
        const res = await api()
          .post('/api/v1/auth/api-keys')
          .set('X-Request-ID', id)
          .set('Authorization', `Bearer ${session.accessToken}`)
          .send({ name: 'ev', scopes: ['self:read'], password: user.password });
        rememberSecret((res.body as { key: string }).key);
        return { actor: user.id, subject: user.id };
      },
    ],
  ];

  it.each(actions)(
    '%s leaves exactly one %s event with its actor, request id and outcome',
    async (_name, type, outcome, act) => {
      const requestId = rid(type.replaceAll('.', '-'));
      const who = await act(requestId);

      let found: StoredEvent[] = [];
      const arrived = await eventually(async () => {
        found = await eventsOf(system, admin.accessToken, requestId, type);
        return found.length > 0;
      }, 15_000);
      // Give a duplicate the chance to show up before asserting "exactly one".
      await new Promise((resolve) => setTimeout(resolve, 300));
      found = await eventsOf(system, admin.accessToken, requestId, type);

      expect(arrived).toBe(true);
      expect(found).toHaveLength(1);
      const [event] = found;
      expect(event?.outcome).toBe(outcome);
      if (who.actor) expect(event?.actor.user_id).toBe(who.actor);
      if (who.subject) expect(event?.subject?.user_id).toBe(who.subject);
      expect(event?.actor.ip).toBeDefined();
    },
  );

  it('policy changes are audited with what changed', async () => {
    const requestId = rid('policy');
    await api()
      .put('/api/v1/admin/config')
      .set('X-Request-ID', requestId)
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ lockout_duration_minutes: 31 });
    await api()
      .put('/api/v1/admin/config')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ lockout_duration_minutes: 30 });

    let found: (StoredEvent & {
      data?: { changes: { setting: string; from: unknown; to: unknown }[] };
    })[] = [];
    await eventually(async () => {
      found = await eventsOf(system, admin.accessToken, requestId, 'auth.policy.changed');
      return found.length === 1;
    }, 15_000);

    expect(found[0]?.data?.changes).toEqual([
      { setting: 'lockout_duration_minutes', from: 30, to: 31 },
    ]);
    expect(found[0]?.actor.user_id).toBe(admin.id);
  });

  it('a broker outage loses nothing: 200 logins during it, all 200 events arrive exactly once after', async () => {
    const user = await registerUser(system.gateway);
    const ids = Array.from(
      { length: 200 },
      (_, i) => `e2e-outage-${String(i)}-${randomUUID().slice(0, 8)}`,
    );
    brokerProxy.cut();
    try {
      for (const id of ids) {
        const res = await api()
          .post('/api/v1/auth/login')
          .set('X-Request-ID', id)
          .send({ email: user.email, password: user.password });
        expect(res.status).toBe(200);
      }
    } finally {
      brokerProxy.restore();
    }

    const wanted = new Set(ids);
    const seen = new Map<string, number>();
    const complete = await eventually(async () => {
      seen.clear();
      let cursor: string | undefined;
      do {
        const res = await api()
          .get(
            `/api/v1/admin/audit?type=auth.login.succeeded&user_id=${user.id}&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
          )
          .set('Authorization', `Bearer ${admin.accessToken}`);
        const body = res.body as { events: StoredEvent[]; next_cursor: string | null };
        for (const event of body.events) {
          const tag = event.client_request_id;
          if (tag && wanted.has(tag)) seen.set(tag, (seen.get(tag) ?? 0) + 1);
        }
        cursor = body.next_cursor ?? undefined;
      } while (cursor);
      return seen.size === ids.length;
    }, 60_000);

    expect(complete).toBe(true);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
  }, 120_000);

  it('canary: no password, token, code or full email used in these flows is in any stored event', async () => {
    const canary = `Canary-${randomUUID()}-Pw1!`;
    const email = `canary.${randomUUID().slice(0, 8)}@example.com`;
    const user = await registerUser(system.gateway, { password: canary, email });
    const session = await loginAs(system.gateway, user);
    const refreshed = await api().post('/api/v1/auth/refresh').set('Cookie', session.refreshCookie);
    const newPassword = `Canary2-${randomUUID()}-Pw!`;
    rememberSecret(newPassword);
    await api()
      .post('/api/v1/users/me/change-password')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ current_password: canary, new_password: newPassword });
    const secrets = [
      canary,
      newPassword,
      email,
      session.accessToken,
      session.refreshCookie.split('=')[1] ?? '',
      refreshCookieOf(refreshed).split('=')[1] ?? '',
    ];

    let stored = '';
    await eventually(async () => {
      stored = await storedPayloads(system.audit?.databaseUrl ?? '');
      return stored
        .split('\n')
        .some((row) => row.includes('"auth.password.changed"') && row.includes(user.id));
    }, 30_000);

    expect(stored).toContain(user.id);
    for (const secret of secrets) expect(stored).not.toContain(secret);
  });
});
