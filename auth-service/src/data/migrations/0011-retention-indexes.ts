import type { Migration } from '@secure-api/shared/data';

/** The retention purge finds dead sessions and links by these, not by a scan of every row. */
export const addRetentionIndexes: Migration = {
  name: '0011-retention-indexes',
  async up({ sequelize }) {
    await sequelize.query('CREATE INDEX sessions_expires_idx ON sessions (expires_at)');
    await sequelize.query(
      'CREATE INDEX sessions_revoked_idx ON sessions (revoked_at) WHERE revoked_at IS NOT NULL',
    );
    await sequelize.query('CREATE INDEX account_tokens_expires_idx ON account_tokens (expires_at)');
    await sequelize.query(
      'CREATE INDEX account_tokens_used_idx ON account_tokens (used_at) WHERE used_at IS NOT NULL',
    );
  },
  async down({ sequelize }) {
    for (const index of [
      'sessions_expires_idx',
      'sessions_revoked_idx',
      'account_tokens_expires_idx',
      'account_tokens_used_idx',
    ]) {
      await sequelize.query(`DROP INDEX IF EXISTS ${index}`);
    }
  },
};
