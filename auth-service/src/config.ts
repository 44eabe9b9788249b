import { availableParallelism } from 'node:os';

import { z } from 'zod';

import {
  baseVariables,
  defineConfig,
  flag,
  httpUrl,
  listenPort,
  loadConfig,
  nonNegativeInt,
  optionalFlag,
  positiveInt,
  sharedVariables,
  variable,
} from '@secure-api/shared/config';
import { serviceDatabaseUrl } from '@secure-api/shared/data';

const {
  databaseUrl,
  redisUrl,
  amqpUrl,
  autoMigrate,
  corsOrigins,
  loginRateLimit,
  redisKeyPrefix,
  retentionDays,
} = sharedVariables;

const atLeast = (schema: z.ZodType<number>, min: number, unit = '') =>
  schema.refine((v) => v >= min, `must be at least ${min}${unit}`);

export const configSchema = defineConfig({
  ...baseVariables,
  port: listenPort('AUTH_PORT', 8081),
  databaseUrl,
  redisUrl,
  amqpUrl,
  autoMigrate,
  corsOrigins,
  cookieSecure: variable(
    'COOKIE_SECURE',
    flag(true),
    'Mark the refresh and device cookies `Secure` (`npm start` sets false for plain-HTTP local development).',
  ),
  jwtPrivateKeys: variable(
    'JWT_PRIVATE_KEYS',
    z.string().optional(),
    'A JSON array of private Ed25519 JWKs (or PEM blocks), oldest first; the last one signs (`node scripts/generate-secrets.mjs jwt-keys`).',
    'generated on first start and kept in the database (development only)',
  ),
  totpEncryptionKey: variable(
    'TOTP_ENCRYPTION_KEY',
    z
      .string()
      .optional()
      .refine(
        (v) => v === undefined || Buffer.from(v, 'base64').length === 32,
        'expected 32 bytes, base64',
      ),
    '32 random bytes, base64, that seal the TOTP secrets; device cookies are signed with a key derived from it, so rotating it forgets every device (`node scripts/generate-secrets.mjs totp-key`).',
    'generated on first start and kept in the database (development only)',
  ),
  accessTokenMinutes: variable(
    'ACCESS_TOKEN_EXPIRE_MINUTES',
    positiveInt(15, 60),
    'Lifetime of an access token, in minutes (at most 60).',
  ),
  refreshTokenDays: variable(
    'REFRESH_TOKEN_EXPIRE_DAYS',
    positiveInt(7, 30),
    'Lifetime of a refresh token, in days (at most 30).',
  ),
  argon2: {
    timeCost: variable(
      'ARGON2_TIME_COST',
      atLeast(positiveInt(3, 10), 2),
      'Argon2id passes over memory (2 to 10).',
    ),
    memoryCost: variable(
      'ARGON2_MEMORY_COST',
      atLeast(positiveInt(65536, 1048576), 8192, ' KiB'),
      'Argon2id memory per hash, in KiB (8192 to 1048576).',
    ),
    parallelism: variable(
      'ARGON2_PARALLELISM',
      positiveInt(4, 16),
      'Argon2id lanes per hash (at most 16).',
    ),
  },
  refreshFamilyMaxDays: variable(
    'REFRESH_FAMILY_MAX_DAYS',
    positiveInt(30, 365),
    'Absolute session lifetime, in days: no refresh extends a session beyond it.',
  ),
  refreshReuseGraceSeconds: variable(
    'REFRESH_REUSE_GRACE_SECONDS',
    nonNegativeInt(10, 60),
    'Seconds the immediately previous refresh token still works (two tabs refreshing at once); 0 turns the grace off.',
  ),
  hashing: {
    concurrency: variable(
      'HASH_CONCURRENCY',
      positiveInt(availableParallelism(), 64),
      'Password hashes computed at once.',
      'the CPU count',
    ),
    maxQueue: variable(
      'HASH_QUEUE_MAX',
      positiveInt(32, 10_000),
      'Password hashes waiting for a slot; beyond it the request gets 503.',
    ),
    maxWaitMs: variable(
      'HASH_QUEUE_MAX_WAIT_MS',
      positiveInt(4000, 60_000),
      'How long a password hash may wait for a slot, in milliseconds (also judged ahead, from the recent pace); beyond it the request gets 503 with Retry-After. Keep it well below the gateway’s `UPSTREAM_TIMEOUT_MS`, so an overloaded service refuses clearly instead of the gateway answering 504.',
    ),
  },
  apiKeyRotationGraceSeconds: variable(
    'API_KEY_ROTATION_GRACE_SECONDS',
    nonNegativeInt(0, 30 * 86_400),
    'How long a rotated-out API key keeps working, in seconds (at most 30 days).',
  ),
  userServiceUrl: variable(
    'USER_SERVICE_URL',
    httpUrl.default('http://127.0.0.1:8082'),
    'user-service, which holds the profiles: registration creates one, login and API keys read them.',
  ),
  userServiceTimeoutMs: variable(
    'USER_SERVICE_TIMEOUT_MS',
    positiveInt(3000, 60_000),
    'How long a user-service call may take, in milliseconds; past it the request gets 503.',
  ),
  // The initial security policy: `/admin/config` changes it at run time.
  lockout: {
    maxAttempts: variable(
      'MAX_LOGIN_ATTEMPTS',
      atLeast(positiveInt(5, 100), 3),
      'Failed logins within `LOCKOUT_WINDOW_MINUTES` that lock an account (3 to 100): the initial policy.',
    ),
    windowMinutes: variable(
      'LOCKOUT_WINDOW_MINUTES',
      positiveInt(15, 1440),
      'The window failed logins are counted in, in minutes: the initial policy.',
    ),
    minutes: variable(
      'ACCOUNT_LOCKOUT_MINUTES',
      positiveInt(30, 1440),
      'How long a locked account stays locked, in minutes: the initial policy.',
    ),
  },
  loginRateLimit,
  loginFailuresPerIpPerDay: variable(
    'LOGIN_FAILURES_PER_IP_PER_DAY',
    positiveInt(100, 1_000_000),
    'Failed logins from one address before it gets 429 for the rest of the day.',
  ),
  mail: {
    smtpUrl: variable(
      'SMTP_URL',
      z
        .url({ protocol: /^smtps?$/, error: 'expected an smtp:// or smtps:// URL' })
        .default('smtp://127.0.0.1:1025'),
      'The SMTP relay account-recovery mail goes through, credentials in the URL (keep it in the Secret). `smtps://` is TLS from the start; over `smtp://` production insists on STARTTLS.',
      'the development sink `npm start` runs on port 1025',
    ),
    requireTls: variable(
      'SMTP_REQUIRE_TLS',
      optionalFlag(),
      'Refuse to send over `smtp://` unless the relay upgrades the connection with STARTTLS (`smtps://` is TLS anyway).',
      'true in production, false elsewhere',
    ),
    from: variable(
      'MAIL_FROM',
      z.string().min(3).max(200).default('Secure API <no-reply@localhost>'),
      'The From header of every message.',
    ),
    publicBaseUrl: variable(
      'PUBLIC_BASE_URL',
      httpUrl.default('http://localhost:8080'),
      'The web app links in mail point to (`/account/reset-password`, `/account/verify-email`, `/account/cancel-email-change`); the token rides in the URL fragment, which browsers never send to a server.',
    ),
  },
  tokens: {
    passwordResetMinutes: variable(
      'PASSWORD_RESET_TTL_MINUTES',
      atLeast(positiveInt(30, 1440), 5),
      'How long a password reset link works, in minutes (5 to 1440).',
    ),
    emailVerificationHours: variable(
      'EMAIL_VERIFICATION_TTL_HOURS',
      positiveInt(24, 168),
      'How long an email verification or change confirmation link works, in hours (at most 168).',
    ),
    emailChangeCancelHours: variable(
      'EMAIL_CHANGE_CANCEL_TTL_HOURS',
      positiveInt(168, 720),
      'How long the link mailed to the previous address can cancel (or revert) an email change, in hours.',
    ),
  },
  retentionDays,
  redisKeyPrefix,
}).transform((c) => ({
  // What no single variable says by itself.
  ...c,
  databaseUrl: serviceDatabaseUrl(c.databaseUrl, 'secure_api_auth'),
  autoMigrate: c.autoMigrate ?? c.nodeEnv !== 'production',
  // Production never sends a reset link over a connection an eavesdropper can read, unless told to.
  mail: { ...c.mail, requireTls: c.mail.requireTls ?? c.nodeEnv === 'production' },
}));

export type Config = z.output<typeof configSchema>;

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(configSchema, env);
}
