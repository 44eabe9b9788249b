import { createHash } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import jsQRModule from 'jsqr';
import { generate } from 'otplib';
import pg from 'pg';
import { PNG } from 'pngjs';
import request from 'supertest';

import { testUrls } from '@secure-api/shared/testing';

import {
  loginAs,
  refreshCookieOf,
  registerUser,
  rememberSecret,
  startSystem,
  type System,
  type TestUser,
} from '../support/system.js';

const STEP_MS = 30_000;
// jsqr is a CommonJS bundle whose function sits on `default` when imported from ESM.
const jsQR = jsQRModule.default;

/** What an authenticator app does with the QR code: decode it to the otpauth:// URI. */
function decodeQr(dataUrl: string): string | undefined {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

/** The code for a given time step offset, as a phone with a slightly different clock would show. */
const codeAt = (secret: string, stepOffset = 0) =>
  generate({ secret, epoch: Math.floor((Date.now() + stepOffset * STEP_MS) / 1000) });

async function storedFactor(dbUrl: string, userId: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const rows = await client.query<{ secret_sealed: string }>(
      'SELECT secret_sealed FROM totp_factors WHERE user_id = $1',
      [userId],
    );
    return rows.rows[0]?.secret_sealed;
  } finally {
    await client.end();
  }
}

