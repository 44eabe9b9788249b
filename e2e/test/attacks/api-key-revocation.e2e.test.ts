import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import {
  loginAs,
  registerUser,
  rememberSecret,
  startSystem,
  type LoggedIn,
  type System,
} from '../../support/system.js';

const KEY_REFUSED = 'Invalid or expired API key';
// Each trial races on a key nobody has used yet, so the in-flight request has to resolve it
// through auth-service and write the gateway's cache: the write that used to land after the purge.
const TRIALS = 8;
const CHECKS_AFTER = 3;

interface Refusal {
  status: number;
  detail: unknown;
}

describe('API key revocation racing a request that uses the key', () => {
  let system: System;

  beforeAll(async () => {
    // No grace: a rotated-out key is dead the moment the rotation answers.
    system = await startSystem('attack_keyrace', {
      auth: { API_KEY_ROTATION_GRACE_SECONDS: '0' },
    });
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);
  const useKey = (key: string) => api().get('/api/v1/users/me').set('X-API-Key', key);

  async function owner(): Promise<{ password: string; session: LoggedIn }> {
    const user = await registerUser(system.gateway);
    return { password: user.password, session: await loginAs(system.gateway, user) };
  }

  async function newKey(
    { password, session }: { password: string; session: LoggedIn },
    name: string,
  ): Promise<{ id: string; key: string }> {
    const res = await api()
      .post('/api/v1/auth/api-keys')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ name, scopes: ['self:read'], password });
    if (res.status !== 201)
      throw new Error(`create key: ${res.status} ${JSON.stringify(res.body)}`);
    const created = res.body as { id: string; key: string };
    rememberSecret(created.key);
    return created;
  }

  /** What the key gets, one request after another, with no pause after the refusal's answer. */
  async function usesAfter(key: string): Promise<Refusal[]> {
    const seen: Refusal[] = [];
    for (let i = 0; i < CHECKS_AFTER; i += 1) {
      const res = await useKey(key);
      seen.push({ status: res.status, detail: (res.body as { detail?: unknown }).detail });
    }
    return seen;
  }

  const refusedEveryTime = Array.from({ length: CHECKS_AFTER }, () => ({
    status: 401,
    detail: KEY_REFUSED,
  }));

  it('a key revoked while a request with it is in flight is refused on every request after the 204', async () => {
    const person = await owner();
    const { session } = person;
    const outcomes: { revoke: number; after: Refusal[] }[] = [];

    for (let trial = 0; trial < TRIALS; trial += 1) {
      const { id, key } = await newKey(person, `race-revoke-${String(trial)}`);
      const [, revoke] = await Promise.all([
        useKey(key),
        api()
          .delete(`/api/v1/auth/api-keys/${id}`)
          .set('Authorization', `Bearer ${session.accessToken}`),
      ]);
      outcomes.push({ revoke: revoke.status, after: await usesAfter(key) });
    }

    expect(outcomes).toEqual(
      Array.from({ length: TRIALS }, () => ({ revoke: 204, after: refusedEveryTime })),
    );
  });

  it('a key rotated out with no grace while a request with it is in flight is refused on every request after the 201', async () => {
    const person = await owner();
    const { session, password } = person;
    const outcomes: { rotate: number; after: Refusal[]; fresh: number }[] = [];

    for (let trial = 0; trial < TRIALS; trial += 1) {
      const { id, key } = await newKey(person, `race-rotate-${String(trial)}`);
      const [, rotate] = await Promise.all([
        useKey(key),
        api()
          .post(`/api/v1/auth/api-keys/${id}/rotate`)
          .set('Authorization', `Bearer ${session.accessToken}`)
          .send({ password }),
      ]);
      const fresh = (rotate.body as { key?: string }).key ?? '';
      rememberSecret(fresh);
      const after = await usesAfter(key);
      outcomes.push({ rotate: rotate.status, after, fresh: (await useKey(fresh)).status });
    }

    expect(outcomes).toEqual(
      Array.from({ length: TRIALS }, () => ({ rotate: 201, after: refusedEveryTime, fresh: 200 })),
    );
  });
});
