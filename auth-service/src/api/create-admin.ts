import { openDatabase } from '@secure-api/shared/data';
import { AppError } from '@secure-api/shared/http';
import { DependencyUnavailableError } from '@secure-api/shared/lifecycle';
import { createLogger } from '@secure-api/shared/logging';
import { openRedis, type Redis } from '@secure-api/shared/redis';

import type { Config } from '../config.js';
import { MIGRATION_TABLE, migrations } from '../data/migrations/index.js';
import { createAccount } from '../domain/register.use-case.js';
import { buildAuthComponents } from './dependencies.js';
import { createAccountSchema } from './schemas/auth.schemas.js';

/**
 * Creates an admin through the same registration saga as everyone else (policy, Argon2id,
 * user-service profile); user-service must be running. Returns one line for the operator.
 */
export async function runCreateAdmin(
  config: Config,
  input: { email: string; username?: string | undefined; password: string },
): Promise<string> {
  const parsed = createAccountSchema.body.safeParse({
    email: input.email,
    username: input.username ?? input.email.split('@')[0]?.replace(/[^A-Za-z0-9_.-]/g, '_'),
    password: input.password,
    role: 'admin',
  });
  if (!parsed.success) {
    return `invalid input: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`;
  }
  const logger = createLogger({ service: 'create-admin', level: 'warn' });
  const sequelize = await openDatabase({
    url: config.databaseUrl,
    migrations,
    migrationTable: MIGRATION_TABLE,
    autoMigrate: config.autoMigrate,
    logger,
  });
  let redis: Redis | undefined;
  try {
    redis = await openRedis(config.redisUrl, logger);
    const deps = await buildAuthComponents(config, sequelize, redis);
    const profile = await createAccount(deps, parsed.data, { via: 'cli' });
    return `created admin ${profile.username} (${profile.id})`;
  } catch (error) {
    if (error instanceof AppError) return `refused: ${error.detail}`;
    if (error instanceof DependencyUnavailableError) return error.message;
    throw error;
  } finally {
    redis?.disconnect();
    await sequelize.close();
  }
}
