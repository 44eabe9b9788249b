import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import {
  loginAs,
  refreshCookieOf,
  registerUser,
  startSystem,
  type System,
} from '../../support/system.js';

const REFUSED = 'Invalid or expired refresh token';

// The grace window lets a second tab that still holds the token another tab just rotated get one
// sibling instead of being taken for a thief. A stolen copy replayed many times at once inside
// that window must not turn into many working token families.
describe('attack: replaying a just-rotated refresh token many times at once', () => {
  let system: System;

  beforeAll(async () => {
    // Long enough that the whole test runs inside the window.
    system = await startSystem('attack_grace', { auth: { REFRESH_REUSE_GRACE_SECONDS: '30' } });
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);
  const refresh = (cookie: string) => api().post('/api/v1/auth/refresh').set('Cookie', cookie);
  const me = (token: string) =>
    api().get('/api/v1/users/me').set('Authorization', `Bearer ${token}`);
  const accessOf = (res: request.Response) => (res.body as { access_token: string }).access_token;

  it('eight refreshes of the rotated token sent at once: at most one succeeds, then the whole family is revoked', async () => {
    const session = await loginAs(system.gateway, await registerUser(system.gateway));
    const rotated = await refresh(session.refreshCookie);
    expect(rotated.status).toBe(200);

    const replays = await Promise.all(
      Array.from({ length: 8 }, () => refresh(session.refreshCookie)),
    );

    const won = replays.filter((res) => res.status === 200);
    expect(won.length).toBeLessThanOrEqual(1);
    for (const res of replays.filter((r) => r.status !== 200)) {
      expect(res.status).toBe(401);
      expect((res.body as { detail: string }).detail).toBe(REFUSED);
    }
    // Every token of the family is dead: the legitimate successor, the replay's winner, and
    // every access token minted for the family.
    for (const res of [rotated, ...won]) {
      const again = await refresh(refreshCookieOf(res));
      expect(again.status).toBe(401);
      expect((again.body as { detail: string }).detail).toBe(REFUSED);
      expect((await me(accessOf(res))).status).toBe(401);
    }
    expect((await refresh(session.refreshCookie)).status).toBe(401);
    expect((await me(session.accessToken)).status).toBe(401);
  });

  it('two tabs: the token one tab just rotated gets the other tab one sibling, and both go on working', async () => {
    const session = await loginAs(system.gateway, await registerUser(system.gateway));
    const tabA = await refresh(session.refreshCookie);

    const tabB = await refresh(session.refreshCookie);

    expect([tabA.status, tabB.status]).toEqual([200, 200]);
    const nextA = await refresh(refreshCookieOf(tabA));
    const nextB = await refresh(refreshCookieOf(tabB));
    expect([nextA.status, nextB.status]).toEqual([200, 200]);
    expect((await me(accessOf(nextA))).status).toBe(200);
    expect((await me(accessOf(nextB))).status).toBe(200);
  });

  it('a third use of the rotated token, after its one sibling, is reuse and revokes the family', async () => {
    const session = await loginAs(system.gateway, await registerUser(system.gateway));
    const tabA = await refresh(session.refreshCookie);
    const tabB = await refresh(session.refreshCookie);
    expect([tabA.status, tabB.status]).toEqual([200, 200]);

    const third = await refresh(session.refreshCookie);

    expect(third.status).toBe(401);
    expect((await refresh(refreshCookieOf(tabA))).status).toBe(401);
    expect((await refresh(refreshCookieOf(tabB))).status).toBe(401);
  });
});
