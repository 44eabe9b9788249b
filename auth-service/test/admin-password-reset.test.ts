import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { AuthHarness, expectProblem } from './support/harness.js';
import {
  bearer,
  mailSettled,
  mailTo,
  newPassword,
  reset,
  RESET_SUBJECT,
  resetLinkFor,
} from './support/recovery.js';

describe('POST /api/v1/admin/users/{id}/password-reset', () => {
  let h: AuthHarness;
  let admin: string;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_admin_reset');
    admin = await h.adminToken();
  });

  afterAll(async () => {
    await h.close();
  });

  const adminReset = (id: string, token = admin) =>
    h.api.post(`/api/v1/admin/users/${id}/password-reset`).set('Authorization', bearer(token));

  it('mails the user a working link; the admin gets an empty 202 and nothing of the link', async () => {
    const user = await h.register();

    const res = await adminReset(user.id);
    const { token } = await resetLinkFor(h, user);

    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    expect(JSON.stringify(res.headers)).not.toContain(token);
    const password = newPassword();
    h.remember(password);
    expect((await reset(h, token, password)).status).toBe(204);
    expect((await h.login(user.email, password)).status).toBe(200);
    expect(h.leakedSecrets()).toEqual([]);
  });

  it('is refused to a user who is not an admin', async () => {
    const user = await h.register();
    const victim = await h.register();
    const { accessToken } = await h.loginAs(user);

    const res = await adminReset(victim.id, accessToken);

    expectProblem(res, 403, 'Insufficient permissions');
  });

  it('refuses a deactivated user with 409 and mails nothing', async () => {
    const user = await h.register();
    h.users.deactivate(user.id);

    const res = await adminReset(user.id);
    await mailSettled(h);

    expectProblem(res, 409, 'User is deactivated');
    expect(mailTo(h, user.email).filter((m) => m.subject === RESET_SUBJECT)).toEqual([]);
  });

  it('answers 404 for an unknown user', async () => {
    const res = await adminReset(randomUUID());

    expectProblem(res, 404, 'User not found');
  });
});
