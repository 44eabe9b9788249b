import { createRequire } from 'node:module';

import { z } from 'zod';

import {
  csv,
  loadConfig,
  logLevel,
  nodeEnv,
  optionalFlag,
  port,
  positiveInt,
  redisUrl,
} from '@secure-api/shared';

const httpUrl = z.url({ protocol: /^https?$/ });
const serviceUrl = (fallback: string) => httpUrl.default(fallback);

const schema = z.object({
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
  CORS_ORIGINS: csv('http://localhost:3000'),
  BODY_LIMIT_BYTES: positiveInt(16 * 1024, 1024 * 1024),
  UPSTREAM_CONNECT_TIMEOUT_MS: positiveInt(2000, 60_000),
  UPSTREAM_TIMEOUT_MS: positiveInt(10_000, 120_000),
  DOCS_ENABLED: optionalFlag(),
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
  /** Revocation marks (DESIGN section 5) are read from here for every bearer request. */
  redisUrl: string;
  corsOrigins: string[];
  bodyLimitBytes: number;
  upstreamConnectTimeoutMs: number;
  upstreamTimeoutMs: number;
  docsEnabled: boolean;
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
    corsOrigins: c.CORS_ORIGINS,
    bodyLimitBytes: c.BODY_LIMIT_BYTES,
    upstreamConnectTimeoutMs: c.UPSTREAM_CONNECT_TIMEOUT_MS,
    upstreamTimeoutMs: c.UPSTREAM_TIMEOUT_MS,
    docsEnabled: c.DOCS_ENABLED ?? c.NODE_ENV !== 'production',
  };
}
