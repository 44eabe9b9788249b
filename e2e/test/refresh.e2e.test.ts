import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import {
  loginAs,
  refreshCookieOf,
  registerUser,
  startSystem,
  type System,
} from '../support/system.js';

const GRACE_SECONDS = 2;

describe('refresh token rotation and reuse detection', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('refresh', {
      auth: { REFRESH_REUSE_GRACE_SECONDS: String(GRACE_SECONDS) },
    });
  });

  afterAll(async () => {
    await system.close();
  });

  const refresh = (cookie: string) =>
    request(system.gateway).post('/api/v1/auth/refresh').set('Cookie', cookie);
  const me = (token: string) =>
    request(system.gateway).get('/api/v1/users/me').set('Authorization', `Bearer ${token}`);
  const accessOf = (res: request.Response) => (res.body as { access_token: string }).access_token;

  it('every refresh rotates: a new cookie and a working access token', async () => {
    const session = await loginAs(system.gateway, await registerUser(system.gateway));

    const res = await refresh(session.refreshCookie);

    expect(res.status).toBe(200);
    expect(refreshCookieOf(res)).not.toBe(session.refreshCookie);
    expect((await me(accessOf(res))).status).toBe(200);
  });

  it('reusing an older rotated token revokes the whole family, newest token and access token included', async () => {
    const session = await loginAs(system.gateway, await registerUser(system.gateway));
    const second = await refresh(session.refreshCookie);
    const third = await refresh(refreshCookieOf(second));
    expect(third.status).toBe(200);

    // The first token is two rotations old: no grace, whatever the clock says.
    const replay = await refresh(session.refreshCookie);

    expect(replay.status).toBe(401);
    expect((await refresh(refreshCookieOf(third))).status).toBe(401);
    expect((await me(accessOf(third))).status).toBe(401);
  });

  it('two refreshes racing with the same token inside the grace window both succeed', async () => {
    const session = await loginAs(system.gateway, await registerUser(system.gateway));

    const [a, b] = await Promise.all([
      refresh(session.refreshCookie),
      refresh(session.refreshCookie),
    ]);

    expect([a.status, b.status]).toEqual([200, 200]);
    // Whichever cookie the browser kept goes on working.
    expect((await refresh(refreshCookieOf(a))).status).toBe(200);
    expect((await refresh(refreshCookieOf(b))).status).toBe(200);
  });

  it('the immediately previous token presented after the grace window is reuse', async () => {
    const session = await loginAs(system.gateway, await registerUser(system.gateway));
    const next = await refresh(session.refreshCookie);
    await new Promise((resolve) => setTimeout(resolve, (GRACE_SECONDS + 1) * 1000));

    const late = await refresh(session.refreshCookie);

    expect(late.status).toBe(401);
    expect((await refresh(refreshCookieOf(next))).status).toBe(401);
  });

  it('refuses a missing, malformed or unknown refresh cookie and a foreign Origin', async () => {
    const session = await loginAs(system.gateway, await registerUser(system.gateway));

    expect((await request(system.gateway).post('/api/v1/auth/refresh')).status).toBe(401);
    expect((await refresh('refresh_token=short')).status).toBe(401);
    expect((await refresh(`refresh_token=${'A'.repeat(43)}`)).status).toBe(401);
    const foreign = await refresh(session.refreshCookie).set('Origin', 'https://evil.example.com');
    expect(foreign.status).toBe(403);
    expect(
      (await refresh(session.refreshCookie).set('Origin', 'https://app.example.com')).status,
    ).toBe(200);
  });
});
