import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { AuthHarness, asSeen, expectProblem, refreshCookieOf } from './support/harness.js';

const REFUSED = 'Invalid email or password';

describe('POST /api/v1/auth/login', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_login');
  });

  afterAll(async () => {
    await h.close();
  });

  it('with the right password, returns a bearer token and a hardened refresh cookie, nothing more', async () => {
    const user = await h.register();

    const res = await h.login(user.email, user.password);

    expect(res.status).toBe(200);
    const body = res.body as { access_token: string; token_type: string; expires_in: number };
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(body.token_type).toBe('bearer');
    h.remember(body.access_token);
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) =>
      c.startsWith('refresh_token='),
    );
    for (const attribute of ['Path=/api/v1/auth', 'HttpOnly', 'Secure', 'SameSite=Strict']) {
      expect(cookie?.split('; ')).toContain(attribute);
    }
    h.remember(refreshCookieOf(res)?.slice('refresh_token='.length) ?? '');
    const sessions = await h.api
      .get('/api/v1/auth/sessions')
      .set('Authorization', `Bearer ${body.access_token}`);
    expect(sessions.status).toBe(200);
    expect(h.leakedSecrets()).toEqual([]);
  });

  it('when the password is wrong, returns the same 401 as for an unknown email', async () => {
    const user = await h.register();

    const wrong = await h.login(user.email, 'Wrong-Pass-123!');
    const unknown = await h.login(
      `ghost.${randomUUID().slice(0, 8)}@example.com`,
      'Wrong-Pass-123!',
    );

    expectProblem(wrong, 401, REFUSED);
    expect(asSeen(wrong)).toEqual(asSeen(unknown));
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(JSON.stringify(wrong.body)).not.toContain(user.email);
  });

  it('when user-service reports the account inactive, returns that same 401 for the right password', async () => {
    const user = await h.register();
    h.users.deactivate(user.id);

    const res = await h.login(user.email, user.password);

    expectProblem(res, 401, REFUSED);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});
