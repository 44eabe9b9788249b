import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { AuthHarness, expectProblem, refreshCookieOf } from './support/harness.js';

const REFUSED = 'Invalid or expired refresh token';

describe('POST /api/v1/auth/refresh', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_refresh');
  });

  afterAll(async () => {
    await h.close();
  });

  const refresh = (cookie: string) => h.api.post('/api/v1/auth/refresh').set('Cookie', cookie);

  /** Refreshes and returns the new cookie pair and access token, remembered as secrets. */
  async function rotate(cookie: string): Promise<{ cookie: string; accessToken: string }> {
    const res = await refresh(cookie);
    expect(res.status).toBe(200);
    const next = refreshCookieOf(res) ?? '';
    const accessToken = (res.body as { access_token: string }).access_token;
    h.remember(next.slice('refresh_token='.length), accessToken);
    return { cookie: next, accessToken };
  }

  it('rotates: every refresh sets a new cookie and answers a working access token', async () => {
    const user = await h.register();
    const { refreshCookie } = await h.loginAs(user);

    const next = await rotate(refreshCookie);
    const sessions = await h.api
      .get('/api/v1/auth/sessions')
      .set('Authorization', `Bearer ${next.accessToken}`);

    expect(next.cookie).not.toBe(refreshCookie);
    expect(sessions.status).toBe(200);
  });

  it('a refresh marks its session used: the session list shows the later time', async () => {
    const user = await h.register();
    const { refreshCookie, accessToken } = await h.loginAs(user);
    const listed = async (token: string) => {
      const res = await h.api.get('/api/v1/auth/sessions').set('Authorization', `Bearer ${token}`);
      return (res.body as { sessions: { last_used_at: string }[] }).sessions;
    };
    const [before] = await listed(accessToken);
    await new Promise((resolve) => setTimeout(resolve, 20));

    const next = await rotate(refreshCookie);
    const [after] = await listed(next.accessToken);

    expect(Date.parse(after?.last_used_at ?? '')).toBeGreaterThan(
      Date.parse(before?.last_used_at ?? ''),
    );
  });

  it('reusing a rotated token revokes the whole family: its newest token and access token die too', async () => {
    const user = await h.register();
    const { refreshCookie: first } = await h.loginAs(user);
    const second = await rotate(first);
    const newest = await rotate(second.cookie);

    const reuse = await refresh(first);
    const afterReuse = await refresh(newest.cookie);
    const sessions = await h.api
      .get('/api/v1/auth/sessions')
      .set('Authorization', `Bearer ${newest.accessToken}`);

    expectProblem(reuse, 401, REFUSED);
    // The stolen copy's holder is told to drop it: the cookie is cleared.
    expect(refreshCookieOf(reuse)).toBe('refresh_token=');
    expectProblem(afterReuse, 401, REFUSED);
    expect(sessions.status).toBe(401);
    expect(h.leakedSecrets()).toEqual([]);
  });

  it('answers a missing, malformed or unknown cookie with the same 401', async () => {
    const missing = await h.api.post('/api/v1/auth/refresh');
    const malformed = await refresh('refresh_token=not-a-token');
    const unknown = await refresh(`refresh_token=${'A'.repeat(43)}`);

    for (const res of [missing, malformed, unknown]) expectProblem(res, 401, REFUSED);
  });
});
