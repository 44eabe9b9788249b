import nodemailer, { type Transporter } from 'nodemailer';

import { PollingLoop } from '@secure-api/shared/lifecycle';
import type { Logger } from '@secure-api/shared/logging';

import type { MailMetrics } from './mail-metrics.js';
import type { MailOutbox, QueuedMail } from './mail-outbox.js';

export interface MailRelayOptions {
  /** Messages per cycle (default 10: each is one SMTP conversation inside the cycle's lock). */
  batchSize?: number;
  pollIntervalMs?: number;
  /** First retry delay, doubled per attempt (default 1 s)... */
  baseBackoffMs?: number;
  /** ...up to this (default 60 s): the longest a restored SMTP relay waits for us. */
  maxBackoffMs?: number;
  /** A message still undelivered after this is dropped, with a warning (default 3 days). */
  giveUpAfterMs?: number;
}

export interface SmtpSettings {
  url: string;
  from: string;
  /** Refuse to send over a connection that did not upgrade to TLS (production over smtp://). */
  requireTls: boolean;
}

/** The SMTP side: nodemailer over the configured relay, with timeouts so a hung relay frees us. */
export function smtpTransport(settings: SmtpSettings): Transporter {
  return nodemailer.createTransport(
    {
      url: settings.url,
      requireTLS: settings.requireTls,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    },
    { from: settings.from },
  );
}

/**
 * Delivers the mail outbox. A message leaves the table only when the relay accepted it (or, after
 * `giveUpAfterMs`, with a warning); a failure keeps it with a capped exponential backoff, so an
 * SMTP outage delays mail and loses none. Logs never carry a recipient, a subject or SMTP's own
 * error text (which quotes addresses): only the message id and nodemailer's error code.
 */
export class MailRelay {
  private readonly loop: PollingLoop;
  private readonly batchSize: number;
  private readonly backoff: { baseMs: number; maxMs: number };
  private readonly giveUpAfterMs: number;

  constructor(
    private readonly deps: {
      outbox: MailOutbox;
      transport: Transporter;
      logger: Logger;
      metrics: MailMetrics;
    },
    options: MailRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 10;
    this.backoff = { baseMs: options.baseBackoffMs ?? 1000, maxMs: options.maxBackoffMs ?? 60_000 };
    this.giveUpAfterMs = options.giveUpAfterMs ?? 3 * 86_400_000;
    this.loop = new PollingLoop(() => this.cycle(), {
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      onError: (error) => {
        deps.logger.warn({ err: describeSmtp(error) }, 'mail relay cycle failed');
      },
    });
  }

  start(): void {
    this.loop.start();
  }

  nudge(): void {
    this.loop.nudge();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    this.deps.transport.close();
  }

  /** One claim-send-settle cycle; public for tests. */
  async relayOnce(): Promise<{ sent: number; failed: number }> {
    return this.deps.outbox.claimDue(this.batchSize, (batch) => this.deliver(batch), this.backoff);
  }

  private async cycle(): Promise<{ more: boolean }> {
    const { sent, failed } = await this.relayOnce();
    return { more: sent + failed === this.batchSize && failed === 0 };
  }

  private async deliver(batch: QueuedMail[]): Promise<{ sent: string[]; failed: string[] }> {
    const sent: string[] = [];
    const failed: string[] = [];
    // One at a time, so a relay that is down costs one attempt per cycle, not one per message.
    for (const queued of batch) {
      const { logger, metrics } = this.deps;
      if (queued.mail === undefined) {
        logger.error({ mail_id: queued.id }, 'mail dropped: it no longer opens (key rotated)');
        metrics.dropped.inc({ reason: 'unreadable' });
        sent.push(queued.id);
        continue;
      }
      try {
        await this.deps.transport.sendMail(queued.mail);
        logger.info({ mail_id: queued.id, attempts: queued.attempts + 1 }, 'mail delivered');
        metrics.sent.inc();
        sent.push(queued.id);
      } catch (error) {
        if (Date.now() - queued.createdAt.getTime() > this.giveUpAfterMs) {
          logger.error({ mail_id: queued.id, err: describeSmtp(error) }, 'mail dropped: too old');
          metrics.dropped.inc({ reason: 'too_old' });
          sent.push(queued.id);
        } else {
          logger.warn(
            { mail_id: queued.id, err: describeSmtp(error) },
            'mail not sent, will retry',
          );
          metrics.failures.inc();
          failed.push(queued.id);
          // The relay is likely down or slow: the rest keep their turn for the next cycle.
          break;
        }
      }
    }
    return { sent, failed };
  }
}

/** nodemailer's code and SMTP's status code, never its message: that quotes the addresses. */
function describeSmtp(error: unknown): { code?: string; response_code?: number } {
  if (typeof error !== 'object' || error === null) return {};
  const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
  return {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof responseCode === 'number' ? { response_code: responseCode } : {}),
  };
}
