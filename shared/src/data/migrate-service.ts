import { DependencyUnavailableError } from '../lifecycle/dependency-error.js';
import { readConfigOrExit } from '../lifecycle/run-service.js';
import { createLogger } from '../logging/logger.js';
import { openDatabase } from './database.js';
import type { Migration } from './migrations.js';

export interface MigrateServiceOptions {
  name: string;
  readConfig(): { databaseUrl: string; logLevel: string };
  migrations: Migration[];
  migrationTable: string;
}

/** `npm run migrate` / the k8s migration Job: create the database if missing, migrate, exit. */
export async function migrateService(options: MigrateServiceOptions): Promise<void> {
  const config = readConfigOrExit(options.name, () => options.readConfig());
  const logger = createLogger({ service: options.name, level: config.logLevel });
  try {
    const sequelize = await openDatabase({
      url: config.databaseUrl,
      migrations: options.migrations,
      migrationTable: options.migrationTable,
      autoMigrate: true,
      logger,
    });
    await sequelize.close();
    process.stdout.write(`${options.name}: database migrated\n`);
  } catch (error) {
    const message =
      error instanceof DependencyUnavailableError ? error.message : 'migration failed';
    if (!(error instanceof DependencyUnavailableError)) logger.fatal({ err: error }, message);
    process.stderr.write(`${options.name}: ${message}\n`);
    process.exit(1);
  }
}
