import { describe, expect, it } from '@jest/globals';

import { configProblems } from '@secure-api/shared/testing';

import { readConfig } from '../src/config.js';

const PRODUCTION_OK = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://auth:s3cret@db.internal:5432/secure_api_auth',
  REDIS_URL: 'redis://redis.internal:6379',
  AMQP_URL: 'amqp://auth:s3cret@mq.internal:5672',
  JWT_PRIVATE_KEYS: 'configured-by-ops',
  TOTP_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  CORS_ORIGINS: 'https://app.example.com',
  SMTP_URL: 'smtp://mailer:s3cret@smtp.example.com:587',
};

const problemsOf = (env: Record<string, string | undefined>) => configProblems(readConfig, env);

describe('auth-service configuration', () => {
  it('starts in development with no configuration at all', () => {
    const config = readConfig({});

    expect(config.port).toBe(8081);
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/secure_api_auth');
    expect(config.argon2).toEqual({ timeCost: 3, memoryCost: 65536, parallelism: 4 });
    expect(config.autoMigrate).toBe(true);
  });

  it('accepts a complete production configuration and does not auto-migrate', () => {
    expect(readConfig(PRODUCTION_OK).autoMigrate).toBe(false);
  });

  it('in development sends mail to the local sink, with links to the local gateway', () => {
    const { mail, tokens } = readConfig({});

    expect(mail).toEqual({
      smtpUrl: 'smtp://127.0.0.1:1025',
      requireTls: false,
      from: 'Secure API <no-reply@localhost>',
      publicBaseUrl: 'http://localhost:8080',
    });
    expect(tokens).toEqual({
      passwordResetMinutes: 30,
      emailVerificationHours: 24,
      emailChangeCancelHours: 168,
    });
  });

  it('in production insists on TLS to the SMTP relay unless SMTP_REQUIRE_TLS=false says otherwise', () => {
    expect(readConfig(PRODUCTION_OK).mail.requireTls).toBe(true);
    expect(readConfig({ ...PRODUCTION_OK, SMTP_REQUIRE_TLS: 'false' }).mail.requireTls).toBe(false);
  });

  it('refuses an SMTP_URL that is not smtp:// or smtps://, and a reset link shorter than 5 minutes', () => {
    expect(
      problemsOf({ SMTP_URL: 'http://mail.example.com', PASSWORD_RESET_TTL_MINUTES: '1' }),
    ).toEqual([
      'SMTP_URL: expected an smtp:// or smtps:// URL',
      'PASSWORD_RESET_TTL_MINUTES: must be at least 5',
    ]);
  });

  it.each([
    [
      'JWT_PRIVATE_KEYS',
      { JWT_PRIVATE_KEYS: undefined },
      'JWT_PRIVATE_KEYS: must be set explicitly when NODE_ENV=production',
    ],
    [
      'TOTP_ENCRYPTION_KEY',
      { TOTP_ENCRYPTION_KEY: undefined },
      'TOTP_ENCRYPTION_KEY: must be set explicitly when NODE_ENV=production',
    ],
    [
      'COOKIE_SECURE=false',
      { COOKIE_SECURE: 'false' },
      'COOKIE_SECURE: must not be false when NODE_ENV=production',
    ],
    [
      'a * CORS origin',
      { CORS_ORIGINS: 'https://app.example.com,*' },
      'CORS_ORIGINS: must not contain * when NODE_ENV=production',
    ],
    [
      'SMTP_URL',
      { SMTP_URL: undefined },
      'SMTP_URL: must be set explicitly when NODE_ENV=production',
    ],
    [
      'the development mail sink',
      { SMTP_URL: 'smtp://127.0.0.1:1025' },
      'SMTP_URL: must not be the development mail sink when NODE_ENV=production',
    ],
    [
      'the development mail sink (by name)',
      { SMTP_URL: 'smtp://localhost:1025' },
      'SMTP_URL: must not be the development mail sink when NODE_ENV=production',
    ],
  ])('in production refuses to start without %s, in exactly one line', (_case, override, line) => {
    expect(problemsOf({ ...PRODUCTION_OK, ...override })).toEqual([line]);
  });

  it('reports every bad variable on its own line', () => {
    const problems = problemsOf({
      AUTH_PORT: 'eighty',
      REDIS_URL: 'http://nope',
      ARGON2_MEMORY_COST: '1024',
    });

    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^AUTH_PORT: /);
    expect(problems[1]).toMatch(/^REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL$/);
    expect(problems[2]).toBe('ARGON2_MEMORY_COST: must be at least 8192 KiB');
  });

  it('rejects a TOTP key that is not 32 bytes', () => {
    expect(problemsOf({ TOTP_ENCRYPTION_KEY: 'c2hvcnQ=' })).toEqual([
      'TOTP_ENCRYPTION_KEY: expected 32 bytes, base64',
    ]);
  });
});
