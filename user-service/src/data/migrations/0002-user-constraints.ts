import type { Migration } from '@secure-api/shared/data';

/**
 * What 0001 left to the application, now enforced by the database: usernames unique regardless of
 * case (no `Admin` next to `admin`), emails stored normalised, roles from the RBAC matrix, and an
 * index for the stable (created_at, id) listing order.
 */
export const userConstraints: Migration = {
  name: '0002-user-constraints',
  async up({ sequelize }) {
    await sequelize.query(
      'CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username))',
    );
    await sequelize.query('CREATE INDEX users_created_at_id_idx ON users (created_at, id)');
    await sequelize.query(
      'ALTER TABLE users ADD CONSTRAINT users_email_normalised_check CHECK (email = lower(btrim(email)))',
    );
    await sequelize.query(
      "ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'moderator', 'user', 'viewer'))",
    );
  },
  async down({ sequelize }) {
    await sequelize.query('ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check');
    await sequelize.query(
      'ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_normalised_check',
    );
    await sequelize.query('DROP INDEX IF EXISTS users_created_at_id_idx');
    await sequelize.query('DROP INDEX IF EXISTS users_username_lower_key');
  },
};
