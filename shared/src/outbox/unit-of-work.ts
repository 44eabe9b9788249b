import { AsyncLocalStorage } from 'node:async_hooks';

import type { Sequelize, Transaction } from 'sequelize';

import { enableTransactionContext } from '../data/transaction-context.js';
import type { AnySecurityEvent } from '../events/index.js';
import { writeOutboxEvent } from './outbox.js';

/**
 * One change and the security events describing it, committed together or not at all
 * (transactional outbox). `record` outside `run` writes the events in a transaction of their own —
 * for actions that change nothing in the database (a failed login, a lock kept in Redis).
 */
export class UnitOfWork {
  private readonly current = new AsyncLocalStorage<Transaction>();

  constructor(
    private readonly sequelize: Sequelize,
    /** Called after a commit that wrote events (the relay's nudge). */
    private readonly onEventsCommitted: () => void = () => undefined,
  ) {
    enableTransactionContext();
  }

  /** Joins the unit of work already running in this async context, or starts one. */
  run<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    const current = this.current.getStore();
    if (current) return work(current);
    return this.sequelize.transaction((transaction) =>
      this.current.run(transaction, () => work(transaction)),
    );
  }

  async record(events: AnySecurityEvent | readonly AnySecurityEvent[]): Promise<void> {
    const transaction = this.current.getStore();
    if (transaction) {
      await writeOutboxEvent(this.sequelize, transaction, events);
      transaction.afterCommit(this.onEventsCommitted);
      return;
    }
    await this.run(() => this.record(events));
  }
}
