import type { z } from 'zod';

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

const { databaseUrl, redisUrl, amqpUrl, autoMigrate, retentionDays } = sharedVariables;

export const configSchema = defineConfig({
  ...baseVariables,
  port: listenPort('USERS_PORT', 8082),
  databaseUrl,
  redisUrl,
  amqpUrl,
  autoMigrate,
  retentionDays,
  authJwksUrl: variable(
    'AUTH_JWKS_URL',
    httpUrl.default('http://127.0.0.1:8081/.well-known/jwks.json'),
    'auth-service’s public keys: every token the service accepts is verified against them.',
  ),
  authServiceUrl: variable(
    'AUTH_SERVICE_URL',
    httpUrl.default('http://127.0.0.1:8081').transform(withoutTrailingSlash),
    'auth-service’s internal credential endpoints (email change, account deletion).',
  ),
  authServiceTimeoutMs: variable(
    'AUTH_SERVICE_TIMEOUT_MS',
    positiveInt(5000, 60_000),
    'How long an auth-service call may take, in milliseconds: it holds a row lock, so not long.',
  ),
}).transform((c) => ({
  // What no single variable says by itself.
  ...c,
  databaseUrl: serviceDatabaseUrl(c.databaseUrl, 'secure_api_users'),
  autoMigrate: c.autoMigrate ?? c.nodeEnv !== 'production',
}));

export type Config = z.output<typeof configSchema>;

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(configSchema, env);
}
