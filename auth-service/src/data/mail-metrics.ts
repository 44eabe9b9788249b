import client from 'prom-client';

import type { Metrics } from '@secure-api/shared/lifecycle';

import type { MailOutbox } from './mail-outbox.js';

export interface MailMetrics {
  sent: client.Counter;
  failures: client.Counter;
  dropped: client.Counter<'reason'>;
}

/**
 * What an operator watches of mail: deliveries, failed attempts (an SMTP outage), dropped messages,
 * and the outbox backlog with the age of its oldest message, read from the table at each scrape.
 * No label carries an address.
 */
export function createMailMetrics(metrics: Metrics, outbox: MailOutbox): MailMetrics {
  const registers = [metrics.registry];
  // A scrape collects both gauges at once: they share one read of the table.
  let reading: ReturnType<MailOutbox['backlog']> | undefined;
  const backlog = () =>
    (reading ??= outbox.backlog().finally(() => {
      reading = undefined;
    }));
  new client.Gauge({
    name: 'mail_outbox_messages',
    help: 'Messages waiting in the mail outbox for the SMTP relay',
    registers,
    async collect() {
      this.set((await backlog()).waiting);
    },
  });
  new client.Gauge({
    name: 'mail_outbox_oldest_age_seconds',
    help: 'Age of the oldest message waiting in the mail outbox (0 when empty)',
    registers,
    async collect() {
      this.set((await backlog()).oldestSeconds);
    },
  });
  return {
    sent: new client.Counter({
      name: 'mail_sent_total',
      help: 'Messages the SMTP relay accepted',
      registers,
    }),
    failures: new client.Counter({
      name: 'mail_send_failures_total',
      help: 'Delivery attempts that failed and will be retried',
      registers,
    }),
    dropped: new client.Counter({
      name: 'mail_dropped_total',
      help: 'Messages given up on: too old, or sealed under a key no longer configured',
      labelNames: ['reason'] as const,
      registers,
    }),
  };
}
