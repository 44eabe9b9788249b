import amqp, { type ChannelModel } from 'amqplib';

import type { Logger } from '../logging/logger.js';

type OnConnect = (connection: ChannelModel) => Promise<void>;

/**
 * One AMQP connection that comes back by itself: on close or error it reconnects with capped
 * backoff and re-runs every registered setup (channels, topology, consumers).
 */
export class AmqpConnection {
  private connection: ChannelModel | undefined;
  private readonly setups: OnConnect[] = [];
  private closed = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;

  /** The broker user this connection logs in as: what publishers put in `user_id`. */
  readonly username: string;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {
    this.username = brokerUser(url);
  }

  get isConnected(): boolean {
    return this.connection !== undefined;
  }

  /** Registers a setup to run now (if connected) and after every reconnect. */
  async onConnect(setup: OnConnect): Promise<void> {
    this.setups.push(setup);
    if (this.connection) await setup(this.connection);
  }

  /** First connection attempt; rejects so start-up can report an unreachable broker. */
  async connect(): Promise<void> {
    await this.open();
  }

  /** For producers with an outbox: start now if the broker answers, else keep trying quietly. */
  connectInBackground(): void {
    this.open().catch(() => {
      if (this.closed) return;
      this.logger.warn('amqp unavailable at start, will keep retrying');
      this.scheduleReconnect();
    });
  }

  private async open(): Promise<void> {
    const connection = await amqp.connect(this.url, { timeout: 3000 });
    // close() may have run while we were connecting: do not leave this one open behind it.
    if (this.closed) {
      await connection.close().catch(() => undefined);
      return;
    }
    connection.on('error', (error: Error) => {
      this.logger.warn({ err: { message: error.message } }, 'amqp connection error');
    });
    connection.on('close', () => {
      this.connection = undefined;
      if (!this.closed) {
        this.logger.warn('amqp connection lost, reconnecting');
        this.scheduleReconnect();
      }
    });
    this.connection = connection;
    this.attempt = 0;
    for (const setup of this.setups) await setup(connection);
  }

  private scheduleReconnect(): void {
    const delay = Math.min(2 ** this.attempt * 250, 5000);
    this.attempt += 1;
    this.timer = setTimeout(() => {
      this.open().then(
        () => {
          this.logger.info('amqp reconnected');
        },
        () => {
          if (!this.closed) this.scheduleReconnect();
        },
      );
    }, delay);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await connection.close().catch(() => undefined);
  }

  check(): () => Promise<void> {
    return () =>
      this.connection ? Promise.resolve() : Promise.reject(new Error('amqp not connected'));
  }
}

// As amqplib reads it: no user and no password in the URL means guest; the name is percent-decoded.
function brokerUser(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '';
  }
  if (parsed.username === '' && parsed.password === '') return 'guest';
  try {
    return decodeURIComponent(parsed.username);
  } catch {
    return parsed.username;
  }
}
