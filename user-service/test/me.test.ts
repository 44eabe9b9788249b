import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import type { RunningUserService } from '../src/api/server.js';
import { AUTH_SAYS } from './support/fake-auth-service.js';
import {
  expectProblem,
  expectUserObject,
  fieldErrors,
  Harness,
  unique,
} from './support/harness.js';

describe('/api/v1/users/me', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start('users_me');
  });

  afterAll(async () => {
    await h.close();
  });

  const getMe = (token: string) =>
    request(h.url).get('/api/v1/users/me').set('Authorization', `Bearer ${token}`);
  const putMe = (token: string, body: object) =>
    request(h.url).put('/api/v1/users/me').set('Authorization', `Bearer ${token}`).send(body);
  const getSettings = (token: string) =>
    request(h.url).get('/api/v1/users/me/settings').set('Authorization', `Bearer ${token}`);
  const putSettings = (token: string, body: object) =>
    request(h.url)
      .put('/api/v1/users/me/settings')
      .set('Authorization', `Bearer ${token}`)
      .send(body);

  describe('GET', () => {
    it('returns exactly the caller’s user object', async () => {
      const { user, token } = await h.member('viewer');

      const res = await getMe(token);

      expect(res.status).toBe(200);
      expectUserObject(res.body);
      expect(res.body).toEqual(user);
      expect(res.body.is_active).toBe(true);
    });

    it('without a token answers the generic 401 with WWW-Authenticate: Bearer', async () => {
      const res = await request(h.url).get('/api/v1/users/me');

      expectProblem(res, 401, 'Invalid or expired token');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });

    it('refuses an expired token and a service token with the same 401', async () => {
      const { user } = await h.member('user');
      const expired = await h.issuer.accessToken({ sub: user.id, role: 'user', expiresIn: -60 });

      expectProblem(await getMe(expired), 401, 'Invalid or expired token');
      expectProblem(await getMe(await h.issuer.serviceToken()), 401, 'Invalid or expired token');
    });

    it('for a token whose user has no profile, answers 404', async () => {
      const token = await h.issuer.accessToken({ sub: randomUUID(), role: 'user' });

      expectProblem(await getMe(token), 404, 'User not found');
    });
  });

  describe('PUT', () => {
    it('updates full_name and returns the user object', async () => {
      const { user, token } = await h.member('user');

      const res = await putMe(token, { full_name: '  Ada Lovelace ' });

      expect(res.status).toBe(200);
      expectUserObject(res.body);
      expect(res.body).toEqual({ ...user, full_name: 'Ada Lovelace' });
      expect((await getMe(token)).body).toEqual(res.body);
    });

    it('clears full_name with null', async () => {
      const { token } = await h.member('user');

      const res = await putMe(token, { full_name: null });

      expect(res.status).toBe(200);
      expect((res.body as { full_name: unknown }).full_name).toBeNull();
    });

    it.each([
      ['role', { role: 'admin' }],
      ['is_active', { is_active: false }],
      ['username', { username: 'someone_else' }],
      ['password_hash', { password_hash: 'x' }],
    ])('refuses %s with 422 and changes nothing', async (field, body) => {
      const { user, token } = await h.member('user');

      const res = await putMe(token, { full_name: 'Mallory', ...body });

      expectProblem(res, 422);
      expect((res.body as { errors: unknown }).errors).toEqual([
        { field, message: 'Unknown field' },
      ]);
      expect(JSON.stringify(res.body)).not.toContain('someone_else');
      expect((await getMe(token)).body).toEqual(user);
    });

    it.each([
      ['a control character', { full_name: 'Ada\u0000Lovelace' }, 'full_name'],
      ['a bidi override', { full_name: 'Ada\u202eecalevoL' }, 'full_name'],
      ['a name over 100 characters', { full_name: 'a'.repeat(101) }, 'full_name'],
      ['a malformed email', { email: 'not-an-email', current_password: 'x' }, 'email'],
      ['an email over 254 characters', { email: `${'a'.repeat(250)}@example.com` }, 'email'],
    ])('refuses %s with 422 naming the field', async (_case, body, field) => {
      const { token } = await h.member('user');

      const res = await putMe(token, body);

      expectProblem(res, 422);
      expect(fieldErrors(res)).toEqual([field]);
    });

    it('an email change without current_password is a 422 naming current_password; auth is not asked', async () => {
      const { user, token } = await h.member('user');
      const email = `${unique('new')}@example.com`;

      const res = await putMe(token, { email });

      expectProblem(res, 422);
      expect(fieldErrors(res)).toEqual(['current_password']);
      expect(h.auth.emailCallsFor(email)).toHaveLength(0);
      expect((await getMe(token)).body).toEqual(user);
    });

    it('the same email in another case is no change: no password needed, auth not asked', async () => {
      const { user, token } = await h.member('user');

      const res = await putMe(token, { email: `  ${user.email.toUpperCase()} ` });

      expect(res.status).toBe(200);
      expect(res.body).toEqual(user);
      expect(h.auth.emailCallsFor(user.email)).toHaveLength(0);
    });

    it('a new email is sent to auth-service with the caller’s bearer, lower-cased and trimmed; on its 202 answers 202 with the old email and the other fields changed', async () => {
      const { user, token } = await h.member('user');
      const email = `${unique('new')}@example.com`;

      const res = await putMe(token, {
        email: `  ${email.toUpperCase()}  `,
        current_password: 'Correct-horse-1!',
        full_name: 'New Name',
        sign_in_alerts: false,
      });

      expect(res.status).toBe(202);
      expectUserObject(res.body);
      expect(res.body).toEqual({ ...user, full_name: 'New Name' });
      expect((await getSettings(token)).body).toEqual({ sign_in_alerts: false });
      const calls = h.auth.emailCallsFor(email);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({
        method: 'POST',
        authorization: `Bearer ${token}`,
        body: { current_password: 'Correct-horse-1!', email },
      });
      expect(calls[0]!.requestId).toBe(res.headers['x-request-id']);
      expect((await getMe(token)).body).toEqual(res.body);
    });

    it('when auth-service refuses with 400, passes its detail through and rolls the whole update back', async () => {
      const { user, token } = await h.member('user');
      const email = `${unique('new')}@example.com`;

      const res = await putMe(token, {
        email,
        current_password: AUTH_SAYS.wrongPassword,
        full_name: 'Not Saved',
        sign_in_alerts: false,
      });

      expectProblem(res, 400, 'Current password is incorrect');
      expect(h.auth.emailCallsFor(email)).toHaveLength(1);
      expect((await getMe(token)).body).toEqual(user);
      expect((await getSettings(token)).body).toEqual({ sign_in_alerts: true });
    });

    it('when auth-service says too many email changes this hour, answers 429 with its Retry-After and keeps everything', async () => {
      const { user, token } = await h.member('user');

      const res = await putMe(token, {
        email: `${unique('new')}@example.com`,
        current_password: AUTH_SAYS.tooMany,
        full_name: 'Not Saved',
      });

      expectProblem(res, 429, 'Too many requests, retry later');
      expect(res.headers['retry-after']).toBe('1234');
      expect((await getMe(token)).body).toEqual(user);
    });

    it('when auth-service answers 401, answers 401 and keeps the old email', async () => {
      const { user, token } = await h.member('user');

      const res = await putMe(token, {
        email: `${unique('new')}@example.com`,
        current_password: AUTH_SAYS.sessionGone,
      });

      expectProblem(res, 401, 'Invalid or expired token');
      expect((await getMe(token)).body).toEqual(user);
    });

    it('when auth-service fails, answers 502 without its text and keeps the old email', async () => {
      const { user, token } = await h.member('user');

      const res = await putMe(token, {
        email: `${unique('new')}@example.com`,
        current_password: AUTH_SAYS.breaks,
      });

      expectProblem(res, 502, 'The upstream service is unavailable');
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|Sequelize|\/srv\//);
      expect((await getMe(token)).body).toEqual(user);
    });

    it('with a wrong current_password, a taken email and a free email get the same answer, both after auth checked the password', async () => {
      const { user: other } = await h.member('user');
      const { user, token } = await h.member('user');
      const free = `${unique('free')}@example.com`;

      const taken = await putMe(token, {
        email: other.email,
        current_password: AUTH_SAYS.wrongPassword,
      });
      const untaken = await putMe(token, {
        email: free,
        current_password: AUTH_SAYS.wrongPassword,
      });

      for (const res of [taken, untaken]) expectProblem(res, 400, 'Current password is incorrect');
      const strip = (body: object) => ({ ...body, request_id: undefined });
      expect(strip(taken.body as object)).toEqual(strip(untaken.body as object));
      expect(JSON.stringify(taken.body)).not.toMatch(/taken|exists|in use|unique|duplicate/i);
      expect(h.auth.emailCallsFor(other.email)).toHaveLength(1);
      expect(h.auth.emailCallsFor(free)).toHaveLength(1);
      expect((await getMe(token)).body).toEqual(user);
    });

    it('a new email another user holds gets the same 202 as a free one: auth-service decides, and nothing is sent to undo it', async () => {
      const { user: other } = await h.member('user');
      const { user, token } = await h.member('user');

      const res = await putMe(token, { email: other.email, current_password: 'Correct-horse-1!' });

      expect(res.status).toBe(202);
      expect(res.body).toEqual(user);
      expect(h.auth.emailCallsFor(other.email)).toHaveLength(1);
      expect(h.auth.emailCallsFor(user.email)).toHaveLength(0);
      expect((await getMe(token)).body).toEqual(user);
    });
  });

  describe('sign_in_alerts: a setting, not part of the user object', () => {
    it('a new profile has alerts on; PUT /users/me turns them off and on, the user object never shows them', async () => {
      const { user, token } = await h.member('user');

      const before = await getSettings(token);
      const off = await putMe(token, { sign_in_alerts: false });
      const afterOff = await getSettings(token);
      const on = await putMe(token, { sign_in_alerts: true });

      expect(before.status).toBe(200);
      expect(before.body).toEqual({ sign_in_alerts: true });
      expect(off.status).toBe(200);
      expectUserObject(off.body);
      expect(off.body).toEqual(user);
      expect(afterOff.body).toEqual({ sign_in_alerts: false });
      expect(on.body).toEqual(user);
      expect((await getSettings(token)).body).toEqual({ sign_in_alerts: true });
    });

    it('PUT /users/me/settings answers exactly the settings, and GET reads them back', async () => {
      const { user, token } = await h.member('user');

      const off = await putSettings(token, { sign_in_alerts: false });

      expect(off.status).toBe(200);
      expect(off.body).toEqual({ sign_in_alerts: false });
      expect((await getSettings(token)).body).toEqual({ sign_in_alerts: false });
      expect((await getMe(token)).body).toEqual(user);
    });

    it.each([
      ['a string', 'no'],
      ['null', null],
      ['a number', 0],
    ])('refuses %s with 422 naming sign_in_alerts and changes nothing', async (_case, value) => {
      const { user, token } = await h.member('user');

      const viaMe = await putMe(token, { sign_in_alerts: value, full_name: 'Not Saved' });
      const viaSettings = await putSettings(token, { sign_in_alerts: value });

      for (const res of [viaMe, viaSettings]) {
        expectProblem(res, 422);
        expect(fieldErrors(res)).toEqual(['sign_in_alerts']);
      }
      expect((await getMe(token)).body).toEqual(user);
      expect((await getSettings(token)).body).toEqual({ sign_in_alerts: true });
    });

    it('PUT /users/me/settings refuses an absent setting or any other field with 422', async () => {
      const { token } = await h.member('user');

      const empty = await putSettings(token, {});
      const extra = await putSettings(token, { sign_in_alerts: false, role: 'admin' });

      expectProblem(empty, 422);
      expect(fieldErrors(empty)).toEqual(['sign_in_alerts']);
      expectProblem(extra, 422);
      expect(fieldErrors(extra)).toEqual(['role']);
      expect((await getSettings(token)).body).toEqual({ sign_in_alerts: true });
    });

    it('a viewer (no self:write) reads its settings but cannot turn alerts off: 403, nothing changes', async () => {
      const { user, token } = await h.member('viewer');

      const viaMe = await putMe(token, { sign_in_alerts: false });
      const viaSettings = await putSettings(token, { sign_in_alerts: false });

      expectProblem(viaMe, 403, 'Insufficient permissions');
      expectProblem(viaSettings, 403, 'Insufficient permissions');
      expect((await getMe(token)).body).toEqual(user);
      expect((await getSettings(token)).body).toEqual({ sign_in_alerts: true });
    });

    it('without a token the settings answer the generic 401', async () => {
      expectProblem(
        await request(h.url).get('/api/v1/users/me/settings'),
        401,
        'Invalid or expired token',
      );
    });
  });

  describe('when auth-service is unreachable', () => {
    let cut: RunningUserService;

    beforeAll(async () => {
      cut = await h.startWithoutAuthService();
    });

    afterAll(async () => {
      await cut.close();
    });

    it('an email change answers 502 and keeps the old email', async () => {
      const { user, token } = await h.member('user');

      const res = await request(cut.url)
        .put('/api/v1/users/me')
        .set('Authorization', `Bearer ${token}`)
        .send({ email: `${unique('new')}@example.com`, current_password: 'whatever-1A!' });

      expectProblem(res, 502, 'The upstream service is unavailable');
      expect((await getMe(token)).body).toEqual(user);
    });

    it('a name-only change still works, since auth-service is not involved', async () => {
      const { token } = await h.member('user');

      const res = await request(cut.url)
        .put('/api/v1/users/me')
        .set('Authorization', `Bearer ${token}`)
        .send({ full_name: 'Offline Edit' });

      expect(res.status).toBe(200);
      expect((res.body as { full_name: string }).full_name).toBe('Offline Edit');
    });
  });
});
