import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import {
  loginAs,
  registerUser,
  rememberSecret,
  startSystem,
  type System,
} from '../../support/system.js';

const MARKUP = '<b>Bob</b><script>alert(1)</script> Smith';
const STRIPPED = 'Bob alert(1) Smith';
// JSON.stringify writes a lone surrogate as the escape `\ud800`: valid JSON, invalid text.
const LONE = '\ud800';
const REFUSED = 'The request did not pass validation';

function expectRefusedField(res: request.Response, field: string) {
  expect(res.status).toBe(422);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ detail: REFUSED });
  expect((res.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual([field]);
  expect(res.text).not.toMatch(/\\u[dD][89a-fA-F]/);
}

describe('markup and ill-formed text in stored text fields', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('attack_text');
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);
  const fresh = () => {
    const tag = randomUUID().slice(0, 8);
    const password = `Str0ng-Pass-${tag}!`;
    rememberSecret(password);
    return { username: `text_${tag}`, email: `text.${tag}@example.com`, password };
  };

  it('a full_name with HTML tags is registered, returned and stored without a <', async () => {
    const user = fresh();

    const registered = await api()
      .post('/api/v1/auth/register')
      .send({ ...user, full_name: MARKUP });
    const session = await loginAs(system.gateway, user);
    const me = await api()
      .get('/api/v1/users/me')
      .set('Authorization', `Bearer ${session.accessToken}`);

    expect(registered.status).toBe(201);
    expect((registered.body as { full_name: string }).full_name).toBe(STRIPPED);
    expect((me.body as { full_name: string }).full_name).toBe(STRIPPED);
  });

  it('PUT /users/me strips HTML tags from full_name before storing it', async () => {
    const session = await loginAs(system.gateway, await registerUser(system.gateway));

    const updated = await api()
      .put('/api/v1/users/me')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ full_name: `<img src=x onerror=alert(1)>${MARKUP}` });
    const me = await api()
      .get('/api/v1/users/me')
      .set('Authorization', `Bearer ${session.accessToken}`);

    expect(updated.status).toBe(200);
    expect((me.body as { full_name: string }).full_name).toBe(STRIPPED);
  });

  it('an API key name with HTML tags is stored and listed without a <', async () => {
    const user = await registerUser(system.gateway);
    const session = await loginAs(system.gateway, user);

    const created = await api()
      .post('/api/v1/auth/api-keys')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ name: MARKUP, scopes: ['self:read'], password: user.password });
    rememberSecret((created.body as { key?: string }).key ?? '');
    const listed = await api()
      .get('/api/v1/auth/api-keys')
      .set('Authorization', `Bearer ${session.accessToken}`);

    expect(created.status).toBe(201);
    expect((created.body as { name: string }).name).toBe(STRIPPED);
    expect((listed.body as { api_keys: { name: string }[] }).api_keys.map((k) => k.name)).toEqual([
      STRIPPED,
    ]);
  });

  it.each(['username', 'email', 'password', 'full_name'] as const)(
    'registration with a lone surrogate in %s is refused with 422 naming the field',
    async (field) => {
      const user = new Map(Object.entries({ ...fresh(), full_name: 'Ann' }));
      user.set(field, `${user.get(field) ?? ''}${LONE}`);

      const res = await api().post('/api/v1/auth/register').send(Object.fromEntries(user));

      expectRefusedField(res, field);
    },
  );

  it('a lone surrogate in a login password, a new full_name or an API key name is refused with 422', async () => {
    const user = await registerUser(system.gateway);
    const session = await loginAs(system.gateway, user);
    const bearer = `Bearer ${session.accessToken}`;

    const login = await api()
      .post('/api/v1/auth/login')
      .send({ email: user.email, password: `${user.password}${LONE}` });
    const rename = await api()
      .put('/api/v1/users/me')
      .set('Authorization', bearer)
      .send({ full_name: `Ann${LONE}` });
    const key = await api()
      .post('/api/v1/auth/api-keys')
      .set('Authorization', bearer)
      .send({ name: `\udc00ci`, scopes: ['self:read'], password: user.password });

    expectRefusedField(login, 'password');
    expectRefusedField(rename, 'full_name');
    expectRefusedField(key, 'name');
  });
});
