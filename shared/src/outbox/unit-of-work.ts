import type { Sequelize, Transaction } from 'sequelize';

import { currentTransaction, enableTransactionContext } from '../data/transaction-context.js';
import type { AnySecurityEvent } from '../events/index.js';
import { writeOutboxEvent } from './outbox.js';

/**
 * One change and the security events describing it, committed together or not at all
 * (transactional outbox). `record` outside `run` writes the events in a transaction of their own —
 * for actions that change nothing in the database (a failed login, a lock kept in Redis).
 *
 * `run` is the only transaction boundary: queries inside it join its transaction through
 * Sequelize's async context, so no repository takes or passes a transaction.
 */
export class UnitOfWork {
  // The transactions this unit of work opened. In one process (the e2e system) every service has
  // its own Sequelize, and a unit of work must never join another service's transaction.
  private readonly opened = new WeakSet<Transaction>();

  constructor(
    private readonly sequelize: Sequelize,
    /** Called after a commit that wrote events (the relay's nudge). */
    private readonly onEventsCommitted: () => void = () => undefined,
  ) {
    enableTransactionContext();
  }

  /** Joins the unit of work already running in this async context, or starts one. */
  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.joined()) return work();
    return this.sequelize.transaction((transaction) => {
      this.opened.add(transaction);
      return work();
    });
  }

  async record(events: AnySecurityEvent | readonly AnySecurityEvent[]): Promise<void> {
    const transaction = this.joined();
    if (transaction) {
      await writeOutboxEvent(this.sequelize, transaction, events);
      transaction.afterCommit(this.onEventsCommitted);
      return;
    }
    await this.run(() => this.record(events));
  }

  private joined(): Transaction | undefined {
    const transaction = currentTransaction();
    return transaction && this.opened.has(transaction) ? transaction : undefined;
  }
}
