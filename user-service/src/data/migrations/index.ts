import type { Migration } from '@secure-api/shared';

import { createUsers } from './0001-create-users.js';
import { userConstraints } from './0002-user-constraints.js';

/** In order; a new migration is a new file appended here, never an edit of an applied one. */
export const migrations: Migration[] = [createUsers, userConstraints];
export const MIGRATION_TABLE = 'user_service_migrations';
