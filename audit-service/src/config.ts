import { z } from 'zod';

import {
  baseVariables,
  defineConfig,
  httpUrl,
  listenPort,
  loadConfig,
  positiveInt,
  sharedVariables,
  variable,
  withoutTrailingSlash,
} from '@secure-api/shared/config';
import { serviceDatabaseUrl } from '@secure-api/shared/data';
import { EVENT_SOURCES, type EventSource } from '@secure-api/shared/events';

import { parseCheckpointKeys } from './domain/checkpoint.js';
import { ANY_SOURCE, type ProducerMap } from './domain/producer-provenance.js';

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

const { databaseUrl, redisUrl, amqpUrl, autoMigrate } = sharedVariables;

const checkpointKeys = z
  .string()
  .optional()
  .superRefine((value, ctx) => {
    if (value === undefined) return;
    try {
      parseCheckpointKeys(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });

export const configSchema = defineConfig({
  ...baseVariables,
  port: listenPort('AUDIT_PORT', 8083),
  databaseUrl,
  redisUrl,
  amqpUrl,
  autoMigrate,
  eventProducers: variable(
    'EVENT_PRODUCERS',
    eventProducers,
    `Which broker user may publish which source’s events, as comma-separated \`broker-user:source\` pairs (source: ${EVENT_SOURCES.map((s) => `\`${s}\``).join(', ')}): a message is stored only when its broker-checked \`user_id\` is named here and its event claims that user’s source. \`guest:*\` proves nothing and is for development only.`,
  ),
  checkpointKeys: variable(
    'AUDIT_SIGNING_KEYS',
    checkpointKeys,
    'A JSON array of private Ed25519 JWKs, oldest first; the last one signs the audit chain’s checkpoints, all verify (`node scripts/generate-secrets.mjs audit-keys`). Never stored in the audit database: whoever can write there must not be able to sign.',
    'a fixed key derived from a seed in the source code (development only)',
  ),
  auditQueue: variable(
    'AUDIT_QUEUE',
    queueName('audit.security-events'),
    'The durable queue bound to `security.events`; replicas share it.',
  ),
  deadLetterQueue: variable(
    'AUDIT_DEAD_LETTER_QUEUE',
    queueName('audit.dead-letter'),
    'Where invalid messages are kept (through the `security.events.dlx` exchange).',
  ),
  prefetch: variable(
    'AUDIT_PREFETCH',
    positiveInt(1000, 10_000),
    'Unacknowledged messages per consumer. One transaction stores at most half of them, so the next batch arrives while one is stored.',
  ),
  verifyIntervalSeconds: variable(
    'AUDIT_VERIFY_INTERVAL_SECONDS',
    positiveInt(300, 86_400),
    'How often the audit chain is verified incrementally in the background (from the newest checkpoint to the head), setting `audit_chain_valid`. One replica verifies at a time; the others skip that round.',
  ),
  authJwksUrl: variable(
    'AUTH_JWKS_URL',
    httpUrl.default('http://127.0.0.1:8081/.well-known/jwks.json'),
    'auth-service’s public keys: every token the service accepts is verified against them.',
  ),
  userServiceUrl: variable(
    'USER_SERVICE_URL',
    httpUrl.default('http://127.0.0.1:8082').transform(withoutTrailingSlash),
    'user-service, asked for user counts on the admin’s behalf (`GET /api/v1/admin/stats`).',
  ),
  userServiceTimeoutMs: variable(
    'USER_SERVICE_TIMEOUT_MS',
    positiveInt(3000, 60_000),
    'How long a user-service call may take, in milliseconds.',
  ),
}).transform((c) => ({
  // What no single variable says by itself.
  ...c,
  databaseUrl: serviceDatabaseUrl(c.databaseUrl, 'secure_api_audit'),
  autoMigrate: c.autoMigrate ?? c.nodeEnv !== 'production',
}));

export type Config = z.output<typeof configSchema>;

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(configSchema, env);
}
