import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { eventually } from '@secure-api/shared/testing';

import { mailedToken, resetLinkFor, sql } from '../../support/auth-flows.js';
import {
  loginAs,
  registerUser,
  rememberSecret,
  secretsFoundInLogs,
  startSystem,
  type System,
} from '../../support/system.js';

const RECOVERY_EVENTS = [
  'auth.password_reset.requested',
  'auth.password_reset.completed',
  'auth.email.verification_sent',
  'auth.email.verified',
  'auth.email.change_requested',
  'auth.email.changed',
  'auth.email.change_cancelled',
  'auth.login.new_device',
];

describe('canary: every recovery flow is audited, and no mailed token or full email is stored', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('recovery_canary', { audit: true });
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);
  const storedEvents = () =>
    sql<{ type: string; payload: unknown }>(
      system.audit?.databaseUrl ?? '',
      'SELECT type, payload FROM audit_events',
    );

  it('the audit store holds each recovery event of the user, and none of the tokens, emails or passwords', async () => {
    const tag = randomUUID().slice(0, 8);
    const email = `canary.${tag}@example.com`;
    const newEmail = `canary.moved.${tag}@example.com`;
    const ghost = `canary.ghost.${tag}@example.com`;
    const user = await registerUser(system.gateway, { email });
    const verify = await mailedToken(
      system.mail,
      { to: email, subject: 'Confirm your email address' },
      'verify-email',
    );
    expect((await api().post('/api/v1/auth/email/verify').send({ token: verify })).status).toBe(
      204,
    );
    await loginAs(system.gateway, user);
    await loginAs(system.gateway, user); // a second browser: the new-device alert
    await system.mail.waitFor({ to: email, subject: 'New sign-in to your account' });

    expect((await api().post('/api/v1/auth/password/forgot').send({ email: ghost })).status).toBe(
      202,
    );
    const reset = await resetLinkFor(system.gateway, system.mail, email);
    const password = `Canary-${randomUUID()}-Pw1!`;
    rememberSecret(password);
    expect(
      (
        await api()
          .post('/api/v1/auth/password/reset')
          .send({ token: reset, new_password: password })
      ).status,
    ).toBe(204);

    const session = await loginAs(system.gateway, { email, password });
    const change = await api()
      .put('/api/v1/users/me')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ email: newEmail, current_password: password });
    expect(change.status).toBe(202);
    const confirm = await mailedToken(
      system.mail,
      { to: newEmail, subject: 'Confirm your new email address' },
      'verify-email',
    );
    const cancel = await mailedToken(
      system.mail,
      { to: email, subject: 'Your email address is being changed' },
      'cancel-email-change',
    );
    expect((await api().post('/api/v1/auth/email/verify').send({ token: confirm })).status).toBe(
      204,
    );
    expect(
      (await api().post('/api/v1/auth/email/change/cancel').send({ token: cancel })).status,
    ).toBe(204);

    let rows: { type: string; payload: unknown }[] = [];
    const typesOfUser = () =>
      new Set(
        rows.filter((row) => JSON.stringify(row.payload).includes(user.id)).map((r) => r.type),
      );
    await eventually(async () => {
      rows = await storedEvents();
      return RECOVERY_EVENTS.every((type) => typesOfUser().has(type));
    }, 30_000);

    expect([...typesOfUser()].filter((type) => RECOVERY_EVENTS.includes(type)).sort()).toEqual(
      [...RECOVERY_EVENTS].sort(),
    );
    // The unknown address was audited too, masked.
    expect(
      rows.some(
        (row) =>
          row.type === 'auth.password_reset.requested' &&
          !JSON.stringify(row.payload).includes(user.id),
      ),
    ).toBe(true);
    const stored = rows.map((row) => JSON.stringify(row.payload)).join('\n');
    const tokens = [verify, reset, confirm, cancel];
    const secrets = [...tokens, email, newEmail, ghost, user.password, password];
    for (const secret of secrets) expect(stored).not.toContain(secret);
    expect(secretsFoundInLogs(system.logs, secrets)).toEqual([]);
  });
});
