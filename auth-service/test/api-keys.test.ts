import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { AuthHarness, expectProblem, type TestUser } from './support/harness.js';

const KEY_REFUSED = 'Invalid or expired API key';

describe('API keys', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_apikeys');
  });

  afterAll(async () => {
    await h.close();
  });

  const bearer = (token: string) => `Bearer ${token}`;
  const resolve = (key: string) => h.api.post('/internal/api-keys/resolve').send({ key });

  async function withKey(): Promise<{ user: TestUser; token: string; id: string; key: string }> {
    const user = await h.register();
    const { accessToken } = await h.loginAs(user);
    const res = await h.api
      .post('/api/v1/auth/api-keys')
      .set('Authorization', bearer(accessToken))
      .send({ name: 'ci', scopes: ['self:read'], password: user.password });
    expect(res.status).toBe(201);
    const { id, key } = res.body as { id: string; key: string };
    h.remember(key);
    return { user, token: accessToken, id, key };
  }

  it('creating a key needs the password: a wrong one gets 401 and no key is made', async () => {
    const user = await h.register();
    const { accessToken } = await h.loginAs(user);

    const res = await h.api
      .post('/api/v1/auth/api-keys')
      .set('Authorization', bearer(accessToken))
      .send({ name: 'ci', scopes: ['self:read'], password: 'Wrong-Pass-123!' });
    const list = await h.api.get('/api/v1/auth/api-keys').set('Authorization', bearer(accessToken));

    expectProblem(res, 401, 'Invalid password');
    expect(list.body).toEqual({ api_keys: [] });
  });

  it('is shown once, listed without its secret, and resolves to a short-lived token of its owner', async () => {
    const { user, token, id, key } = await withKey();

    const list = await h.api.get('/api/v1/auth/api-keys').set('Authorization', bearer(token));
    const resolved = await resolve(key);

    expect(key).toMatch(/^sk_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    const listed = (list.body as { api_keys: Record<string, unknown>[] }).api_keys;
    expect(listed.map((k) => k.id)).toEqual([id]);
    expect(Object.keys(listed[0] ?? {}).sort()).toEqual(
      ['created_at', 'expires_at', 'id', 'last_used_at', 'name', 'prefix', 'scopes'].sort(),
    );
    expect(JSON.stringify(list.body)).not.toContain(key.slice(12));
    expect(resolved.status).toBe(200);
    const body = resolved.body as { access_token: string; expires_in: number };
    h.remember(body.access_token);
    expect(resolved.body).toMatchObject({ key_id: id, user_id: user.id, scopes: ['self:read'] });
    expect(body.expires_in).toBeLessThanOrEqual(60);
  });

  it('a revoked key is refused at once, like an unknown or malformed one', async () => {
    const { token, id, key } = await withKey();

    const revoke = await h.api
      .delete(`/api/v1/auth/api-keys/${id}`)
      .set('Authorization', bearer(token));
    const revoked = await resolve(key);
    const unknown = await resolve(`sk_${key.slice(3, 11)}_${'A'.repeat(43)}`);
    const malformed = await resolve('sk_nope');

    expect(revoke.status).toBe(204);
    for (const res of [revoked, unknown, malformed]) expectProblem(res, 401, KEY_REFUSED);
    expect(h.leakedSecrets()).toEqual([]);
  });
});
