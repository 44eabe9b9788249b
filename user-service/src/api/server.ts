import {
  createLogger,
  createMetrics,
  createServiceApp,
  databaseCheck,
  listen,
  openDatabase,
  Readiness,
  type Logger,
} from '@secure-api/shared';

import type { Config } from '../config.js';
import { MIGRATION_TABLE, migrations } from '../data/migrations/index.js';

export interface RunningUserService {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(
  config: Config,
  logger: Logger = createLogger({ service: 'user-service', level: config.logLevel }),
): Promise<RunningUserService> {
  const sequelize = await openDatabase({
    url: config.databaseUrl,
    migrations,
    migrationTable: MIGRATION_TABLE,
    autoMigrate: config.autoMigrate,
    logger,
  });
  const metrics = createMetrics('user-service');
  const readiness = new Readiness({ database: databaseCheck(sequelize) });
  const app = createServiceApp({
    logger,
    metrics,
    readiness,
    routes: () => {
      // Profile and RBAC routes arrive with the identity core.
    },
  });
  const server = await listen(app, { port: config.port, host: config.host });
  return {
    url: server.url,
    port: server.port,
    close: async () => {
      readiness.startDraining();
      await server.close();
      await sequelize.close();
    },
  };
}
