import { runService } from '@secure-api/shared/lifecycle';

import { startServer } from './api/server.js';
import { readConfig } from './config.js';

await runService({ name: 'user-service', readConfig, start: startServer });
