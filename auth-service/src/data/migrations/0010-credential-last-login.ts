import type { Migration } from '@secure-api/shared/data';

/**
 * When the account last completed a login. A sign-in alert is skipped only for an account's very
 * first login; sessions cannot say that for long, because old ones are purged. Accounts that
 * logged in before this column existed keep the time of their newest session.
 */
export const addCredentialLastLogin: Migration = {
  name: '0010-credential-last-login',
  async up({ sequelize }) {
    await sequelize.query('ALTER TABLE credentials ADD COLUMN last_login_at timestamptz NULL');
    await sequelize.query(`
      UPDATE credentials c SET last_login_at = s.newest
        FROM (SELECT user_id, max(created_at) AS newest FROM sessions GROUP BY user_id) s
       WHERE s.user_id = c.user_id`);
  },
  async down({ sequelize }) {
    await sequelize.query('ALTER TABLE credentials DROP COLUMN IF EXISTS last_login_at');
  },
};
