import type { QueryInterface, Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';

import type { Logger } from '../logging/logger.js';

export interface MigrationContext {
  queryInterface: QueryInterface;
  sequelize: Sequelize;
}

export interface Migration {
  name: string;
  up(context: MigrationContext): Promise<void>;
  down?(context: MigrationContext): Promise<void>;
}

// One fixed advisory lock key per migration table so replicas starting together migrate once.
function lockKey(table: string): number {
  let hash = 0;
  for (const char of table) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return hash;
}

export async function runMigrations(
  sequelize: Sequelize,
  migrations: Migration[],
  { tableName, logger }: { tableName: string; logger: Logger },
): Promise<string[]> {
  const umzug = new Umzug<MigrationContext>({
    migrations: migrations.map((m) => ({
      name: m.name,
      up: ({ context }) => m.up(context),
      down: ({ context }) => (m.down ? m.down(context) : Promise.resolve()),
    })),
    context: { queryInterface: sequelize.getQueryInterface(), sequelize },
    storage: new SequelizeStorage({ sequelize, tableName }),
    logger: undefined,
  });
  const key = lockKey(tableName);
  return sequelize.transaction(async (transaction) => {
    await sequelize.query('SELECT pg_advisory_xact_lock(:key)', {
      replacements: { key },
      transaction,
    });
    const applied = await umzug.up();
    const names = applied.map((m) => m.name);
    if (names.length > 0) logger.info({ migrations: names }, 'migrations applied');
    return names;
  });
}
