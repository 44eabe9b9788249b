import type { Migration } from '@secure-api/shared/data';

/**
 * Signed checkpoints of the chain, and the full re-walk's jobs.
 * - `audit_checkpoints.id` is assigned as last id + 1 under a lock, so a removed checkpoint leaves
 *   a gap; rows are append-only like the events (a superuser can still bypass that: the signature
 *   and the gap are what catch an edit or a removal).
 * - One running job at most: the partial unique index refuses a second `running` row.
 */
export const auditCheckpoints: Migration = {
  name: '0003-audit-checkpoints',
  async up({ sequelize }) {
    await sequelize.query(`
      CREATE TABLE audit_checkpoints (
        id bigint PRIMARY KEY CHECK (id >= 1),
        seq bigint NOT NULL CHECK (seq >= 1),
        hash varchar(64) NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
        at timestamptz NOT NULL,
        kid varchar(64) NOT NULL,
        signature varchar(128) NOT NULL
      )`);
    await sequelize.query(`
      CREATE FUNCTION audit_checkpoints_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_checkpoints is append-only: % is not allowed', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await sequelize.query(`
      CREATE TRIGGER audit_checkpoints_append_only
        BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_refuse_change()`);
    await sequelize.query(`
      CREATE TABLE audit_verify_jobs (
        id uuid PRIMARY KEY,
        state varchar(16) NOT NULL CHECK (state IN ('running', 'done', 'failed')),
        checked bigint NOT NULL DEFAULT 0,
        total bigint NOT NULL,
        result jsonb NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz NULL
      )`);
    await sequelize.query(
      `CREATE UNIQUE INDEX audit_verify_jobs_one_running ON audit_verify_jobs ((true))
        WHERE state = 'running'`,
    );
  },
  async down({ sequelize }) {
    await sequelize.query('DROP TABLE IF EXISTS audit_verify_jobs');
    await sequelize.query('DROP TABLE IF EXISTS audit_checkpoints');
    await sequelize.query('DROP FUNCTION IF EXISTS audit_checkpoints_refuse_change()');
  },
};
