import { createLocalJWKSet } from 'jose';

import { accessTokenVerifier, authenticate } from '@secure-api/shared/auth';
import { databaseCheck, openDatabase } from '@secure-api/shared/data';
import {
  createCounter,
  createMetrics,
  createServiceApp,
  listen,
  Readiness,
  ResourceStack,
  watchDatabasePool,
  watchRedis,
} from '@secure-api/shared/lifecycle';
import { createLogger, type Logger } from '@secure-api/shared/logging';
import { startEventPipeline, watchOutbox } from '@secure-api/shared/outbox';
import { redisCheck, openRedis } from '@secure-api/shared/redis';

import type { Config } from '../config.js';
import { createMailMetrics } from '../data/mail-metrics.js';
import { MailRelay, smtpTransport } from '../data/mail-relay.js';
import { RetentionPurger } from '../data/retention.js';
import { MIGRATION_TABLE, migrations } from '../data/migrations/index.js';
import { BackgroundWork } from './background-work.js';
import { buildAuthComponents } from './dependencies.js';
import { accountRoutes } from './routes/accounts.routes.js';
import { adminRoutes } from './routes/admin.routes.js';
import { apiKeyRoutes } from './routes/api-keys.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { internalRoutes } from './routes/internal.routes.js';
import { jwksRoutes } from './routes/jwks.routes.js';
import { passwordRoutes } from './routes/password.routes.js';
import { recoveryRoutes } from './routes/recovery.routes.js';
import { sessionRoutes } from './routes/sessions.routes.js';
import { twoFactorRoutes } from './routes/two-factor.routes.js';

export interface RunningAuthService {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function startServer(
  config: Config,
  logger: Logger = createLogger({ service: 'auth-service', level: config.logLevel }),
): Promise<RunningAuthService> {
  return new ResourceStack().startWith((resources) => start(config, logger, resources));
}

async function start(
  config: Config,
  logger: Logger,
  resources: ResourceStack,
): Promise<RunningAuthService> {
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
  const redis = resources.open(await openRedis(config.redisUrl, logger), (client) => {
    client.disconnect();
  });

  const metrics = createMetrics('auth-service');
  const purged = createCounter(metrics, {
    name: 'retention_purged_rows_total',
    help: 'Rows past RETENTION_DAYS deleted by the retention purges, by table',
    labelNames: ['table'] as const,
  });
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
  watchRedis(metrics, redis);
  watchDatabasePool(metrics, sequelize);
  watchOutbox(metrics, sequelize);
  const deps = await buildAuthComponents(config, sequelize, redis, events.uow, metrics);
  const transport = smtpTransport({
    url: config.mail.smtpUrl,
    from: config.mail.from,
    requireTls: config.mail.requireTls && config.mail.smtpUrl.startsWith('smtp:'),
  });
  const relay = resources.open(
    new MailRelay({
      outbox: deps.mailbox,
      transport,
      logger,
      metrics: createMailMetrics(metrics, deps.mailbox),
    }),
    (running) => running.stop(),
  );
  deps.mailbox.whenQueued(() => {
    relay.nudge();
  });
  relay.start();
  const background = resources.open(new BackgroundWork(logger), (work) => work.drain());
  const retention = resources.open(
    new RetentionPurger({ sequelize, logger, purged }, { keepDays: config.retentionDays }),
    (purger) => purger.stop(),
  );
  retention.start();
  const { signer, revocation } = deps;
  // The gateway reads the login rate limit from Redis: mirror the persisted policy on start.
  await deps.policies.publish();
  // auth-service verifies its own tokens against its own key ring, revocation included.
  const verifier = accessTokenVerifier(createLocalJWKSet(signer.jwks()));
  const bearer = authenticate(verifier, revocation);
  // Account management needs the person: tokens minted for API keys are refused there.
  const person = authenticate(verifier, revocation, { interactiveOnly: true });

  const readiness = new Readiness({ database: databaseCheck(sequelize), redis: redisCheck(redis) });
  const app = createServiceApp({
    logger,
    metrics,
    readiness,
    trustedProxies: config.trustedProxies,
    routes: (app) => {
      app.use(jwksRoutes(signer));
      app.use(
        authRoutes({
          deps,
          verifier,
          bearer: person,
          cookieSecure: config.cookieSecure,
          corsOrigins: config.corsOrigins,
        }),
      );
      app.use(sessionRoutes(deps, person));
      app.use(passwordRoutes(deps, person));
      app.use(recoveryRoutes(deps, person, background));
      app.use(accountRoutes(deps, bearer));
      app.use(internalRoutes(deps, bearer));
      app.use(adminRoutes(deps, bearer));
      app.use(twoFactorRoutes(deps, person));
      app.use(apiKeyRoutes(deps, person));
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
      // The server, the event pipeline, Redis, the database: the reverse of the opening order.
      await resources.close();
    },
  };
}
