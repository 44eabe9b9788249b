import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { QueryTypes, Sequelize } from 'sequelize';
import request from 'supertest';

import { USER_SERVICE_AUDIENCE } from '@secure-api/shared/auth';
import { TestTokenIssuer } from '@secure-api/shared/testing';

import {
  expectProblem,
  expectProfileObject,
  fieldErrors,
  Harness,
  unique,
  type TestProfile,
} from './support/harness.js';

describe('/internal/users (auth-service only)', () => {
  let h: Harness;
  let db: Sequelize;

  beforeAll(async () => {
    h = await Harness.start('users_internal');
    db = new Sequelize(h.db.url, { logging: false });
  });

  afterAll(async () => {
    await db.close();
    await h.close();
  });

  const outboxFor = (userId: string) =>
    db.query(`SELECT id FROM outbox_events WHERE payload->'subject'->>'user_id' = :userId`, {
      type: QueryTypes.SELECT,
      replacements: { userId },
    });

  const fresh = () => {
    const name = unique('reg');
    return {
      id: randomUUID(),
      username: name,
      email: `${name}@example.com`,
      full_name: 'Grace Hopper',
      role: 'user',
    };
  };
  const asService = async () => `Bearer ${await h.issuer.serviceToken()}`;
  const create = async (body: object) =>
    request(h.url)
      .post('/internal/users')
      .set('Authorization', await asService())
      .send(body);
  const read = async (id: string) =>
    request(h.url)
      .get(`/internal/users/${id}`)
      .set('Authorization', await asService());
  const remove = async (id: string) =>
    request(h.url)
      .delete(`/internal/users/${id}`)
      .set('Authorization', await asService());

  describe('POST', () => {
    it('creates the profile: 201 with the internal profile (the user object and sign_in_alerts), email normalised', async () => {
      const input = fresh();

      const res = await create({ ...input, email: `  ${input.email.toUpperCase()} ` });

      expect(res.status).toBe(201);
      expectProfileObject(res.body);
      expect(res.body).toMatchObject({
        ...input,
        is_active: true,
        email_verified: false,
        sign_in_alerts: true,
      });
      expect((await read(input.id)).body).toEqual(res.body);
    });

    it('creates a verified profile when asked (the create-admin CLI vouches for the address)', async () => {
      const input = { ...fresh(), email_verified: true };

      const res = await create(input);

      expect(res.status).toBe(201);
      expect(res.body).toMatchObject(input);
      expect((await read(input.id)).body).toEqual(res.body);
    });

    it('accepts a null or absent full_name', async () => {
      const withNull = await create({ ...fresh(), full_name: null });
      const { id, username, email, role } = fresh();
      const absent = await create({ id, username, email, role });

      expect(withNull.status).toBe(201);
      expect((withNull.body as TestProfile).full_name).toBeNull();
      expect(absent.status).toBe(201);
      expect((absent.body as TestProfile).full_name).toBeNull();
    });

    it('is idempotent: the same id, username and email again is 200 with the stored user', async () => {
      const input = fresh();
      const first = await create(input);

      const again = await create({ ...input, email: input.email.toUpperCase() });

      expect(first.status).toBe(201);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
    });

    it('concurrent identical requests create one user', async () => {
      const input = fresh();

      const results = await Promise.all([create(input), create(input), create(input)]);

      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 201]);
      expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
    });

    it.each([
      ['the username of another user', (taken: TestProfile) => ({ username: taken.username })],
      [
        'the username of another user in another case',
        (taken: TestProfile) => ({ username: taken.username.toUpperCase() }),
      ],
      ['the email of another user', (taken: TestProfile) => ({ email: taken.email.toUpperCase() })],
      [
        'an existing id with a different username',
        (taken: TestProfile) => ({ id: taken.id, email: taken.email }),
      ],
    ])('%s is a 409 conflict', async (_case, clash) => {
      const taken = (await create(fresh())).body as TestProfile;

      const res = await create({ ...fresh(), ...clash(taken) });

      expectProblem(res, 409, 'Username or email already in use');
      expect((res.body as { type: string }).type).toMatch(/\/conflict$/);
      expect((await read(taken.id)).body).toEqual(taken);
    });

    it.each([
      ['a username with markup', { username: '<script>' }, 'username'],
      ['a 10,000-character username', { username: 'a'.repeat(10_000) }, 'username'],
      ['a two-character username', { username: 'ab' }, 'username'],
      ['a 51-character username', { username: 'a'.repeat(51) }, 'username'],
      ['a malformed email', { email: 'not-an-email' }, 'email'],
      ['an email over 254 characters', { email: `${'a'.repeat(250)}@example.com` }, 'email'],
      ['a full_name with a control character', { full_name: 'a\u0007b' }, 'full_name'],
      ['a 101-character full_name', { full_name: 'a'.repeat(101) }, 'full_name'],
      ['an unknown role', { role: 'root' }, 'role'],
      ['an id that is not a uuid', { id: '42' }, 'id'],
      ['an unknown field', { password: 'Secret-123!' }, 'password'],
      ['an is_active flag', { is_active: false }, 'is_active'],
      ['an email_verified that is not a boolean', { email_verified: 'yes' }, 'email_verified'],
      ['a sign_in_alerts flag', { sign_in_alerts: false }, 'sign_in_alerts'],
    ])('%s is a 422 naming the field, without echoing the value', async (_case, patch, field) => {
      const res = await create({ ...fresh(), ...patch });

      expectProblem(res, 422);
      expect(fieldErrors(res)).toEqual([field]);
      expect(JSON.stringify(res.body)).not.toMatch(/<script>|Secret-123|aaaaaaaaaa/);
    });
  });

  describe('GET /internal/users/:id', () => {
    it('returns the internal profile, or 404', async () => {
      const created = (await create(fresh())).body as TestProfile;

      const found = await read(created.id);

      expect(found.status).toBe(200);
      expectProfileObject(found.body);
      expect(found.body).toEqual(created);
      expectProblem(await read(randomUUID()), 404, 'User not found');
    });

    it('a malformed id is a 422', async () => {
      const res = await read('nope');

      expectProblem(res, 422);
      expect(fieldErrors(res)).toEqual(['params.id']);
    });
  });

  describe('PUT /internal/users/:id/email (auth-service, once an address is verified)', () => {
    const setEmail = async (id: string, body: object) =>
      request(h.url)
        .put(`/internal/users/${id}/email`)
        .set('Authorization', await asService())
        .send(body);

    it('sets the email and email_verified: 200 with the internal profile, email normalised, no event', async () => {
      const created = (await create(fresh())).body as TestProfile;
      const email = `${unique('moved')}@example.com`;

      const res = await setEmail(created.id, {
        email: `  ${email.toUpperCase()} `,
        email_verified: true,
      });

      expect(res.status).toBe(200);
      expectProfileObject(res.body);
      expect(res.body).toEqual({ ...created, email, email_verified: true });
      expect((await read(created.id)).body).toEqual(res.body);
      expect(await outboxFor(created.id)).toEqual([]);
    });

    it('can mark the same address unverified again', async () => {
      const created = (await create({ ...fresh(), email_verified: true })).body as TestProfile;

      const res = await setEmail(created.id, { email: created.email, email_verified: false });

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ...created, email_verified: false });
    });

    it('for an unknown id answers 404', async () => {
      const res = await setEmail(randomUUID(), {
        email: `${unique('ghost')}@example.com`,
        email_verified: true,
      });

      expectProblem(res, 404, 'User not found');
    });

    it('an email another profile holds (in any case) is a 409 email-conflict; neither profile changes', async () => {
      const taken = (await create(fresh())).body as TestProfile;
      const mover = (await create(fresh())).body as TestProfile;

      const res = await setEmail(mover.id, {
        email: taken.email.toUpperCase(),
        email_verified: true,
      });

      expectProblem(res, 409, 'Email already in use');
      expect((res.body as { type: string }).type).toMatch(/\/email-conflict$/);
      expect((await read(mover.id)).body).toEqual(mover);
      expect((await read(taken.id)).body).toEqual(taken);
    });

    it('two profiles racing for one free address: exactly one gets it, the other a 409', async () => {
      const first = (await create(fresh())).body as TestProfile;
      const second = (await create(fresh())).body as TestProfile;
      const email = `${unique('contested')}@example.com`;

      const results = await Promise.all(
        [first, second].map((user) => setEmail(user.id, { email, email_verified: true })),
      );

      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const owners = await Promise.all([read(first.id), read(second.id)]);
      expect(owners.filter((r) => (r.body as TestProfile).email === email)).toHaveLength(1);
    });

    it.each([
      ['a malformed email', { email: 'not-an-email', email_verified: true }, 'email'],
      ['no email_verified', { email: 'a@example.com' }, 'email_verified'],
      [
        'an email_verified string',
        { email: 'a@example.com', email_verified: 'true' },
        'email_verified',
      ],
      ['an unknown field', { email: 'a@example.com', email_verified: true, role: 'admin' }, 'role'],
    ])('%s is a 422 naming the field; nothing changes', async (_case, body, field) => {
      const created = (await create(fresh())).body as TestProfile;

      const res = await setEmail(created.id, body);

      expectProblem(res, 422);
      expect(fieldErrors(res)).toEqual([field]);
      expect((await read(created.id)).body).toEqual(created);
    });
  });

  describe('DELETE /internal/users/:id', () => {
    it('answers 204 whether or not the user existed (saga compensation)', async () => {
      const created = (await create(fresh())).body as TestProfile;

      const first = await remove(created.id);
      const second = await remove(created.id);
      const never = await remove(randomUUID());

      expect([first.status, second.status, never.status]).toEqual([204, 204, 204]);
      expectProblem(await read(created.id), 404);
    });
  });

  describe('authentication', () => {
    let stranger: TestTokenIssuer;

    beforeAll(async () => {
      stranger = await TestTokenIssuer.start();
    });

    afterAll(async () => {
      await stranger.close();
    });

    // With a body each route would accept from a service, so only the credential is wrong.
    const routes = [
      ['POST /internal/users', 'post', '/internal/users', fresh()],
      ['GET /internal/users/:id', 'get', `/internal/users/${randomUUID()}`, undefined],
      ['DELETE /internal/users/:id', 'delete', `/internal/users/${randomUUID()}`, undefined],
      [
        'PUT /internal/users/:id/email',
        'put',
        `/internal/users/${randomUUID()}/email`,
        { email: `${unique('any')}@example.com`, email_verified: true },
      ],
    ] as const;

    const credentials: [string, () => Promise<string | undefined>][] = [
      ['no token', () => Promise.resolve(undefined)],
      ['a garbage token', () => Promise.resolve('Bearer not.a.jwt')],
      [
        'an admin access token',
        async () => `Bearer ${await h.issuer.accessToken({ role: 'admin' })}`,
      ],
      [
        'a service token for another audience',
        async () => `Bearer ${await h.issuer.serviceToken('audit-service')}`,
      ],
      [
        'a service token signed by an unknown key',
        async () => `Bearer ${await stranger.serviceToken(USER_SERVICE_AUDIENCE)}`,
      ],
    ];

    const send = (method: (typeof routes)[number][1], path: string) => {
      switch (method) {
        case 'post':
          return request(h.url).post(path);
        case 'get':
          return request(h.url).get(path);
        case 'delete':
          return request(h.url).delete(path);
        case 'put':
          return request(h.url).put(path);
      }
    };

    for (const [routeName, method, path, body] of routes) {
      it.each(credentials)(`${routeName} with %s is a 401`, async (_case, header) => {
        const authorization = await header();
        const req = send(method, path);
        if (authorization) void req.set('Authorization', authorization);

        const res = body ? await req.send(body) : await req;

        expectProblem(res, 401, 'Invalid or expired token');
        expect(res.headers['www-authenticate']).toBe('Bearer');
      });
    }

    it('nothing was created by a refused request', async () => {
      const input = fresh();
      await request(h.url)
        .post('/internal/users')
        .set('Authorization', `Bearer ${await h.issuer.accessToken({ role: 'admin' })}`)
        .send(input);

      expectProblem(await read(input.id), 404);
    });

    it('an email was not changed by a refused request', async () => {
      const created = (await create(fresh())).body as TestProfile;
      await request(h.url)
        .put(`/internal/users/${created.id}/email`)
        .set('Authorization', `Bearer ${await h.issuer.accessToken({ role: 'admin' })}`)
        .send({ email: `${unique('stolen')}@example.com`, email_verified: true });

      expect((await read(created.id)).body).toEqual(created);
    });
  });
});
