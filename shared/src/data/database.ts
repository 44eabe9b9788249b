import pg from 'pg';
import { Sequelize } from 'sequelize';

import { requireDependency } from '../lifecycle/dependency-error.js';
import type { Logger } from '../logging/logger.js';
// Registers PostgreSQL's outage errors with the error handler (503, not 500).
import './database-outage.js';
import { runMigrations, type Migration } from './migrations.js';
import { enableTransactionContext } from './transaction-context.js';

/** One database per service: a server URL gets the service's database appended; a full URL is kept. */
export function serviceDatabaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  if (parsed.pathname.length > 1) return url;
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

function maintenanceUrl(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/postgres';
  return parsed.toString();
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Creates the database named by `url` if it does not exist (safe when several start at once). */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const client = new pg.Client({
    connectionString: maintenanceUrl(url),
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
      } catch (error) {
        // 42P04 duplicate_database / 23505: another process won the race, which is fine.
        const code = (error as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl(url) });
  await client.connect();
  try {
    await client.query(
      `DROP DATABASE IF EXISTS ${quoteIdentifier(databaseName(url))} WITH (FORCE)`,
    );
  } finally {
    await client.end();
  }
}

export interface DatabaseOptions {
  poolMax?: number;
  /** Fail a query that waits longer than this for a connection, instead of hanging. */
  acquireTimeoutMs?: number;
}

export function createSequelize(url: string, options: DatabaseOptions = {}): Sequelize {
  enableTransactionContext();
  return new Sequelize(url, {
    dialect: 'postgres',
    logging: false,
    pool: {
      max: options.poolMax ?? 10,
      min: 0,
      acquire: options.acquireTimeoutMs ?? 5000,
      idle: 10_000,
    },
    dialectOptions: { connectionTimeoutMillis: 3000, statement_timeout: 10_000 },
    retry: { max: 0 },
  });
}

export function databaseCheck(sequelize: Sequelize): () => Promise<void> {
  return async () => {
    await sequelize.query('SELECT 1');
  };
}

export interface OpenDatabaseOptions extends DatabaseOptions {
  url: string;
  migrations: Migration[];
  migrationTable: string;
  /** Development: create the database if missing and migrate on start. */
  autoMigrate: boolean;
  logger: Logger;
}

/** Connects (naming PostgreSQL clearly if it is down), and in development creates and migrates. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Sequelize> {
  const { url, logger } = options;
  if (options.autoMigrate) await requireDependency('PostgreSQL', url, () => ensureDatabase(url));
  const sequelize = createSequelize(url, options);
  try {
    await requireDependency('PostgreSQL', url, () => sequelize.authenticate());
    if (options.autoMigrate) {
      await runMigrations(sequelize, options.migrations, {
        tableName: options.migrationTable,
        logger,
      });
    }
    return sequelize;
  } catch (error) {
    await sequelize.close();
    throw error;
  }
}
