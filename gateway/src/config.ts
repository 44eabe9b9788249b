import { createRequire } from 'node:module';

import { z } from 'zod';

import {
  baseVariables,
  defineConfig,
  httpUrl,
  listenPort,
  loadConfig,
  nonNegativeInt,
  optionalFlag,
  port,
  positiveInt,
  rate,
  sharedVariables,
  variable,
  withoutTrailingSlash,
} from '@secure-api/shared/config';

const { redisUrl, amqpUrl, corsOrigins, loginRateLimit, redisKeyPrefix } = sharedVariables;

const timeoutMs = (name: string, fallback: number, max: number, description: string) =>
  variable(name, positiveInt(fallback, max), `${description}, in milliseconds.`);

export const configSchema = defineConfig(
  {
    ...baseVariables,
    port: listenPort('GATEWAY_PORT', 8080),
    adminPort: variable(
      'GATEWAY_ADMIN_PORT',
      port(9080),
      'Port of the admin listener (`/metrics`, `/health/live`, `/health/ready`): keep it off the public network.',
    ),
    adminHost: variable(
      'GATEWAY_ADMIN_HOST',
      z.string().default('127.0.0.1'),
      'Address the admin listener binds: keep it off the public network.',
    ),
    upstreams: {
      auth: variable(
        'AUTH_SERVICE_URL',
        httpUrl.default('http://127.0.0.1:8081'),
        'auth-service, where `/api/v1/auth/*` and the API-key lookups go.',
      ),
      users: variable(
        'USER_SERVICE_URL',
        httpUrl.default('http://127.0.0.1:8082'),
        'user-service, where the user routes go.',
      ),
      audit: variable(
        'AUDIT_SERVICE_URL',
        httpUrl.default('http://127.0.0.1:8083'),
        'audit-service, where the audit routes go.',
      ),
    },
    jwksUrl: variable(
      'AUTH_JWKS_URL',
      httpUrl.optional(),
      'auth-service’s public keys: every token the service accepts is verified against them.',
      '`AUTH_SERVICE_URL` + `/.well-known/jwks.json`',
    ),
    redisUrl,
    amqpUrl,
    eventBufferSize: variable(
      'EVENT_BUFFER_SIZE',
      positiveInt(10_000, 1_000_000),
      'Security events the gateway holds while the broker is away; beyond it they are dropped, counted and logged.',
    ),
    corsOrigins,
    bodyLimitBytes: variable(
      'BODY_LIMIT_BYTES',
      positiveInt(16 * 1024, 1024 * 1024),
      'Largest request body, in bytes (at most 1 MiB).',
    ),
    upstreamConnectTimeoutMs: timeoutMs(
      'UPSTREAM_CONNECT_TIMEOUT_MS',
      2000,
      60_000,
      'How long a connection to a service may take',
    ),
    upstreamTimeoutMs: timeoutMs(
      'UPSTREAM_TIMEOUT_MS',
      10_000,
      120_000,
      'How long a service may take to answer, and an API-key lookup at auth-service',
    ),
    docsEnabled: variable(
      'DOCS_ENABLED',
      optionalFlag(),
      'Serve `/docs` (Swagger UI) and `/docs/openapi.json`.',
      'true (false in production)',
    ),
    rateLimits: {
      global: variable(
        'RATE_LIMIT_PER_MINUTE',
        positiveInt(60, 1_000_000).transform((points) => ({ points, durationSeconds: 60 })),
        'Requests per minute per client IP, on every route but `/health`.',
      ),
      login: loginRateLimit,
      register: variable(
        'REGISTER_RATE_LIMIT',
        rate('3/minute'),
        'Registrations per client IP, as N/second, N/minute, N/hour or N/day.',
      ),
      refresh: variable(
        'REFRESH_RATE_LIMIT',
        rate('10/minute'),
        'Token refreshes per client IP, as N/second, N/minute, N/hour or N/day.',
      ),
      passwordForgot: variable(
        'PASSWORD_FORGOT_RATE_LIMIT',
        rate('10/hour'),
        'Forgotten-password requests per client IP (auth-service also allows 3 an hour per email), as N/second, N/minute, N/hour or N/day.',
      ),
      accountLink: variable(
        'ACCOUNT_LINK_RATE_LIMIT',
        rate('20/hour'),
        'Mailed-link actions per client IP (password reset, email verification and its resend, email-change cancel), as N/second, N/minute, N/hour or N/day.',
      ),
      apiKey: variable(
        'API_KEY_RATE_LIMIT',
        rate('1000/hour'),
        'Requests per API key, from whatever address, as N/second, N/minute, N/hour or N/day.',
      ),
      redisKeyPrefix,
    },
    apiKeyCacheSeconds: variable(
      'API_KEY_CACHE_SECONDS',
      nonNegativeInt(30, 50),
      'How long a resolved API key is cached, in seconds (auth-service purges it on revocation).',
    ),
    // Inbound limits of the public listener (slow and idle clients).
    server: {
      headersTimeoutMs: timeoutMs(
        'HEADERS_TIMEOUT_MS',
        10_000,
        120_000,
        'How long a client may take to send the request headers (at most `REQUEST_TIMEOUT_MS`)',
      ),
      requestTimeoutMs: timeoutMs(
        'REQUEST_TIMEOUT_MS',
        30_000,
        600_000,
        'How long a client may take to send a whole request',
      ),
      keepAliveTimeoutMs: timeoutMs(
        'KEEP_ALIVE_TIMEOUT_MS',
        5_000,
        120_000,
        'How long an idle keep-alive connection stays open',
      ),
    },
  },
  (c, ctx) => {
    if (c.server.headersTimeoutMs > c.server.requestTimeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['HEADERS_TIMEOUT_MS'],
        message: 'must not exceed REQUEST_TIMEOUT_MS',
      });
    }
  },
).transform((c) => ({
  // What no single variable says by itself.
  ...c,
  version: packageVersion(),
  jwksUrl: c.jwksUrl ?? `${withoutTrailingSlash(c.upstreams.auth)}/.well-known/jwks.json`,
  docsEnabled: c.docsEnabled ?? c.nodeEnv !== 'production',
}));

export type Config = z.output<typeof configSchema>;
export type RateLimitConfig = Config['rateLimits'];
export type UpstreamName = keyof Config['upstreams'];

function packageVersion(): string {
  const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
  return pkg.version;
}

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(configSchema, env);
}
