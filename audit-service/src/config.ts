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
import { EVENT_SOURCES, type EventSource } from '@secure-api/shared/events';
import type { Cidr } from '@secure-api/shared/http';

import { ANY_SOURCE, type ProducerMap } from './domain/producer-provenance.js';

const httpUrl = (fallback: string) => z.url({ protocol: /^https?$/ }).default(fallback);
const queueName = (fallback: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'expected a queue name (letters, digits, _ . : -)')
    .default(fallback);

const PRODUCER = /^([^\s:,]{1,128}):(\S+)$/;
const isClaimable = (source: string): source is EventSource | typeof ANY_SOURCE =>
  source === ANY_SOURCE || EVENT_SOURCES.some((s) => s === source);

/** `user:source,user:source`, each broker user once; undefined when anything else. */
function parseProducers(value: string): ProducerMap | undefined {
  const producers = new Map<string, EventSource | typeof ANY_SOURCE>();
  for (const entry of value.split(',').map((e) => e.trim())) {
    const [, user, source] = PRODUCER.exec(entry) ?? [];
    if (!user || !source || !isClaimable(source) || producers.has(user)) return undefined;
    producers.set(user, source);
  }
  return producers;
}

// Development and tests: every service logs in as guest, so nothing can be proven; guest may claim
// any source (a start-up warning says so). Production refuses guest and `*` (production-rules.ts).
const eventProducers = z
  .string()
  .default(`guest:${ANY_SOURCE}`)
  .transform((value, ctx): ProducerMap => {
    const producers = parseProducers(value);
    if (producers) return producers;
    ctx.addIssue({
      code: 'custom',
      message: `expected broker-user:source pairs separated by commas, each user once (source: ${EVENT_SOURCES.join(', ')}, or * outside production)`,
    });
    return z.NEVER;
  });

const schema = z.object({
  NODE_ENV: nodeEnv,
  LOG_LEVEL: logLevel,
  HOST: z.string().default('127.0.0.1'),
  TRUSTED_PROXIES: cidrList(''),
  AUDIT_PORT: port(8083),
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  AMQP_URL: amqpUrl,
  EVENT_PRODUCERS: eventProducers,
  AUTO_MIGRATE: optionalFlag(),
  AUDIT_QUEUE: queueName('audit.security-events'),
  AUDIT_DEAD_LETTER_QUEUE: queueName('audit.dead-letter'),
  AUDIT_PREFETCH: positiveInt(50, 1000),
  AUTH_JWKS_URL: httpUrl('http://127.0.0.1:8081/.well-known/jwks.json'),
  USER_SERVICE_URL: httpUrl('http://127.0.0.1:8082'),
  USER_SERVICE_TIMEOUT_MS: positiveInt(3000, 60_000),
});

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: string;
  host: string;
  /** Whose X-Forwarded-For is believed: the gateway's addresses. */
  trustedProxies: Cidr[];
  port: number;
  databaseUrl: string;
  /** Where the revocation marks are read: every admin request is checked against them. */
  redisUrl: string;
  amqpUrl: string;
  /**
   * Which broker user may publish which source's events: a message is stored only when its
   * broker-checked `user_id` is named here and its event claims that user's source.
   */
  eventProducers: ProducerMap;
  autoMigrate: boolean;
  /** The durable queue bound to `security.events`; replicas share it. */
  auditQueue: string;
  /** Where invalid messages are kept (through the `security.events.dlx` exchange). */
  deadLetterQueue: string;
  /** Unacknowledged messages per consumer, and the largest batch stored in one transaction. */
  prefetch: number;
  /** Where access tokens are verified from (auth-service's public keys). */
  authJwksUrl: string;
  /** user-service, asked for user counts on the admin's behalf (GET /api/v1/admin/stats). */
  userServiceUrl: string;
  userServiceTimeoutMs: number;
}

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  const c = loadConfig(schema, env);
  return {
    nodeEnv: c.NODE_ENV,
    logLevel: c.LOG_LEVEL,
    host: c.HOST,
    trustedProxies: c.TRUSTED_PROXIES,
    port: c.AUDIT_PORT,
    databaseUrl: serviceDatabaseUrl(c.DATABASE_URL, 'secure_api_audit'),
    redisUrl: c.REDIS_URL,
    amqpUrl: c.AMQP_URL,
    eventProducers: c.EVENT_PRODUCERS,
    autoMigrate: c.AUTO_MIGRATE ?? c.NODE_ENV !== 'production',
    auditQueue: c.AUDIT_QUEUE,
    deadLetterQueue: c.AUDIT_DEAD_LETTER_QUEUE,
    prefetch: c.AUDIT_PREFETCH,
    authJwksUrl: c.AUTH_JWKS_URL,
    userServiceUrl: c.USER_SERVICE_URL.replace(/\/+$/, ''),
    userServiceTimeoutMs: c.USER_SERVICE_TIMEOUT_MS,
  };
}
