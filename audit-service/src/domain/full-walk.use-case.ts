import type { Logger } from '@secure-api/shared/logging';

import type {
  ChainSnapshot,
  ChainStore,
  ChainVerification,
  VerificationObserver,
} from './chain-verification.js';
import { firstCheckpointProblem, HashesAt } from './checkpoint-audit.js';
import type { CheckpointKeys } from './checkpoint.js';
import { AuditErrors } from './errors.js';
import { ChainVerifier } from './hash-chain.js';

export type JobState = 'running' | 'done' | 'failed';

export interface VerifyJob {
  id: string;
  state: JobState;
  checked: number;
  total: number;
  result: ChainVerification | null;
  started_at: string;
  finished_at: string | null;
}

export interface VerifyJobStore {
  /** A new running job; any other `running` row is a crashed walker's and is marked failed. */
  create(total: number): Promise<VerifyJob>;
  progress(id: string, checked: number): Promise<void>;
  finish(id: string, state: 'done' | 'failed', result: ChainVerification | null): Promise<void>;
  find(id: string): Promise<VerifyJob | undefined>;
  running(): Promise<VerifyJob | undefined>;
}

/**
 * The full re-walk, as a background job: every row from genesis and every checkpoint, in one
 * snapshot, holding a lock so that one walk runs at a time across replicas. A clean walk signs a
 * checkpoint at the head, so the next incremental call starts there.
 */
export class FullWalks {
  private readonly walking = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly store: ChainStore,
    private readonly jobs: VerifyJobStore,
    private readonly keys: CheckpointKeys,
    private readonly logger: Logger,
    private readonly observer?: VerificationObserver,
  ) {}

  /** Resolves once the job is recorded; the walk goes on in the background. */
  async start(): Promise<VerifyJob> {
    let resolve: (job: VerifyJob) => void = () => undefined;
    let reject: (error: unknown) => void = () => undefined;
    const recorded = new Promise<VerifyJob>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    const walk = this.store
      .exclusiveSnapshot(async (chain) => {
        const job = await this.jobs.create((await chain.head())?.seq ?? 0);
        resolve(job);
        await this.run(job, chain);
      })
      .then(async (outcome) => {
        if (outcome === 'busy') reject(AuditErrors.walkRunning((await this.jobs.running())?.id));
      })
      .catch((error: unknown) => {
        reject(error);
        this.logger.error({ err: error }, 'full audit chain walk failed');
      })
      .finally(() => this.walking.delete(walk));
    this.walking.add(walk);
    return recorded;
  }

  async find(id: string): Promise<VerifyJob> {
    const job = await this.jobs.find(id);
    if (!job) throw AuditErrors.jobNotFound();
    return job;
  }

  /** On shutdown: running walks stop at their next batch and are recorded as failed. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.walking]);
  }

  private async run(job: VerifyJob, chain: ChainSnapshot): Promise<void> {
    try {
      const result = await this.walk(job.id, chain);
      await this.jobs.finish(job.id, 'done', result);
      this.observer?.verified(result.valid);
    } catch (error) {
      await this.jobs.finish(job.id, 'failed', null).catch(() => undefined);
      throw error;
    }
  }

  private async walk(jobId: string, chain: ChainSnapshot): Promise<ChainVerification> {
    const checkpoints = await chain.checkpoints();
    const hashes = new HashesAt(checkpoints.map((c) => c.seq));
    const verifier = new ChainVerifier();
    let head = 0;
    let checked = 0;
    await chain.walk(0, async (rows) => {
      if (this.stopping) throw new Error('stopped by shutdown');
      for (const row of rows) {
        verifier.check(row);
        hashes.see(row);
      }
      head = rows.at(-1)?.seq ?? head;
      checked += rows.length;
      await this.jobs.progress(jobId, checked);
    });
    const result = verifier.result();
    const problem = firstCheckpointProblem(
      checkpoints,
      this.keys,
      { from: 1, to: head, hashAt: hashes.hashAt },
      1,
    );
    const valid = result.valid && problem === null;
    const headRow = head > 0 ? await chain.rowAt(head) : undefined;
    const checkpoint =
      valid && headRow
        ? await this.store.appendCheckpoint(headRow, (c) => this.keys.sign(c))
        : null;
    return { ...result, valid, from_seq: 1, checkpoint, checkpoint_problem: problem };
  }
}
