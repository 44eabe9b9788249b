import {
  connectRedis,
  createLogger,
  createMetrics,
  createRedis,
  createServiceApp,
  databaseCheck,
  listen,
  openDatabase,
  Readiness,
  redisCheck,
  requireDependency,
  type Logger,
} from '@secure-api/shared';

import type { Config } from '../config.js';
import { MIGRATION_TABLE, migrations } from '../data/migrations/index.js';

export interface RunningAuthService {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(
  config: Config,
  logger: Logger = createLogger({ service: 'auth-service', level: config.logLevel }),
): Promise<RunningAuthService> {
  const sequelize = await openDatabase({
    url: config.databaseUrl,
    migrations,
    migrationTable: MIGRATION_TABLE,
    autoMigrate: config.autoMigrate,
    logger,
  });
  const redis = createRedis(config.redisUrl, logger);
  try {
    await requireDependency('Redis', config.redisUrl, () => connectRedis(redis));
  } catch (error) {
    redis.disconnect();
    await sequelize.close();
    throw error;
  }
  const metrics = createMetrics('auth-service');
  const readiness = new Readiness({ database: databaseCheck(sequelize), redis: redisCheck(redis) });
  const app = createServiceApp({
    logger,
    metrics,
    readiness,
    routes: () => {
      // Credential, token and session routes arrive with the identity core.
    },
  });
  const server = await listen(app, { port: config.port, host: config.host });
  return {
    url: server.url,
    port: server.port,
    close: async () => {
      readiness.startDraining();
      await server.close();
      redis.disconnect();
      await sequelize.close();
    },
  };
}
