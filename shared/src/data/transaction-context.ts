import { AsyncLocalStorage } from 'node:async_hooks';

import { Sequelize, type Transaction } from 'sequelize';

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

const context = new TransactionContext();
let installed = false;

/** Process-wide, once: Sequelize keeps the namespace on the class, not on an instance. */
export function enableTransactionContext(): void {
  if (installed) return;
  Sequelize.useCLS(context);
  installed = true;
}

/** The transaction running in this async context, if any (Sequelize's own key). */
export function currentTransaction(): Transaction | undefined {
  return (context.get('transaction') as Transaction | null | undefined) ?? undefined;
}
