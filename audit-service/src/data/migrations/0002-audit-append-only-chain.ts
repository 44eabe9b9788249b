import type { Migration } from '@secure-api/shared/data';

/**
 * What 0001 lacked: the columns queries filter on, a database-enforced append-only guard, and a
 * chain position that only the chain writer assigns.
 * - UPDATE, DELETE and TRUNCATE raise, whoever asks (a superuser can still disable the trigger:
 *   the hash chain is what catches that).
 * - `seq` loses its default: it is assigned as last seq + 1 under the chain lock, so it is
 *   gap-free and always in chain order.
 */
export const auditAppendOnlyChain: Migration = {
  name: '0002-audit-append-only-chain',
  async up({ sequelize }) {
    await sequelize.query(`
      ALTER TABLE audit_events
        ADD COLUMN subject_user_id uuid NULL,
        ADD COLUMN request_id varchar(128) NULL,
        ADD COLUMN outcome varchar(16) NULL,
        ADD COLUMN source varchar(32) NULL`);
    // Rows stored before this migration take the new columns from their own payload, before the
    // guard exists.
    await sequelize.query(`
      UPDATE audit_events SET
        subject_user_id = (payload #>> '{subject,user_id}')::uuid,
        request_id = payload ->> 'request_id',
        outcome = payload ->> 'outcome',
        source = payload ->> 'source'`);
    await sequelize.query(`
      ALTER TABLE audit_events
        ALTER COLUMN outcome SET NOT NULL,
        ALTER COLUMN source SET NOT NULL,
        ALTER COLUMN stored_at SET DEFAULT now(),
        ALTER COLUMN seq DROP DEFAULT,
        ADD CONSTRAINT audit_events_outcome_check CHECK (outcome IN ('success', 'failure', 'denied')),
        ADD CONSTRAINT audit_events_hash_check CHECK (hash ~ '^[0-9a-f]{64}$'),
        ADD CONSTRAINT audit_events_prev_hash_check CHECK (prev_hash ~ '^[0-9a-f]{64}$')`);
    await sequelize.query(
      'CREATE INDEX audit_events_subject_user_seq_idx ON audit_events (subject_user_id, seq)',
    );
    await sequelize.query(
      'CREATE INDEX audit_events_actor_user_seq_idx ON audit_events (actor_user_id, seq)',
    );
    await sequelize.query(
      'CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at)',
    );
    await sequelize.query(`
      CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await sequelize.query(`
      CREATE TRIGGER audit_events_append_only
        BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);
  },
  async down({ sequelize }) {
    await sequelize.query('DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events');
    await sequelize.query('DROP FUNCTION IF EXISTS audit_events_refuse_change()');
    await sequelize.query('DROP INDEX IF EXISTS audit_events_occurred_at_idx');
    await sequelize.query('DROP INDEX IF EXISTS audit_events_actor_user_seq_idx');
    await sequelize.query('DROP INDEX IF EXISTS audit_events_subject_user_seq_idx');
    await sequelize.query(`
      ALTER TABLE audit_events
        DROP CONSTRAINT IF EXISTS audit_events_prev_hash_check,
        DROP CONSTRAINT IF EXISTS audit_events_hash_check,
        DROP CONSTRAINT IF EXISTS audit_events_outcome_check,
        ALTER COLUMN seq SET DEFAULT nextval('audit_events_seq_seq'),
        ALTER COLUMN stored_at DROP DEFAULT,
        DROP COLUMN source,
        DROP COLUMN outcome,
        DROP COLUMN request_id,
        DROP COLUMN subject_user_id`);
  },
};
