import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type request from 'supertest';

import { runCreateAdmin } from '../src/api/create-admin.js';
import { AuthHarness, asSeen, expectProblem, randomIp } from './support/harness.js';

const REFUSED = 'Invalid email or password';
const WRONG = 'Wrong-Pass-123!';

describe('account lockout (the default policy: 5 failures within 15 minutes)', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_lockout');
  });

  afterAll(async () => {
    await h.close();
  });

  /** One failure from each of `count` fresh addresses, so only the account's counter adds up. */
  async function failFromManyIps(email: string, count: number): Promise<request.Response[]> {
    const results: request.Response[] = [];
    for (let i = 0; i < count; i += 1) results.push(await h.login(email, WRONG, randomIp()));
    return results;
  }

  it('after the fifth failure, the right password from any address gets the same 401 as a wrong one', async () => {
    const user = await h.register();

    const failures = await failFromManyIps(user.email, 5);
    const locked = await h.login(user.email, user.password, randomIp());

    for (const res of [...failures, locked]) expectProblem(res, 401, REFUSED);
    expect(asSeen(locked)).toEqual(asSeen(failures[0]!));
    expect(locked.headers['set-cookie']).toBeUndefined();
  });

  it('four failures do not lock: the owner still gets in', async () => {
    const user = await h.register();

    await failFromManyIps(user.email, 4);
    const res = await h.login(user.email, user.password, randomIp());

    expect(res.status).toBe(200);
  });

  it('an admin unlock lets the owner in at once', async () => {
    const user = await h.register();
    await failFromManyIps(user.email, 5);
    const admin = { email: `admin.${user.username}@example.com`, password: 'Adm1n-Pass-x9!' };
    h.remember(admin.password);
    expect(await runCreateAdmin(h.config, admin)).toMatch(/^created admin /);
    const adminLogin = await h.login(admin.email, admin.password);
    const adminToken = (adminLogin.body as { access_token: string }).access_token;

    const unlock = await h.api
      .post(`/api/v1/admin/users/${user.id}/unlock`)
      .set('Authorization', `Bearer ${adminToken}`);
    const res = await h.login(user.email, user.password, randomIp());

    expect(unlock.status).toBe(204);
    expect(res.status).toBe(200);
    expect(h.leakedSecrets()).toEqual([]);
  });
});
