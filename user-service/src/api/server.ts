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
  createMetrics,
  createServiceApp,
  listen,
  Readiness,
  type RunningServer,
} from '@secure-api/shared/lifecycle';
import { createLogger, type Logger } from '@secure-api/shared/logging';
import { startEventPipeline } from '@secure-api/shared/outbox';
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

export async function startServer(
  config: Config,
  logger: Logger = createLogger({ service: 'user-service', level: config.logLevel }),
): Promise<RunningUserService> {
  const sequelize = await openDatabase({
    url: config.databaseUrl,
    migrations,
    migrationTable: MIGRATION_TABLE,
    autoMigrate: config.autoMigrate,
    logger,
  });
  const redis = await openRedis(config.redisUrl, logger).catch(async (error: unknown) => {
    await sequelize.close();
    throw error;
  });
  // Events go to the outbox with each change; the broker may come later (not a start-up need).
  const events = await startEventPipeline({ amqpUrl: config.amqpUrl, sequelize, logger });

  const users = new UserRepository(sequelize, defineUserModel(sequelize), events.uow);
  const credentials = new AuthServiceClient({
    baseUrl: config.authServiceUrl,
    timeoutMs: config.authServiceTimeoutMs,
    logger,
  });
  const keys = remoteKeySet(config.authJwksUrl);
  const revocations = new RevocationStore(redis);
  // Signature, claims and revocation again: this service is reachable without the gateway.
  const authenticated = authenticate(accessTokenVerifier(keys), revocations);
  const serviceOnly = requireServiceToken(serviceTokenVerifier(keys, USER_SERVICE_AUDIENCE));

  const metrics = createMetrics('user-service');
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
  const releaseConnections = async () => {
    // The relay first: it needs the database for its last cycle.
    await events.close();
    await redis.quit().catch(() => {
      redis.disconnect();
    });
    await sequelize.close();
  };
  let server: RunningServer;
  try {
    server = await listen(app, { port: config.port, host: config.host });
  } catch (error) {
    await releaseConnections();
    throw error;
  }
  return {
    url: server.url,
    port: server.port,
    close: async () => {
      readiness.startDraining();
      await server.close();
      await releaseConnections();
    },
  };
}
