import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { QueryTypes, Sequelize } from 'sequelize';
import request from 'supertest';

import type { AnySecurityEvent } from '@secure-api/shared/events';
import { EventTap } from '@secure-api/shared/testing';

import { AUTH_SAYS } from './support/fake-auth-service.js';
import { expectProblem, Harness, unique, type Member } from './support/harness.js';

// What the gateway sends: exactly one X-Forwarded-For address, the client's user agent.
const CLIENT_IP = '203.0.113.7';
const USER_AGENT = 'events-test/1.0';

interface Action {
  status: number;
  actorId: string;
  subjectId: string;
  type: AnySecurityEvent['type'];
  data: Record<string, unknown>;
}

describe('security events of user-service (outbox relayed to RabbitMQ)', () => {
  let h: Harness;
  let tap: EventTap;
  let db: Sequelize;
  let admin: Member;

  beforeAll(async () => {
    h = await Harness.start('user_events');
    tap = await EventTap.start();
    db = new Sequelize(h.db.url, { logging: false });
    admin = await h.member('admin');
  });

  afterAll(async () => {
    await tap.close();
    await db.close();
    await h.close();
  });

  /** A request as the gateway forwards it, with this test's own request id. */
  const as = (member: Member, requestId: string, forwardedFor: string | null = CLIENT_IP) => {
    const headers = (req: request.Test) => {
      req
        .set('Authorization', `Bearer ${member.token}`)
        .set('X-Request-ID', requestId)
        .set('User-Agent', USER_AGENT);
      return forwardedFor === null ? req : req.set('X-Forwarded-For', forwardedFor);
    };
    return {
      put: (path: string, body: object) => headers(request(h.url).put(path)).send(body),
      patch: (path: string, body: object) => headers(request(h.url).patch(path)).send(body),
      delete: (path: string) => headers(request(h.url).delete(path)),
    };
  };

  /** Every outbox row about this user, oldest first. */
  async function outboxFor(userId: string): Promise<AnySecurityEvent[]> {
    const rows = await db.query<{ payload: AnySecurityEvent }>(
      `SELECT payload FROM outbox_events WHERE payload->'subject'->>'user_id' = :userId
        ORDER BY created_at`,
      { type: QueryTypes.SELECT, replacements: { userId } },
    );
    return rows.map((row) => row.payload);
  }

  /** The one event about this user: one outbox row, published once, exactly as stored. */
  async function theOnlyEventAbout(userId: string): Promise<AnySecurityEvent> {
    const rows = await outboxFor(userId);
    expect(rows).toHaveLength(1);
    const event = rows[0]!;
    expect(await tap.waitFor([event.id])).toBe(true);
    const published = tap.messagesFor([event.id]);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ routingKey: event.type, persistent: true });
    expect(published[0]!.body).toEqual(event);
    return event;
  }

  const ACTIONS: [string, (requestId: string) => Promise<Action>][] = [
    [
      'PUT /api/v1/users/me changing the name and turning alerts off → user.updated naming both',
      async (requestId) => {
        const member = await h.member('user');
        const res = await as(member, requestId).put('/api/v1/users/me', {
          full_name: 'Renamed Person',
          sign_in_alerts: false,
        });
        return {
          status: res.status,
          actorId: member.user.id,
          subjectId: member.user.id,
          type: 'user.updated',
          data: { fields: ['full_name', 'sign_in_alerts'] },
        };
      },
    ],
    [
      'PUT /api/v1/users/me/settings turning alerts off → user.updated naming it',
      async (requestId) => {
        const member = await h.member('user');
        const res = await as(member, requestId).put('/api/v1/users/me/settings', {
          sign_in_alerts: false,
        });
        return {
          status: res.status,
          actorId: member.user.id,
          subjectId: member.user.id,
          type: 'user.updated',
          data: { fields: ['sign_in_alerts'] },
        };
      },
    ],
    [
      'PATCH /api/v1/users/:id/role → user.role_changed from and to',
      async (requestId) => {
        const { user } = await h.member('user');
        const res = await as(admin, requestId).patch(`/api/v1/users/${user.id}/role`, {
          role: 'moderator',
        });
        return {
          status: res.status,
          actorId: admin.user.id,
          subjectId: user.id,
          type: 'user.role_changed',
          data: { from: 'user', to: 'moderator' },
        };
      },
    ],
    [
      'PATCH /api/v1/users/:id/status → user.status_changed',
      async (requestId) => {
        const { user } = await h.member('viewer');
        const res = await as(admin, requestId).patch(`/api/v1/users/${user.id}/status`, {
          is_active: false,
        });
        return {
          status: res.status,
          actorId: admin.user.id,
          subjectId: user.id,
          type: 'user.status_changed',
          data: { is_active: false },
        };
      },
    ],
    [
      'DELETE /api/v1/users/:id → user.deleted with the role the account had',
      async (requestId) => {
        const { user } = await h.member('viewer');
        const res = await as(admin, requestId).delete(`/api/v1/users/${user.id}`);
        return {
          status: res.status,
          actorId: admin.user.id,
          subjectId: user.id,
          type: 'user.deleted',
          data: { role: 'viewer' },
        };
      },
    ],
  ];

  it.each(ACTIONS)(
    '%s: exactly one event, with the actor, subject, request id and outcome',
    async (_action, act) => {
      const requestId = `req-${randomUUID()}`;

      const action = await act(requestId);

      expect(action.status).toBeLessThan(300);
      expect(await theOnlyEventAbout(action.subjectId)).toEqual({
        id: expect.any(String),
        type: action.type,
        version: 1,
        occurred_at: expect.any(String),
        source: 'user-service',
        request_id: requestId,
        actor: { user_id: action.actorId, ip: CLIENT_IP, user_agent: USER_AGENT },
        subject: { user_id: action.subjectId },
        outcome: 'success',
        data: action.data,
      });
    },
  );

  it('a name-only change records only full_name, and no email at all', async () => {
    const member = await h.member('user');

    const res = await as(member, `req-${randomUUID()}`).put('/api/v1/users/me', {
      full_name: 'Only The Name',
    });

    expect(res.status).toBe(200);
    const event = await theOnlyEventAbout(member.user.id);
    expect(event.data).toEqual({ fields: ['full_name'] });
    expect(JSON.stringify(event)).not.toContain(member.user.email);
  });

  it('a new email with a name change records only full_name: the email has not changed yet', async () => {
    const member = await h.member('user');
    const email = `${unique('new')}@example.com`;

    const res = await as(member, `req-${randomUUID()}`).put('/api/v1/users/me', {
      full_name: 'Renamed Person',
      email,
      current_password: 'Correct-horse-1!',
    });

    expect(res.status).toBe(202);
    const event = await theOnlyEventAbout(member.user.id);
    expect(event.data).toEqual({ fields: ['full_name'] });
    expect(JSON.stringify(event)).not.toContain(email);
    expect(JSON.stringify(event)).not.toContain(member.user.email);
  });

  it('a new email alone records nothing here (auth-service records the request)', async () => {
    const member = await h.member('user');

    const res = await as(member, `req-${randomUUID()}`).put('/api/v1/users/me', {
      email: `${unique('new')}@example.com`,
      current_password: 'Correct-horse-1!',
    });

    expect(res.status).toBe(202);
    expect(await outboxFor(member.user.id)).toEqual([]);
  });

  it('without X-Forwarded-For, the actor address is the socket peer', async () => {
    const { user } = await h.member('user');

    const res = await as(admin, `req-${randomUUID()}`, null).patch(
      `/api/v1/users/${user.id}/status`,
      { is_active: false },
    );

    expect(res.status).toBe(200);
    const { ip } = (await theOnlyEventAbout(user.id)).actor;
    expect(isIP(ip ?? '')).not.toBe(0);
    expect(ip).not.toBe(CLIENT_IP);
  });

  it('a forwarded address that is not an IP does not fail the change; the event names the proxy', async () => {
    const { user } = await h.member('user');

    const res = await as(admin, `req-${randomUUID()}`, 'not-an-ip').patch(
      `/api/v1/users/${user.id}/role`,
      { role: 'viewer' },
    );

    expect(res.status).toBe(200);
    // The chain's walk stops at a hop that is not an address: the trusted peer is all we know.
    expect((await theOnlyEventAbout(user.id)).actor).toEqual({
      user_id: admin.user.id,
      ip: '127.0.0.1',
      user_agent: USER_AGENT,
    });
  });

  describe('a change that does not happen leaves no event', () => {
    it('an email change auth-service refuses (400) rolls back with its event', async () => {
      const member = await h.member('user');

      const res = await as(member, `req-${randomUUID()}`).put('/api/v1/users/me', {
        full_name: 'Not Saved',
        email: `${unique('new')}@example.com`,
        current_password: AUTH_SAYS.wrongPassword,
      });

      expectProblem(res, 400, 'Current password is incorrect');
      expect(await outboxFor(member.user.id)).toEqual([]);
    });

    it('an update that changes nothing records nothing', async () => {
      const member = await h.member('user');

      const res = await as(member, `req-${randomUUID()}`).put('/api/v1/users/me', {
        full_name: member.user.full_name,
        email: member.user.email,
      });

      expect(res.status).toBe(200);
      expect(await outboxFor(member.user.id)).toEqual([]);
    });

    it('refusals (403 on oneself, 403 above one’s rank, 422) record nothing', async () => {
      const moderator = await h.member('moderator');
      const { user: otherAdmin } = await h.member('admin');
      const id = () => `req-${randomUUID()}`;

      const self = await as(moderator, id()).patch(`/api/v1/users/${moderator.user.id}/status`, {
        is_active: false,
      });
      const rank = await as(moderator, id()).delete(`/api/v1/users/${otherAdmin.id}`);
      const invalid = await as(admin, id()).patch(`/api/v1/users/${otherAdmin.id}/role`, {
        role: 'root',
      });

      expectProblem(self, 403, 'You cannot change your own status');
      expectProblem(rank, 403, 'Insufficient permissions');
      expectProblem(invalid, 422);
      expect(await outboxFor(moderator.user.id)).toEqual([]);
      expect(await outboxFor(otherAdmin.id)).toEqual([]);
    });
  });
});
