import { createRequire } from 'node:module';

import { z } from 'zod';

import {
  amqpUrl,
  cidrList,
  csv,
  loadConfig,
  logLevel,
  nodeEnv,
  optionalFlag,
  port,
  positiveInt,
  rate,
  redisUrl,
  type Rate,
} from '@secure-api/shared/config';
import type { Cidr } from '@secure-api/shared/http';

const httpUrl = z.url({ protocol: /^https?$/ });
const serviceUrl = (fallback: string) => httpUrl.default(fallback);

const schema = z
  .object({
    NODE_ENV: nodeEnv,
    LOG_LEVEL: logLevel,
    HOST: z.string().default('127.0.0.1'),
    GATEWAY_PORT: port(8080),
    GATEWAY_ADMIN_PORT: port(9080),
    GATEWAY_ADMIN_HOST: z.string().default('127.0.0.1'),
    AUTH_SERVICE_URL: serviceUrl('http://127.0.0.1:8081'),
    USER_SERVICE_URL: serviceUrl('http://127.0.0.1:8082'),
    AUDIT_SERVICE_URL: serviceUrl('http://127.0.0.1:8083'),
    AUTH_JWKS_URL: httpUrl.optional(),
    REDIS_URL: redisUrl,
    AMQP_URL: amqpUrl,
    EVENT_BUFFER_SIZE: positiveInt(10_000, 1_000_000),
    CORS_ORIGINS: csv('http://localhost:3000'),
    BODY_LIMIT_BYTES: positiveInt(16 * 1024, 1024 * 1024),
    UPSTREAM_CONNECT_TIMEOUT_MS: positiveInt(2000, 60_000),
    UPSTREAM_TIMEOUT_MS: positiveInt(10_000, 120_000),
    DOCS_ENABLED: optionalFlag(),
    TRUSTED_PROXIES: cidrList(''),
    RATE_LIMIT_PER_MINUTE: positiveInt(60, 1_000_000),
    LOGIN_RATE_LIMIT: rate('5/minute'),
    REGISTER_RATE_LIMIT: rate('3/minute'),
    REFRESH_RATE_LIMIT: rate('10/minute'),
    API_KEY_RATE_LIMIT: rate('1000/hour'),
    API_KEY_CACHE_SECONDS: z.coerce.number().int().min(0).max(50).default(30),
    // The deployment's namespace in a shared Redis, as in auth-service (which publishes the policy).
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_:-]{0,64}$/, 'letters, digits, _ : - only')
      .default(''),
    HEADERS_TIMEOUT_MS: positiveInt(10_000, 120_000),
    REQUEST_TIMEOUT_MS: positiveInt(30_000, 600_000),
    KEEP_ALIVE_TIMEOUT_MS: positiveInt(5_000, 120_000),
  })
  .refine((c) => c.HEADERS_TIMEOUT_MS <= c.REQUEST_TIMEOUT_MS, {
    path: ['HEADERS_TIMEOUT_MS'],
    error: 'must not exceed REQUEST_TIMEOUT_MS',
  });

export type UpstreamName = 'auth' | 'users' | 'audit';

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: string;
  version: string;
  host: string;
  port: number;
  adminHost: string;
  adminPort: number;
  upstreams: Record<UpstreamName, string>;
  /** auth-service's public keys; access tokens are verified against them before proxying. */
  jwksUrl: string;
  /** Revocation marks are read from here for every bearer request. */
  redisUrl: string;
  /** The gateway's own security events go here; the broker is not needed to start or serve. */
  amqpUrl: string;
  /** Events waiting for the broker, at most; beyond it they are dropped, counted and logged. */
  eventBufferSize: number;
  corsOrigins: string[];
  bodyLimitBytes: number;
  upstreamConnectTimeoutMs: number;
  upstreamTimeoutMs: number;
  docsEnabled: boolean;
  /** Peers whose X-Forwarded-For / Forwarded is believed; empty: the socket address is the client. */
  trustedProxies: Cidr[];
  rateLimits: RateLimitConfig;
  /** How long a resolved API key is cached (auth-service purges on revocation). */
  apiKeyCacheSeconds: number;
  /** Inbound limits of the public listener (slow and idle clients). */
  server: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number };
}

export interface RateLimitConfig {
  /** Per client IP, every route but /health. */
  global: Rate;
  /** Until the runtime security policy in Redis names another. */
  login: Rate;
  register: Rate;
  refresh: Rate;
  /** Per API key, whatever address it is used from. */
  apiKey: Rate;
  /** Prepended to every key the gateway keeps in Redis (`rl:*`, `security-policy`). */
  redisKeyPrefix: string;
}

function packageVersion(): string {
  const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
  return pkg.version;
}

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  const c = loadConfig(schema, env);
  return {
    nodeEnv: c.NODE_ENV,
    logLevel: c.LOG_LEVEL,
    version: packageVersion(),
    host: c.HOST,
    port: c.GATEWAY_PORT,
    adminHost: c.GATEWAY_ADMIN_HOST,
    adminPort: c.GATEWAY_ADMIN_PORT,
    upstreams: { auth: c.AUTH_SERVICE_URL, users: c.USER_SERVICE_URL, audit: c.AUDIT_SERVICE_URL },
    jwksUrl: c.AUTH_JWKS_URL ?? `${c.AUTH_SERVICE_URL.replace(/\/+$/, '')}/.well-known/jwks.json`,
    redisUrl: c.REDIS_URL,
    amqpUrl: c.AMQP_URL,
    eventBufferSize: c.EVENT_BUFFER_SIZE,
    corsOrigins: c.CORS_ORIGINS,
    bodyLimitBytes: c.BODY_LIMIT_BYTES,
    upstreamConnectTimeoutMs: c.UPSTREAM_CONNECT_TIMEOUT_MS,
    upstreamTimeoutMs: c.UPSTREAM_TIMEOUT_MS,
    docsEnabled: c.DOCS_ENABLED ?? c.NODE_ENV !== 'production',
    trustedProxies: c.TRUSTED_PROXIES,
    apiKeyCacheSeconds: c.API_KEY_CACHE_SECONDS,
    rateLimits: {
      global: { points: c.RATE_LIMIT_PER_MINUTE, durationSeconds: 60 },
      login: c.LOGIN_RATE_LIMIT,
      register: c.REGISTER_RATE_LIMIT,
      refresh: c.REFRESH_RATE_LIMIT,
      apiKey: c.API_KEY_RATE_LIMIT,
      redisKeyPrefix: c.REDIS_KEY_PREFIX,
    },
    server: {
      headersTimeoutMs: c.HEADERS_TIMEOUT_MS,
      requestTimeoutMs: c.REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: c.KEEP_ALIVE_TIMEOUT_MS,
    },
  };
}
