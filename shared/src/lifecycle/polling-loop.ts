import { inTraceContext, rootTraceContext } from '../telemetry/spans.js';

/**
 * A background worker's schedule: run `cycle`, then again at once when it says more is waiting or
 * someone nudged it meanwhile, otherwise after the poll interval. One cycle at a time; a failed
 * cycle is reported and the loop goes on. Timers are unref'd: the loop never holds a process open.
 */
export class PollingLoop {
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private nudged = false;

  constructor(
    private readonly cycle: () => Promise<{ more: boolean }>,
    private readonly options: { pollIntervalMs: number; onError: (error: unknown) => void },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Run a cycle now instead of at the next poll (e.g. right after a commit that wrote work). */
  nudge(): void {
    if (!this.running) return;
    if (this.current === undefined) this.schedule(0);
    else this.nudged = true;
  }

  /** Stops polling and waits for the cycle in progress. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.current;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    // Outside any trace: a nudge comes from a request, and the cycle it starts (the outbox relay's
    // claim query, a purge) is not part of that request's work.
    this.timer = setTimeout(() => {
      this.current = inTraceContext(rootTraceContext(), () => this.tick()).finally(() => {
        this.current = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let more = false;
    this.nudged = false;
    try {
      ({ more } = await this.cycle());
    } catch (error) {
      this.options.onError(error);
    }
    if (this.running) this.schedule(more || this.takeNudge() ? 0 : this.options.pollIntervalMs);
  }

  private takeNudge(): boolean {
    const nudged = this.nudged;
    this.nudged = false;
    return nudged;
  }
}
