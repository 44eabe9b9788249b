import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { eventually } from '@secure-api/shared/testing';

import { mailedToken, mailSettled, mailsTo, sql } from '../../support/auth-flows.js';
import { registerUser, rememberSecret, startSystem, type System } from '../../support/system.js';

// The relay backs off from 1 s doubling to 60 s: after an outage the mail may wait up to a minute.
const AFTER_OUTAGE_MS = 90_000;

describe('an SMTP outage delays the reset mail and loses nothing', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('recovery_outage');
  });

  afterAll(async () => {
    await system.close();
  });

  const waiting = async () =>
    sql<{ n: string; attempts: number | null }>(
      system.authDatabaseUrl,
      'SELECT count(*) AS n, max(attempts) AS attempts FROM mail_outbox',
    ).then(([row]) => ({ count: Number(row?.n), attempts: row?.attempts ?? 0 }));

  it(
    'forgot answers 202 at once while SMTP is down, and the link arrives once SMTP is back',
    async () => {
      const user = await registerUser(system.gateway);
      await mailSettled(system.authDatabaseUrl);
      await system.stopMail();

      const forgot = await request(system.gateway)
        .post('/api/v1/auth/password/forgot')
        .send({ email: user.email });

      expect(forgot.status).toBe(202);
      // The relay has tried, and failed, more than once: the message is still held, sealed.
      expect(
        await eventually(async () => {
          const { count, attempts } = await waiting();
          return count === 1 && attempts >= 2;
        }, 20_000),
      ).toBe(true);
      expect(mailsTo(system.mail, user.email, 'Reset your password')).toHaveLength(0);

      await system.startMail();
      const token = await mailedToken(
        system.mail,
        { to: user.email, subject: 'Reset your password' },
        'reset-password',
        AFTER_OUTAGE_MS,
      );

      // SMTP has the message before the relay's delete commits: the row goes a moment later.
      await mailSettled(system.authDatabaseUrl);
      expect((await waiting()).count).toBe(0);
      const password = 'N3w-Pass-after-outage!';
      rememberSecret(password);
      const reset = await request(system.gateway)
        .post('/api/v1/auth/password/reset')
        .send({ token, new_password: password });
      expect(reset.status).toBe(204);
    },
    AFTER_OUTAGE_MS + 30_000,
  );
});
