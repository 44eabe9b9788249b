import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { emailChangeSteps } from './support/email-change.js';
import { AuthHarness, expectProblem } from './support/harness.js';
import { allEventsText, LINK_REFUSED } from './support/recovery.js';

const REFUSED = 'Invalid email or password';

describe('email change: the cancel link mailed to the old address', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_email_cancel');
  });

  afterAll(async () => {
    await h.close();
  });

  const { newAddress, requestChange, sessionsWith, changeRequested, verify, cancel, loginStatus } =
    emailChangeSteps(() => h);

  it('the cancel link undoes a confirmed change and ends every session', async () => {
    const email = newAddress();
    const { user, session, confirmToken, cancelToken } = await changeRequested(email);
    expect((await verify(confirmToken)).status).toBe(204);
    const afterChange = await h.loginAs({ ...user, email });

    const res = await cancel(cancelToken);

    expect(res.status).toBe(204);
    expect(h.users.profiles.get(user.id)).toMatchObject({ email: user.email });
    expect(await loginStatus(user, user.email)).toBe(200);
    expectProblem(await h.login(email, user.password), 401, REFUSED);
    for (const { accessToken } of [session, afterChange]) {
      expect((await sessionsWith(accessToken)).status).toBe(401);
    }
    expectProblem(await cancel(cancelToken), 400, LINK_REFUSED);
    const events = await allEventsText(h);
    for (const secret of [email, user.email, confirmToken, cancelToken]) {
      expect(events).not.toContain(secret);
    }
    expect(events).toContain('auth.email.change_cancelled');
    expect(h.leakedSecrets()).toEqual([]);
  });

  it('cancelled before confirmation, the confirmation link is dead and nothing moved', async () => {
    const email = newAddress();
    const { user, session, confirmToken, cancelToken } = await changeRequested(email);

    expect((await cancel(cancelToken)).status).toBe(204);

    expectProblem(await verify(confirmToken), 400, LINK_REFUSED);
    expect(h.users.profiles.get(user.id)?.email).toBe(user.email);
    expect((await sessionsWith(session.accessToken)).status).toBe(401);
    expect(await loginStatus(user, user.email)).toBe(200);
    expect(await loginStatus(user, email)).toBe(401);
  });

  it('the address moved away from stays reserved while the cancel link lives, so the way back stays open', async () => {
    const email = newAddress();
    const { user, session, confirmToken, cancelToken } = await changeRequested(email);
    expect((await verify(confirmToken)).status).toBe(204);
    const other = await h.register();
    const otherSession = await h.loginAs(other);

    // Whoever moved the account away tries to take the freed address, to block the revert.
    const squat = await h.api.post('/api/v1/auth/register').send({
      username: `squat_${user.username.slice(5)}`,
      email: user.email,
      password: 'Squ4tter-Pass-x9!',
    });
    const moveIn = await requestChange(otherSession.accessToken, {
      current_password: other.password,
      email: user.email,
    });
    const res = await cancel(cancelToken);

    expectProblem(squat, 400, 'Unable to create account with provided information');
    expectProblem(moveIn, 400, 'Unable to update account with provided information');
    expect(res.status).toBe(204);
    expect(h.users.profiles.get(user.id)?.email).toBe(user.email);
    expect((await sessionsWith(session.accessToken)).status).toBe(401);
  });
});
