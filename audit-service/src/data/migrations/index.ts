import type { Migration } from '@secure-api/shared/data';

import { createAuditEvents } from './0001-create-audit-events.js';
import { auditAppendOnlyChain } from './0002-audit-append-only-chain.js';

/** In order; a new migration is a new file appended here, never an edit of an applied one. */
export const migrations: Migration[] = [createAuditEvents, auditAppendOnlyChain];
export const MIGRATION_TABLE = 'audit_service_migrations';
