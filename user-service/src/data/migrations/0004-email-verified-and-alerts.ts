import type { Migration } from '@secure-api/shared/data';

/**
 * Two profile flags for email verification and sign-in alerts. Accounts that exist before
 * verification did were never asked to prove their address, and locking them out now would punish
 * them for it, so they count as verified; only rows created from now on start unverified. Sign-in
 * alerts are on unless the user turns them off.
 */
export const emailVerifiedAndAlerts: Migration = {
  name: '0004-email-verified-and-alerts',
  async up({ sequelize }) {
    await sequelize.query(
      'ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT true',
    );
    await sequelize.query('ALTER TABLE users ALTER COLUMN email_verified SET DEFAULT false');
    await sequelize.query(
      'ALTER TABLE users ADD COLUMN sign_in_alerts boolean NOT NULL DEFAULT true',
    );
  },
  async down({ sequelize }) {
    await sequelize.query('ALTER TABLE users DROP COLUMN IF EXISTS sign_in_alerts');
    await sequelize.query('ALTER TABLE users DROP COLUMN IF EXISTS email_verified');
  },
};
