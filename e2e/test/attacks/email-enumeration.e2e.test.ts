import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { loginAs, registerUser, startSystem, type System } from '../../support/system.js';

// PUT /users/me with a new email and a guessed password must not tell an attacker holding a
// stolen access token (or any logged-in user) which addresses have accounts: the password is
// checked first, and only the right password learns that an address is unavailable.
describe('attack: probing which emails are registered through the email change', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('attack_email');
  });

  afterAll(async () => {
    await system.close();
  });

  const changeEmail = (token: string, email: string, password: string) =>
    request(system.gateway)
      .put('/api/v1/users/me')
      .set('Authorization', `Bearer ${token}`)
      .send({ email, current_password: password });
  const strip = (body: object) => ({ ...body, request_id: undefined });

  it('a wrong password gets the identical 400 whether the new email is registered or free', async () => {
    const registered = await registerUser(system.gateway);
    const prober = await registerUser(system.gateway);
    const { accessToken } = await loginAs(system.gateway, prober);

    const taken = await changeEmail(accessToken, registered.email, 'Wrong-Pass-123!');
    const free = await changeEmail(
      accessToken,
      `free.${randomUUID().slice(0, 8)}@example.com`,
      'Wrong-Pass-123!',
    );

    for (const res of [taken, free]) {
      expect(res.status).toBe(400);
      expect((res.body as { detail: string }).detail).toBe('Current password is incorrect');
    }
    expect(strip(taken.body as object)).toEqual(strip(free.body as object));
    const me = await request(system.gateway)
      .get('/api/v1/users/me')
      .set('Authorization', `Bearer ${accessToken}`);
    expect((me.body as { email: string }).email).toBe(prober.email);
  });

  it('the right password and a registered email get the generic 400, and both accounts keep their email', async () => {
    const registered = await registerUser(system.gateway);
    const owner = await registerUser(system.gateway);
    const { accessToken } = await loginAs(system.gateway, owner);

    const res = await changeEmail(accessToken, registered.email, owner.password);

    expect(res.status).toBe(400);
    expect((res.body as { detail: string }).detail).toBe(
      'Unable to update account with provided information',
    );
    expect((await loginAs(system.gateway, owner)).accessToken).toBeTruthy();
    expect((await loginAs(system.gateway, registered)).accessToken).toBeTruthy();
  });
});
