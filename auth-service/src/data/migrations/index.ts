import type { Migration } from '@secure-api/shared/data';

import { createCredentials } from './0001-create-credentials.js';
import { createSessions } from './0002-create-sessions.js';
import { createSigningKeys } from './0003-create-signing-keys.js';
import { createSecurityPolicy } from './0004-create-security-policy.js';
import { createTwoFactor } from './0005-create-two-factor.js';
import { createApiKeys } from './0006-create-api-keys.js';
import { createOutbox } from './0007-create-outbox.js';
import { addRefreshTokenSibling } from './0008-refresh-token-sibling.js';
import { createRecovery } from './0009-create-recovery.js';
import { addCredentialLastLogin } from './0010-credential-last-login.js';
import { addRetentionIndexes } from './0011-retention-indexes.js';
import { addOutboxTraceContext } from './0012-outbox-trace-context.js';

/** In order; a new migration is a new file appended here, never an edit of an applied one. */
export const migrations: Migration[] = [
  createCredentials,
  createSessions,
  createSigningKeys,
  createSecurityPolicy,
  createTwoFactor,
  createApiKeys,
  createOutbox,
  addRefreshTokenSibling,
  createRecovery,
  addCredentialLastLogin,
  addRetentionIndexes,
  addOutboxTraceContext,
];
export const MIGRATION_TABLE = 'auth_service_migrations';