describe('two-factor authentication (TOTP + backup codes)', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('twofactor');
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);
  const bearer = (token: string) => `Bearer ${token}`;

  /** Registers, logs in and enables 2FA; returns the seed, the backup codes and a fresh token. */
  async function enrolled(): Promise<{
    user: TestUser;
    secret: string;
    backupCodes: string[];
    token: string;
  }> {
    const user = await registerUser(system.gateway);
    const session = await loginAs(system.gateway, user);
    const setup = await api()
      .post('/api/v1/auth/2fa/setup')
      .set('Authorization', bearer(session.accessToken))
      .send({ password: user.password });
    const secret = (setup.body as { secret: string }).secret;
    rememberSecret(secret);
    const verify = await api()
      .post('/api/v1/auth/2fa/verify')
      .set('Authorization', bearer(session.accessToken))
      .send({ code: await codeAt(secret) });
    const body = verify.body as { backup_codes: string[]; access_token: string };
    body.backup_codes.forEach(rememberSecret);
    return { user, secret, backupCodes: body.backup_codes, token: body.access_token };
  }

  it('the full journey: setup, scan, verify, then login needs the second step', async () => {
    const user = await registerUser(system.gateway);
    const first = await loginAs(system.gateway, user);
    const other = await loginAs(system.gateway, user);

    const setup = await api()
      .post('/api/v1/auth/2fa/setup')
      .set('Authorization', bearer(first.accessToken))
      .send({ password: user.password });
    expect(setup.status).toBe(200);
    const {
      secret,
      otpauth_url: url,
      qr_code: qr,
    } = setup.body as { secret: string; otpauth_url: string; qr_code: string };
    rememberSecret(secret);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(url).toMatch(/^otpauth:\/\/totp\/Secure%20API:/);
    expect(new URL(url).searchParams.get('secret')).toBe(secret);
    expect(qr).toMatch(/^data:image\/png;base64,/);
    expect(decodeQr(qr)).toBe(url);

    // At rest the seed is sealed, not the base32 secret.
    const sealed = await storedFactor(system.authDatabaseUrl, user.id);
    expect(sealed).toMatch(/^v1:/);
    expect(sealed).not.toContain(secret);

    const wrong = await api()
      .post('/api/v1/auth/2fa/verify')
      .set('Authorization', bearer(first.accessToken))
      .send({ code: '000000' });
    expect(wrong.status).toBe(400);
    const verify = await api()
      .post('/api/v1/auth/2fa/verify')
      .set('Authorization', bearer(first.accessToken))
      .send({ code: await codeAt(secret) });
    expect(verify.status).toBe(200);
    const enabled = verify.body as { backup_codes: string[]; access_token: string };
    enabled.backup_codes.forEach(rememberSecret);
    expect(enabled.backup_codes).toHaveLength(10);
    expect(new Set(enabled.backup_codes).size).toBe(10);
    // Enabling ends the other sessions.
    expect(
      (await api().get('/api/v1/users/me').set('Authorization', bearer(other.accessToken))).status,
    ).toBe(401);
    expect(
      (await api().get('/api/v1/users/me').set('Authorization', bearer(enabled.access_token)))
        .status,
    ).toBe(200);

    const password = await api()
      .post('/api/v1/auth/login')
      .send({ email: user.email, password: user.password });
    expect(password.status).toBe(200);
    const step = password.body as {
      mfa_required: boolean;
      mfa_token: string;
      access_token?: string;
    };
    expect(step.mfa_required).toBe(true);
    expect(step.access_token).toBeUndefined();
    expect(password.headers['set-cookie']).toBeUndefined();
    rememberSecret(step.mfa_token);

    // A code from the next step (a phone a little ahead) is inside the ±1 window; the previous
    // step would be refused here because a later step was already accepted (replay protection).
    const done = await api()
      .post('/api/v1/auth/login/2fa')
      .send({ mfa_token: step.mfa_token, code: await codeAt(secret, 1) });
    expect(done.status).toBe(200);
    const token = (done.body as { access_token: string }).access_token;
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      amr: string[];
    };
    expect(payload.amr).toEqual(['pwd', 'otp']);
    refreshCookieOf(done);
    // Single use: the same mfa_token does not work twice.
    const again = await api()
      .post('/api/v1/auth/login/2fa')
      .send({ mfa_token: step.mfa_token, code: await codeAt(secret, 1) });
    expect(again.status).toBe(401);
  });

  it('refuses a replayed TOTP code', async () => {
    const { user, secret } = await enrolled();
    const code = await codeAt(secret, 1);
    const first = await api()
      .post('/api/v1/auth/login')
      .send({ email: user.email, password: user.password });
    const second = await api()
      .post('/api/v1/auth/login')
      .send({ email: user.email, password: user.password });

    const ok = await api()
      .post('/api/v1/auth/login/2fa')
      .send({ mfa_token: (first.body as { mfa_token: string }).mfa_token, code });
    const replay = await api()
      .post('/api/v1/auth/login/2fa')
      .send({ mfa_token: (second.body as { mfa_token: string }).mfa_token, code });

    expect(ok.status).toBe(200);
    expect(replay.status).toBe(401);
    expect((replay.body as { detail: string }).detail).toBe('Invalid or expired code');
  });

  it('a backup code works exactly once', async () => {
    const { user, backupCodes } = await enrolled();
    const code = backupCodes[3]!;
    const mfaToken = async () =>
      (
        (
          await api()
            .post('/api/v1/auth/login')
            .send({ email: user.email, password: user.password })
        ).body as { mfa_token: string }
      ).mfa_token;

    const first = await api()
      .post('/api/v1/auth/login/2fa')
      .send({ mfa_token: await mfaToken(), code: code.toUpperCase() });
    const second = await api()
      .post('/api/v1/auth/login/2fa')
      .send({ mfa_token: await mfaToken(), code });

    expect(first.status).toBe(200);
    expect(second.status).toBe(401);
  });

  it('stops the second step after 5 wrong codes, even for the right one afterwards', async () => {
    const { user, secret } = await enrolled();
    const login = await api()
      .post('/api/v1/auth/login')
      .send({ email: user.email, password: user.password });
    const mfaToken = (login.body as { mfa_token: string }).mfa_token;

    const wrong = [];
    for (let i = 0; i < 5; i += 1)
      wrong.push(
        (await api().post('/api/v1/auth/login/2fa').send({ mfa_token: mfaToken, code: '123456' }))
          .status,
      );
    const right = await api()
      .post('/api/v1/auth/login/2fa')
      .send({ mfa_token: mfaToken, code: await codeAt(secret, 1) });

    expect(wrong).toEqual([401, 401, 401, 401, 401]);
    expect(right.status).toBe(401);
  });

  it('refuses an expired mfa_token', async () => {
    const { user, secret } = await enrolled();
    const login = await api()
      .post('/api/v1/auth/login')
      .send({ email: user.email, password: user.password });
    const mfaToken = (login.body as { mfa_token: string }).mfa_token;
    // Fast-forward the 5-minute life: the challenge is stored under the token's SHA-256.
    const redis = new Redis(testUrls.redis);
    const hash = createHash('sha256').update(mfaToken).digest('hex');
    const [, keys] = await redis.scan('0', 'MATCH', `*mfa:${hash}`, 'COUNT', 100000);
    expect(keys).toHaveLength(1);
    await redis.pexpire(keys[0]!, 1);
    redis.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 50));

    const res = await api()
      .post('/api/v1/auth/login/2fa')
      .send({ mfa_token: mfaToken, code: await codeAt(secret, 1) });

    expect(res.status).toBe(401);
    expect((res.body as { detail: string }).detail).toBe('Invalid or expired code');
  });

  it('refuses an unknown or made-up mfa_token', async () => {
    const res = await api()
      .post('/api/v1/auth/login/2fa')
      .send({ mfa_token: 'x'.repeat(43), code: '123456' });

    expect(res.status).toBe(401);
  });

  it('disable needs both the password and a code, and then login is one step again', async () => {
    const { user, secret, token } = await enrolled();

    const noPassword = await api()
      .post('/api/v1/auth/2fa/disable')
      .set('Authorization', bearer(token))
      .send({ password: 'Wrong-Pass-123!', code: await codeAt(secret, 1) });
    const noCode = await api()
      .post('/api/v1/auth/2fa/disable')
      .set('Authorization', bearer(token))
      .send({ password: user.password, code: '000000' });
    const missing = await api()
      .post('/api/v1/auth/2fa/disable')
      .set('Authorization', bearer(token))
      .send({ password: user.password });
    const ok = await api()
      .post('/api/v1/auth/2fa/disable')
      .set('Authorization', bearer(token))
      .send({ password: user.password, code: await codeAt(secret, 1) });

    expect([noPassword.status, noCode.status, missing.status, ok.status]).toEqual([
      400, 400, 422, 200,
    ]);
    const login = await api()
      .post('/api/v1/auth/login')
      .send({ email: user.email, password: user.password });
    expect((login.body as { access_token?: string }).access_token).toBeDefined();
  });

  it('regenerating backup codes kills the old ones', async () => {
    const { user, secret, backupCodes, token } = await enrolled();

    const regen = await api()
      .post('/api/v1/auth/2fa/backup-codes')
      .set('Authorization', bearer(token))
      .send({ code: await codeAt(secret, 1), password: user.password });
    expect(regen.status).toBe(200);
    const fresh = (regen.body as { backup_codes: string[] }).backup_codes;
    fresh.forEach(rememberSecret);
    const mfa = async () =>
      (
        (
          await api()
            .post('/api/v1/auth/login')
            .send({ email: user.email, password: user.password })
        ).body as { mfa_token: string }
      ).mfa_token;

    expect(
      (
        await api()
          .post('/api/v1/auth/login/2fa')
          .send({ mfa_token: await mfa(), code: backupCodes[0] })
      ).status,
    ).toBe(401);
    expect(
      (
        await api()
          .post('/api/v1/auth/login/2fa')
          .send({ mfa_token: await mfa(), code: fresh[0] })
      ).status,
    ).toBe(200);
  });
});
