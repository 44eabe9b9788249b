import type { AnySecurityEvent } from '@secure-api/shared/events';
import type { Logger } from '@secure-api/shared/logging';

import type { AppendedEvent, AuditStore } from './audit-event.js';
import { proveProducer, type Provenance, type ProducerMap } from './producer-provenance.js';

export interface IngestResult {
  stored: AppendedEvent[];
  duplicates: number;
}

/**
 * Admits an event only from the producer allowed to write it (`prove`), then stores a batch of
 * admitted events and, once they are committed, writes the SIEM feed: one JSON line per stored
 * event (`msg: "security_event"`, the whole envelope, its seq and hash). A duplicate (a
 * redelivery, a relay's second publish) is neither stored nor logged again.
 */
export class EventIngest {
  constructor(
    private readonly store: AuditStore,
    private readonly siem: Logger,
    private readonly producers: ProducerMap,
  ) {}

  /** `brokerUser`: the broker-validated user that published the event, when the message names one. */
  prove(brokerUser: string | undefined, event: AnySecurityEvent): Provenance {
    return proveProducer(this.producers, brokerUser, event);
  }

  async ingest(events: readonly AnySecurityEvent[]): Promise<IngestResult> {
    const stored = await this.store.append(events);
    for (const { event, seq, hash } of stored) {
      this.siem.info({ event, seq, hash }, 'security_event');
    }
    return { stored, duplicates: events.length - stored.length };
  }
}
