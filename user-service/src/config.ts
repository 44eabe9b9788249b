import { z } from 'zod';

import {
  amqpUrl,
  databaseUrl,
  loadConfig,
  logLevel,
  nodeEnv,
  optionalFlag,
  port,
  positiveInt,
  redisUrl,
  cidrList,
} from '@secure-api/shared/config';
import { serviceDatabaseUrl } from '@secure-api/shared/data';
import type { Cidr } from '@secure-api/shared/http';

const httpUrl = (fallback: string) => z.url({ protocol: /^https?$/ }).default(fallback);

const schema = z.object({
  NODE_ENV: nodeEnv,
  LOG_LEVEL: logLevel,
  HOST: z.string().default('127.0.0.1'),
  TRUSTED_PROXIES: cidrList(''),
  USERS_PORT: port(8082),
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  AMQP_URL: amqpUrl,
  AUTO_MIGRATE: optionalFlag(),
  AUTH_JWKS_URL: httpUrl('http://127.0.0.1:8081/.well-known/jwks.json'),
  AUTH_SERVICE_URL: httpUrl('http://127.0.0.1:8081'),
  AUTH_SERVICE_TIMEOUT_MS: positiveInt(5000, 60_000),
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
  /** Where the outbox relay publishes security events; not needed to start (they wait). */
  amqpUrl: string;
  /** Create the database and run migrations on start (development); production runs a Job. */
  autoMigrate: boolean;
  /** Where access and service tokens are verified from (auth-service's public keys). */
  authJwksUrl: string;
  /** auth-service's internal credential endpoints (email change, account deletion). */
  authServiceUrl: string;
  /** An auth-service call holds a row lock, so it must not wait long. */
  authServiceTimeoutMs: number;
}

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  const c = loadConfig(schema, env);
  return {
    nodeEnv: c.NODE_ENV,
    logLevel: c.LOG_LEVEL,
    host: c.HOST,
    trustedProxies: c.TRUSTED_PROXIES,
    port: c.USERS_PORT,
    databaseUrl: serviceDatabaseUrl(c.DATABASE_URL, 'secure_api_users'),
    redisUrl: c.REDIS_URL,
    amqpUrl: c.AMQP_URL,
    autoMigrate: c.AUTO_MIGRATE ?? c.NODE_ENV !== 'production',
    authJwksUrl: c.AUTH_JWKS_URL,
    authServiceUrl: c.AUTH_SERVICE_URL.replace(/\/+$/, ''),
    authServiceTimeoutMs: c.AUTH_SERVICE_TIMEOUT_MS,
  };
}
