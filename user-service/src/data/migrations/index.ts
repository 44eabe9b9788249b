import type { Migration } from '@secure-api/shared/data';

import { createUsers } from './0001-create-users.js';
import { userConstraints } from './0002-user-constraints.js';
import { createOutbox } from './0003-create-outbox.js';
import { emailVerifiedAndAlerts } from './0004-email-verified-and-alerts.js';
import { addOutboxTraceContext } from './0005-outbox-trace-context.js';

/** In order; a new migration is a new file appended here, never an edit of an applied one. */
export const migrations: Migration[] = [
  createUsers,
  userConstraints,
  createOutbox,
  emailVerifiedAndAlerts,
  addOutboxTraceContext,
];
export const MIGRATION_TABLE = 'user_service_migrations';
