import { availableParallelism } from 'node:os';

import { z } from 'zod';

import {
  amqpUrl,
  csv,
  databaseUrl,
  flag,
  loadConfig,
  logLevel,
  nodeEnv,
  optionalFlag,
  port,
  positiveInt,
  rate,
  redisUrl,
  serviceDatabaseUrl,
  cidrList,
  type Cidr,
} from '@secure-api/shared';

const schema = z.object({
  NODE_ENV: nodeEnv,
  LOG_LEVEL: logLevel,
  HOST: z.string().default('127.0.0.1'),
  TRUSTED_PROXIES: cidrList(''),
  AUTH_PORT: port(8081),
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  AMQP_URL: amqpUrl,
  AUTO_MIGRATE: optionalFlag(),
  CORS_ORIGINS: csv('http://localhost:3000'),
  COOKIE_SECURE: flag(true),
  JWT_PRIVATE_KEYS: z.string().optional(),
  TOTP_ENCRYPTION_KEY: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || Buffer.from(v, 'base64').length === 32,
      'expected 32 bytes, base64',
    ),
  ACCESS_TOKEN_EXPIRE_MINUTES: positiveInt(15, 60),
  REFRESH_TOKEN_EXPIRE_DAYS: positiveInt(7, 30),
  ARGON2_TIME_COST: positiveInt(3, 10).refine((v) => v >= 2, 'must be at least 2'),
  ARGON2_MEMORY_COST: positiveInt(65536, 1048576).refine(
    (v) => v >= 8192,
    'must be at least 8192 KiB',
  ),
  ARGON2_PARALLELISM: positiveInt(4, 16),
  REFRESH_FAMILY_MAX_DAYS: positiveInt(30, 365),
  REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(60).default(10),
  HASH_CONCURRENCY: positiveInt(availableParallelism(), 64),
  HASH_QUEUE_MAX: positiveInt(32, 10_000),
  API_KEY_ROTATION_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(0),
  USER_SERVICE_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8082'),
  MAX_LOGIN_ATTEMPTS: positiveInt(5, 100).refine((v) => v >= 3, 'must be at least 3'),
  LOCKOUT_WINDOW_MINUTES: positiveInt(15, 1440),
  LOGIN_RATE_LIMIT: rate('5/minute'),
  LOGIN_FAILURES_PER_IP_PER_DAY: positiveInt(100, 1_000_000),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:-]{0,64}$/, 'letters, digits, _ : - only')
    .default(''),
  ACCOUNT_LOCKOUT_MINUTES: positiveInt(30, 1440),
});

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: string;
  host: string;
  /** Whose X-Forwarded-For is believed: the gateway's addresses. */
  trustedProxies: Cidr[];
  port: number;
  databaseUrl: string;
  redisUrl: string;
  amqpUrl: string;
  autoMigrate: boolean;
  corsOrigins: string[];
  cookieSecure: boolean;
  /** Undefined in development: keys are generated on first start and kept in the database. */
  jwtPrivateKeys: string | undefined;
  totpEncryptionKey: string | undefined;
  accessTokenMinutes: number;
  refreshTokenDays: number;
  refreshFamilyMaxDays: number;
  /** Seconds the immediately previous refresh token still works (two tabs refreshing at once). */
  refreshReuseGraceSeconds: number;
  hashing: { concurrency: number; maxQueue: number };
  userServiceUrl: string;
  /** How long a rotated-out API key keeps working. */
  apiKeyRotationGraceSeconds: number;
  argon2: { timeCost: number; memoryCost: number; parallelism: number };
  lockout: { maxAttempts: number; minutes: number; windowMinutes: number };
  loginRateLimit: { points: number; durationSeconds: number };
  loginFailuresPerIpPerDay: number;
  /** Prepended to every Redis key this service owns besides revocations (one Redis, many stacks). */
  redisKeyPrefix: string;
}

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  const c = loadConfig(schema, env);
  return {
    nodeEnv: c.NODE_ENV,
    logLevel: c.LOG_LEVEL,
    host: c.HOST,
    trustedProxies: c.TRUSTED_PROXIES,
    port: c.AUTH_PORT,
    databaseUrl: serviceDatabaseUrl(c.DATABASE_URL, 'secure_api_auth'),
    redisUrl: c.REDIS_URL,
    amqpUrl: c.AMQP_URL,
    autoMigrate: c.AUTO_MIGRATE ?? c.NODE_ENV !== 'production',
    corsOrigins: c.CORS_ORIGINS,
    cookieSecure: c.COOKIE_SECURE,
    jwtPrivateKeys: c.JWT_PRIVATE_KEYS,
    totpEncryptionKey: c.TOTP_ENCRYPTION_KEY,
    accessTokenMinutes: c.ACCESS_TOKEN_EXPIRE_MINUTES,
    refreshTokenDays: c.REFRESH_TOKEN_EXPIRE_DAYS,
    refreshFamilyMaxDays: c.REFRESH_FAMILY_MAX_DAYS,
    refreshReuseGraceSeconds: c.REFRESH_REUSE_GRACE_SECONDS,
    hashing: { concurrency: c.HASH_CONCURRENCY, maxQueue: c.HASH_QUEUE_MAX },
    userServiceUrl: c.USER_SERVICE_URL,
    apiKeyRotationGraceSeconds: c.API_KEY_ROTATION_GRACE_SECONDS,
    argon2: {
      timeCost: c.ARGON2_TIME_COST,
      memoryCost: c.ARGON2_MEMORY_COST,
      parallelism: c.ARGON2_PARALLELISM,
    },
    lockout: {
      maxAttempts: c.MAX_LOGIN_ATTEMPTS,
      minutes: c.ACCOUNT_LOCKOUT_MINUTES,
      windowMinutes: c.LOCKOUT_WINDOW_MINUTES,
    },
    loginRateLimit: c.LOGIN_RATE_LIMIT,
    loginFailuresPerIpPerDay: c.LOGIN_FAILURES_PER_IP_PER_DAY,
    redisKeyPrefix: c.REDIS_KEY_PREFIX,
  };
}
