import {
  AmqpConnection,
  createLogger,
  createMetrics,
  createServiceApp,
  databaseCheck,
  listen,
  openDatabase,
  Readiness,
  requireDependency,
  type Logger,
} from '@secure-api/shared';

import type { Config } from '../config.js';
import { MIGRATION_TABLE, migrations } from '../data/migrations/index.js';

export interface RunningAuditService {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(
  config: Config,
  logger: Logger = createLogger({ service: 'audit-service', level: config.logLevel }),
): Promise<RunningAuditService> {
  const sequelize = await openDatabase({
    url: config.databaseUrl,
    migrations,
    migrationTable: MIGRATION_TABLE,
    autoMigrate: config.autoMigrate,
    logger,
  });
  const broker = new AmqpConnection(config.amqpUrl, logger);
  try {
    await requireDependency('RabbitMQ', config.amqpUrl, () => broker.connect());
  } catch (error) {
    await sequelize.close();
    throw error;
  }
  const metrics = createMetrics('audit-service');
  const readiness = new Readiness({ database: databaseCheck(sequelize), broker: broker.check() });
  const app = createServiceApp({
    logger,
    metrics,
    readiness,
    routes: () => {
      // The event consumer and the audit query/verify routes arrive with the audit issue.
    },
  });
  const server = await listen(app, { port: config.port, host: config.host });
  return {
    url: server.url,
    port: server.port,
    close: async () => {
      readiness.startDraining();
      await server.close();
      await broker.close();
      await sequelize.close();
    },
  };
}
