import type { Logger } from '@secure-api/shared/logging';

/**
 * Work a request starts but does not wait for, so the response cannot reveal what it found (the
 * forgotten-password lookup). A failure is logged, never thrown at the client; shutdown waits.
 */
export class BackgroundWork {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  start(task: string, work: () => Promise<void>): void {
    const done: Promise<void> = work()
      .catch((error: unknown) => {
        const err = error instanceof Error ? { name: error.name, message: error.message } : {};
        this.logger.error({ task, err }, 'background work failed');
      })
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }

  /** Waits for what is running now (shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
