import type { UserCounts } from '@secure-api/shared/contracts';
import { EVENT_TYPES } from '@secure-api/shared/events';

import type { AuditStore } from './audit-event.js';

/** user-service's counts, asked for with the admin's own token (it decides on its own). */
export interface UserCountSource {
  userCounts(callerToken: string): Promise<UserCounts>;
}

export interface AdminStats {
  users: UserCounts;
  events_last_24h: Record<string, number>;
}

const DAY_MS = 24 * 3600_000;

export class StatsUseCases {
  constructor(
    private readonly store: AuditStore,
    private readonly users: UserCountSource,
  ) {}

  /** Every known event type is listed, zero included, so dashboards need no special case. */
  async get(callerToken: string): Promise<AdminStats> {
    const [users, counts] = await Promise.all([
      this.users.userCounts(callerToken),
      this.store.countByTypeSince(new Date(Date.now() - DAY_MS)),
    ]);
    const events = Object.fromEntries(EVENT_TYPES.map((type) => [type, counts.get(type) ?? 0]));
    return { users, events_last_24h: events };
  }
}
