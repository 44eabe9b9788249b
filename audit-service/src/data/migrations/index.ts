import type { Migration } from '@secure-api/shared/data';

import { createAuditEvents } from './0001-create-audit-events.js';
import { auditAppendOnlyChain } from './0002-audit-append-only-chain.js';
import { auditCheckpoints } from './0003-audit-checkpoints.js';

/** In order; a new migration is a new file appended here, never an edit of an applied one. */
export const migrations: Migration[] = [createAuditEvents, auditAppendOnlyChain, auditCheckpoints];
export const MIGRATION_TABLE = 'audit_service_migrations';
