import { AsyncLocalStorage } from 'node:async_hooks';

import { Sequelize, type Transaction } from 'sequelize';

import type { AnySecurityEvent } from '../events/index.js';
import { writeOutboxEvent } from '../messaging/outbox.js';

/**
 * Sequelize's "CLS" contract on top of AsyncLocalStorage: a query issued anywhere inside
 * `sequelize.transaction(async () => ...)` joins that transaction without being handed it, so a
 * use case can make several repository calls and an outbox write atomic without threading a
 * transaction through every signature.
 */
class TransactionContext {
  private readonly storage = new AsyncLocalStorage<Map<string, unknown>>();

  get(key: string): unknown {
    return this.storage.getStore()?.get(key);
  }

  set(key: string, value: unknown): void {
    this.storage.getStore()?.set(key, value);
  }

  run(fn: (context: Map<string, unknown>) => unknown): unknown {
    const context = new Map(this.storage.getStore() ?? []);
    return this.storage.run(context, () => fn(context));
  }

  bind<F extends (...args: never[]) => unknown>(fn: F): F {
    return fn;
  }
}

let installed = false;

/** Process-wide, once: Sequelize keeps the namespace on the class, not on an instance. */
export function enableTransactionContext(): void {
  if (installed) return;
  Sequelize.useCLS(new TransactionContext());
  installed = true;
}

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
