// PostgreSQL through Sequelize: connecting, migrating, the transaction context. Only services
// with a database import this entry point; it loads Sequelize, pg and umzug.
export * from './database.js';
export * from './database-outage.js';
export * from './migrate-service.js';
export * from './migrations.js';
export * from './transaction-context.js';
