import { migrateService } from '@secure-api/shared/data';

import { readConfig } from './config.js';
import { MIGRATION_TABLE, migrations } from './data/migrations/index.js';

await migrateService({
  name: 'auth-service',
  readConfig,
  migrations,
  migrationTable: MIGRATION_TABLE,
});
