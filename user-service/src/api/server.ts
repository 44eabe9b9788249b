import {
  accessTokenVerifier,
  authenticate,
  remoteKeySet,
  RevocationStore,
  serviceTokenVerifier,
  USER_SERVICE_AUDIENCE,
} from '@secure-api/shared/auth';
import { databaseCheck, openDatabase } from '@secure-api/shared/data';
import {
  createCounter,
  createMetrics,
  createServiceApp,
  listen,
  Readiness,
  ResourceStack,
  revocationChecksCounter,
  watchDatabasePool,
  watchRedis,
} from '@secure-api/shared/lifecycle';
import { createLogger, type Logger } from '@secure-api/shared/logging';
import { startEventPipeline, watchOutbox } from '@secure-api/shared/outbox';
import { redisCheck, openRedis } from '@secure-api/shared/redis';

import { AuthServiceClient } from '../clients/auth-service.client.js';
import type { Config } from '../config.js';
import { MIGRATION_TABLE, migrations } from '../data/migrations/index.js';
import { defineUserModel } from '../data/models/user.model.js';
import { UserRepository } from '../data/user.repository.js';
import { ProfileUseCases } from '../domain/profile.use-case.js';
import { ProvisioningUseCases } from '../domain/provisioning.use-case.js';
import { UserAdminUseCases } from '../domain/user-admin.use-case.js';
import { requireServiceToken } from './middleware/service-token.js';
import { internalUsersRoutes } from './routes/internal-users.routes.js';
import { meRoutes } from './routes/me.routes.js';
import { statsRoutes } from './routes/stats.routes.js';
import { usersRoutes } from './routes/users.routes.js';

export interface RunningUserService {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function startServer(
  config: Config,
  logger: Logger = createLogger({ service: 'user-service', level: config.logLevel }),
): Promise<RunningUserService> {
  return new ResourceStack().startWith((resources) => start(config, logger, resources));
}

async function start(
  config: Config,
  logger: Logger,
  resources: ResourceStack,
): Promise<RunningUserService> {
  const sequelize = resources.open(
    await openDatabase({
      url: config.databaseUrl,
      migrations,
      migrationTable: MIGRATION_TABLE,
      autoMigrate: config.autoMigrate,
      logger,
    }),
    (db) => db.close(),
  );
  const redis = resources.open(await openRedis(config.redisUrl, logger), (client) =>
    client.quit().catch(() => {
      client.disconnect();
    }),
  );
  const metrics = createMetrics('user-service');
  watchRedis(metrics, redis);
  watchDatabasePool(metrics, sequelize);
  watchOutbox(metrics, sequelize);
  const purged = createCounter(metrics, {
    name: 'retention_purged_rows_total',
    help: 'Rows past RETENTION_DAYS deleted by the retention purges, by table',
    labelNames: ['table'] as const,
  });
  // Events go to the outbox with each change; the broker may come later (not a start-up need).
  // Closed before the database: the relay needs it for its last cycle.
  const events = resources.open(
    await startEventPipeline({
      amqpUrl: config.amqpUrl,
      sequelize,
      logger,
      retentionDays: config.retentionDays,
      onPurged: (rows) => {
        purged.inc({ table: 'outbox_events' }, rows);
      },
    }),
    (pipeline) => pipeline.close(),
  );

  const users = new UserRepository(sequelize, defineUserModel(sequelize), events.uow);
  const credentials = new AuthServiceClient({
    baseUrl: config.authServiceUrl,
    timeoutMs: config.authServiceTimeoutMs,
    logger,
  });
  const keys = remoteKeySet(config.authJwksUrl);
  const revocations = new RevocationStore(redis, revocationChecksCounter(metrics));
  // Signature, claims and revocation again: this service is reachable without the gateway.
  const authenticated = authenticate(accessTokenVerifier(keys), revocations);
  const serviceOnly = requireServiceToken(serviceTokenVerifier(keys, USER_SERVICE_AUDIENCE));

  const readiness = new Readiness({
    database: databaseCheck(sequelize),
    redis: redisCheck(redis),
  });
  const app = createServiceApp({
    logger,
    metrics,
    readiness,
    trustedProxies: config.trustedProxies,
    routes: (app) => {
      app.use(meRoutes(authenticated, new ProfileUseCases(users, credentials, events.uow)));
      app.use(
        usersRoutes(
          authenticated,
          new UserAdminUseCases(users, revocations, credentials, events.uow),
        ),
      );
      app.use(statsRoutes(authenticated, users)); // before /internal/users/:id
      app.use(internalUsersRoutes(serviceOnly, new ProvisioningUseCases(users)));
    },
  });
  const server = resources.open(
    await listen(app, { port: config.port, host: config.host }),
    (running) => running.close(),
  );
  return {
    url: server.url,
    port: server.port,
    close: async () => {
      readiness.startDraining();
      // The server, the event relay, Redis, the database: the reverse of the opening order.
      await resources.close();
    },
  };
}
