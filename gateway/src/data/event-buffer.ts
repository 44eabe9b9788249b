import type { AnySecurityEvent } from '@secure-api/shared/events';
import type { Counter } from '@secure-api/shared/lifecycle';
import type { Logger } from '@secure-api/shared/logging';
import { UnroutableEventError, type EventSink } from '@secure-api/shared/messaging';

import type { DroppedEvents } from './dropped-events.js';

export interface EventBufferOptions {
  sink: EventSink;
  logger: Logger;
  /** Events waiting at most (EVENT_BUFFER_SIZE); a new event beyond it is dropped. */
  capacity: number;
  dropped: DroppedEvents;
  published: Counter;
  /** Published at once, in order, on one channel (default 100). */
  batchSize?: number;
  /** First retry delay after a failed publish, doubled per failure (default 250 ms)... */
  baseBackoffMs?: number;
  /** ...up to this (default 5 s). */
  maxBackoffMs?: number;
  /** How long close() keeps publishing what is left (default 2 s). */
  drainMs?: number;
}

// Asking the publisher whether it is connected costs nothing, so a restored broker is noticed fast.
const NOT_READY_POLL_MS = 250;
const DRAIN_RETRY_MS = 100;
// The broker's first connection attempt may take up to 3 s (AmqpConnection's connect timeout).
const START_GRACE_MS = 5000;

/**
 * The gateway's security events on their way to the broker. `emit` only
 * appends to a bounded FIFO: it never waits and never throws, so an absent or slow broker can
 * neither fail nor slow a request. One loop publishes from the head, in order, with confirms;
 * what fails (disconnected, nacked, unroutable, unconfirmed in time) stays at the head and is
 * retried with capped backoff. A full buffer drops the new event — counted in
 * `gateway_events_dropped_total` and logged with its type and id, at most a line a second.
 * A nack in the middle of a batch is the one case where an event can overtake an earlier one.
 */
export class EventBuffer {
  private readonly queue: AnySecurityEvent[] = [];
  private state: 'running' | 'draining' | 'stopped' = 'running';
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private wakeOnEmit = false;
  private failures = 0;
  private outage = false;
  private startedAt = 0;
  private connectedOnce = false;

  constructor(private readonly options: EventBufferOptions) {}

  /** Events waiting to be confirmed by the broker. */
  get size(): number {
    return this.queue.length;
  }

  start(): void {
    this.startedAt = Date.now();
    this.loop ??= this.run();
  }

  emit(event: AnySecurityEvent): void {
    if (this.state === 'stopped') {
      this.options.dropped.record('shutdown', event);
    } else if (this.queue.length >= this.options.capacity) {
      this.options.dropped.record('buffer_full', event);
    } else {
      this.queue.push(event);
      if (this.wakeOnEmit) this.wake?.();
    }
  }

  /** Publishes what it can within the drain time; what is left is counted and logged as lost. */
  async close(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'draining';
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.drainMs ?? 2000);
    });
    await Promise.race([this.loop, deadline]);
    clearTimeout(timer);
    this.state = 'stopped';
    this.wake?.();
    this.options.dropped.flush();
    this.options.dropped.recordMany('shutdown', this.queue.splice(0));
  }

  private async run(): Promise<void> {
    while (this.state !== 'stopped') {
      if (this.queue.length === 0) {
        if (this.state === 'draining') return;
        await this.pause(Number.POSITIVE_INFINITY, true);
      } else if (this.options.sink.isReady === false) {
        // Right after start this is the first connection still being made, not an outage.
        if (this.connectedOnce || Date.now() - this.startedAt >= START_GRACE_MS) {
          this.noteFailure(new Error('event publisher is not connected'));
        }
        await this.pause(this.state === 'draining' ? DRAIN_RETRY_MS : NOT_READY_POLL_MS);
      } else {
        this.connectedOnce = true;
        const error = await this.publishHead();
        if (error === undefined) continue;
        // Nothing is bound to receive it: waiting out the drain time would change nothing.
        if (this.state === 'draining' && error instanceof UnroutableEventError) return;
        this.failures += 1;
        await this.pause(this.backoff());
      }
    }
  }

  /** One batch from the head; the error of the first failure, if any. */
  private async publishHead(): Promise<unknown> {
    const batch = this.queue.slice(0, this.options.batchSize ?? 100);
    const results = await Promise.allSettled(batch.map((e) => this.options.sink.publish(e)));
    // close() has already counted everything left as lost.
    if (this.state === 'stopped') return undefined;
    const failed = batch.filter((_event, i) => results.at(i)?.status === 'rejected');
    // Only this loop takes from the head, so the batch is still there: failures go back in order.
    this.queue.splice(0, batch.length, ...failed);
    if (failed.length < batch.length) this.options.published.inc(batch.length - failed.length);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!rejected) {
      this.noteSuccess();
      return undefined;
    }
    this.noteFailure(rejected.reason);
    return rejected.reason;
  }

  private backoff(): number {
    if (this.state === 'draining') return DRAIN_RETRY_MS;
    const base = this.options.baseBackoffMs ?? 250;
    return Math.min(base * 2 ** Math.min(this.failures - 1, 20), this.options.maxBackoffMs ?? 5000);
  }

  /** Resolves after `ms`, on close(), and (when asked) on the next emit. */
  private pause(ms: number, untilEmit = false): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => this.wake?.(), ms) : undefined;
      timer?.unref();
      this.wakeOnEmit = untilEmit;
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.wakeOnEmit = false;
        resolve();
      };
    });
  }

  // One warning when an outage starts and one line when it ends, not one per attempt.
  private noteFailure(error: unknown): void {
    if (this.outage) return;
    this.outage = true;
    this.options.logger.warn(
      { pending: this.queue.length, err: { message: describe(error) } },
      'security events not published, will retry',
    );
  }

  private noteSuccess(): void {
    this.failures = 0;
    if (!this.outage) return;
    this.outage = false;
    this.options.logger.info({ pending: this.queue.length }, 'security events publishing again');
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : 'unknown error';
}
