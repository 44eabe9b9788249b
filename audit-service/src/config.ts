import { z } from 'zod';

import {
  amqpUrl,
  databaseUrl,
  loadConfig,
  logLevel,
  nodeEnv,
  optionalFlag,
  port,
  serviceDatabaseUrl,
} from '@secure-api/shared';

const schema = z.object({
  NODE_ENV: nodeEnv,
  LOG_LEVEL: logLevel,
  HOST: z.string().default('127.0.0.1'),
  AUDIT_PORT: port(8083),
  DATABASE_URL: databaseUrl,
  AMQP_URL: amqpUrl,
  AUTO_MIGRATE: optionalFlag(),
});

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: string;
  host: string;
  port: number;
  databaseUrl: string;
  amqpUrl: string;
  autoMigrate: boolean;
}

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  const c = loadConfig(schema, env);
  return {
    nodeEnv: c.NODE_ENV,
    logLevel: c.LOG_LEVEL,
    host: c.HOST,
    port: c.AUDIT_PORT,
    databaseUrl: serviceDatabaseUrl(c.DATABASE_URL, 'secure_api_audit'),
    amqpUrl: c.AMQP_URL,
    autoMigrate: c.AUTO_MIGRATE ?? c.NODE_ENV !== 'production',
  };
}
