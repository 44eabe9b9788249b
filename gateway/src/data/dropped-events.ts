import type { Counter } from '@secure-api/shared/lifecycle';
import type { Logger } from '@secure-api/shared/logging';

export type DropReason = 'buffer_full' | 'invalid' | 'shutdown';

const LOG_INTERVAL_MS = 1000;

/**
 * Security events the gateway could not keep: each counted (`gateway_events_dropped_total` by
 * reason) and logged with its type and id — at most a line a second, so an overflow during a flood
 * cannot flood the logs too; the drops in between are summed up in the next line.
 */
export class DroppedEvents {
  private lastLine = Number.NEGATIVE_INFINITY;
  private unlogged = 0;
  private summary: NodeJS.Timeout | undefined;

  constructor(
    private readonly counter: Counter<'reason'>,
    private readonly logger: Logger,
  ) {}

  record(reason: DropReason, event: { type: string; id?: string; issues?: string[] }): void {
    this.counter.inc({ reason });
    if (Date.now() - this.lastLine < LOG_INTERVAL_MS) {
      this.unlogged += 1;
      this.summary ??= setTimeout(() => {
        this.summary = undefined;
        this.flush();
      }, LOG_INTERVAL_MS).unref();
      return;
    }
    this.lastLine = Date.now();
    this.logger.warn(
      { reason, event_type: event.type, event_id: event.id, issues: event.issues },
      'security event dropped',
    );
  }

  /** At shutdown: many at once, one line. */
  recordMany(reason: DropReason, events: readonly { type: string; id: string }[]): void {
    const [oldest] = events;
    if (!oldest) return;
    this.counter.inc({ reason }, events.length);
    this.logger.warn(
      { reason, dropped: events.length, oldest: { event_type: oldest.type, event_id: oldest.id } },
      'security events dropped',
    );
  }

  /** Logs the drops not logged yet, if any. */
  flush(): void {
    clearTimeout(this.summary);
    this.summary = undefined;
    if (this.unlogged === 0) return;
    this.logger.warn({ dropped: this.unlogged }, 'more security events dropped');
    this.lastLine = Date.now();
    this.unlogged = 0;
  }
}
