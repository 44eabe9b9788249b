import type { Migration } from '@secure-api/shared/data';

/**
 * Account recovery: the single-use links mailed to users (only their SHA-256 is kept), and the
 * mail outbox those messages wait in until the SMTP relay has taken them.
 */
export const createRecovery: Migration = {
  name: '0009-create-recovery',
  async up({ sequelize }) {
    await sequelize.query(`
      CREATE TABLE account_tokens (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES credentials (user_id) ON DELETE CASCADE,
        purpose varchar(32) NOT NULL CHECK (purpose IN
          ('password_reset', 'email_verification', 'email_change', 'email_change_cancel')),
        token_hash char(64) NOT NULL UNIQUE,
        email varchar(254) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz NULL
      )`);
    // Issuing a link kills the user's earlier live ones of the same purpose.
    await sequelize.query(
      `CREATE INDEX account_tokens_live_idx ON account_tokens (user_id, purpose) WHERE used_at IS NULL`,
    );
    // The message is sealed (AES-256-GCM): the links in it are readable only by the relay, and the
    // row is deleted as soon as the SMTP relay accepts the message.
    await sequelize.query(`
      CREATE TABLE mail_outbox (
        id uuid PRIMARY KEY,
        sealed text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now()
      )`);
    await sequelize.query(`CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at)`);
  },
  async down({ sequelize }) {
    await sequelize.query('DROP TABLE IF EXISTS mail_outbox');
    await sequelize.query('DROP TABLE IF EXISTS account_tokens');
  },
};
