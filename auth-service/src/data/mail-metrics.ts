import {
  createCounter,
  createGauge,
  type Counter,
  type Metrics,
} from '@secure-api/shared/lifecycle';

import type { MailOutbox } from './mail-outbox.js';

export interface MailMetrics {
  sent: Counter;
  failures: Counter;
  dropped: Counter<'reason'>;
}

/**
 * What an operator watches of mail: deliveries, failed attempts (an SMTP outage), dropped messages,
 * and the outbox backlog with the age of its oldest message, read from the table at each scrape.
 * No label carries an address.
 */
export function createMailMetrics(metrics: Metrics, outbox: MailOutbox): MailMetrics {
  // A scrape collects both gauges at once: they share one read of the table.
  let reading: ReturnType<MailOutbox['backlog']> | undefined;
  const backlog = () =>
    (reading ??= outbox.backlog().finally(() => {
      reading = undefined;
    }));
  createGauge(metrics, {
    name: 'mail_outbox_messages',
    help: 'Messages waiting in the mail outbox for the SMTP relay',
    async collect() {
      this.set((await backlog()).waiting);
    },
  });
  createGauge(metrics, {
    name: 'mail_outbox_oldest_age_seconds',
    help: 'Age of the oldest message waiting in the mail outbox (0 when empty)',
    async collect() {
      this.set((await backlog()).oldestSeconds);
    },
  });
  return {
    sent: createCounter(metrics, {
      name: 'mail_sent_total',
      help: 'Messages the SMTP relay accepted',
    }),
    failures: createCounter(metrics, {
      name: 'mail_send_failures_total',
      help: 'Delivery attempts that failed and will be retried',
    }),
    dropped: createCounter(metrics, {
      name: 'mail_dropped_total',
      help: 'Messages given up on: too old, or sealed under a key no longer configured',
      labelNames: ['reason'] as const,
    }),
  };
}
