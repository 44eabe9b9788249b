import { randomUUID } from 'node:crypto';

import { QueryTypes, type Sequelize } from 'sequelize';

import type { ChainVerification } from '../domain/chain-verification.js';
import type { JobState, VerifyJob, VerifyJobStore } from '../domain/full-walk.use-case.js';

interface JobRow {
  id: string;
  state: JobState;
  checked: string;
  total: string;
  result: ChainVerification | null;
  started_at: Date;
  finished_at: Date | null;
}

const toJob = (r: JobRow): VerifyJob => ({
  id: r.id,
  state: r.state,
  checked: Number(r.checked),
  total: Number(r.total),
  result: r.result,
  started_at: r.started_at.toISOString(),
  finished_at: r.finished_at?.toISOString() ?? null,
});

// Progress is written while the walk's read-only snapshot transaction is open in this same async
// context: `transaction: null` keeps these writes out of it (they must commit, and be seen, now).
const OWN = { transaction: null };

export class VerifyJobRepository implements VerifyJobStore {
  constructor(private readonly sequelize: Sequelize) {}

  async create(total: number): Promise<VerifyJob> {
    return this.sequelize.transaction(async (transaction) => {
      // Only the holder of the walk lock gets here: a row still `running` lost its walker.
      await this.sequelize.query(
        `UPDATE audit_verify_jobs SET state = 'failed', finished_at = now()
          WHERE state = 'running'`,
        { transaction },
      );
      const [row] = await this.sequelize.query<JobRow>(
        `INSERT INTO audit_verify_jobs (id, state, total) VALUES (:id, 'running', :total)
          RETURNING *`,
        { type: QueryTypes.SELECT, replacements: { id: randomUUID(), total }, transaction },
      );
      if (!row) throw new Error('the job row was not inserted');
      return toJob(row);
    });
  }

  async progress(id: string, checked: number): Promise<void> {
    await this.sequelize.query('UPDATE audit_verify_jobs SET checked = :checked WHERE id = :id', {
      replacements: { id, checked },
      ...OWN,
    });
  }

  async finish(
    id: string,
    state: 'done' | 'failed',
    result: ChainVerification | null,
  ): Promise<void> {
    await this.sequelize.query(
      `UPDATE audit_verify_jobs
          SET state = :state, result = CAST(:result AS jsonb), finished_at = now()
        WHERE id = :id`,
      { replacements: { id, state, result: result && JSON.stringify(result) }, ...OWN },
    );
  }

  async find(id: string): Promise<VerifyJob | undefined> {
    return this.one('SELECT * FROM audit_verify_jobs WHERE id = :id', { id });
  }

  async running(): Promise<VerifyJob | undefined> {
    return this.one(`SELECT * FROM audit_verify_jobs WHERE state = 'running' LIMIT 1`, {});
  }

  private async one(sql: string, replacements: Record<string, unknown>) {
    const [row] = await this.sequelize.query<JobRow>(sql, {
      type: QueryTypes.SELECT,
      replacements,
      ...OWN,
    });
    return row && toJob(row);
  }
}
