import type { AuditFilter, AuditStore, StoredEvent } from './audit-event.js';

export interface AuditPage {
  events: StoredEvent[];
  /** The seq to continue before, or undefined on the last page. */
  nextBeforeSeq: number | undefined;
}

export class AuditQueries {
  constructor(private readonly store: AuditStore) {}

  /** Newest first; one extra row is read to know whether another page exists. */
  async list(filter: AuditFilter): Promise<AuditPage> {
    const rows = await this.store.find({ ...filter, limit: filter.limit + 1 });
    const events = rows.slice(0, filter.limit);
    const more = rows.length > filter.limit;
    return { events, nextBeforeSeq: more ? events.at(-1)?.seq : undefined };
  }
}
