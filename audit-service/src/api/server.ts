import {
  accessTokenVerifier,
  authenticate,
  remoteKeySet,
  RevocationStore,
} from '@secure-api/shared/auth';
import { databaseCheck, openDatabase } from '@secure-api/shared/data';
import {
  createMetrics,
  createServiceApp,
  listen,
  Readiness,
  ResourceStack,
  requireDependency,
  revocationChecksCounter,
  watchDatabasePool,
  watchRedis,
} from '@secure-api/shared/lifecycle';
import { createLogger, fixedFieldLines, type Logger } from '@secure-api/shared/logging';
import { AmqpConnection } from '@secure-api/shared/messaging';
import { redisCheck, openRedis } from '@secure-api/shared/redis';

import { UserServiceClient } from '../clients/user-service.client.js';
import type { Config } from '../config.js';
import { AuditEventRepository } from '../data/audit-event.repository.js';
import { createChainMetrics } from '../data/chain-metrics.js';
import { ChainRepository } from '../data/chain.repository.js';
import { VerifyJobRepository } from '../data/verify-job.repository.js';
import { MIGRATION_TABLE, migrations } from '../data/migrations/index.js';
import { AuditQueries } from '../domain/audit-query.use-case.js';
import { IncrementalVerification } from '../domain/chain-verification.use-case.js';
import {
  CheckpointKeys,
  developmentCheckpointKey,
  parseCheckpointKeys,
} from '../domain/checkpoint.js';
import { FullWalks } from '../domain/full-walk.use-case.js';
import { PeriodicVerification } from '../domain/periodic-verification.js';
import { EventIngest } from '../domain/event-ingest.use-case.js';
import { unenforcedProducers } from '../domain/producer-provenance.js';
import { StatsUseCases } from '../domain/stats.use-case.js';
import { AuditConsumer } from '../messaging/audit-consumer.js';
import { createConsumerMetrics } from '../messaging/consumer-metrics.js';
import { QueueDepths } from '../messaging/queue-metrics.js';
import { auditRoutes } from './routes/audit.routes.js';
import { statsRoutes } from './routes/stats.routes.js';
import { verificationRoutes } from './routes/verification.routes.js';

export interface RunningAuditService {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function startServer(
  config: Config,
  logger: Logger = createLogger({ service: 'audit-service', level: config.logLevel }),
): Promise<RunningAuditService> {
  return new ResourceStack().startWith((resources) => start(config, logger, resources));
}

async function start(
  config: Config,
  logger: Logger,
  resources: ResourceStack,
): Promise<RunningAuditService> {
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
  warnIfProvenanceUnenforced(config, logger);
  const broker = resources.open(new AmqpConnection(config.amqpUrl, logger), (connection) =>
    connection.close(),
  );
  await requireDependency('RabbitMQ', config.amqpUrl, () => broker.connect());
  const metrics = createMetrics('audit-service');
  watchRedis(metrics, redis);
  watchDatabasePool(metrics, sequelize);
  const store = new AuditEventRepository(sequelize);
  const consumer = new AuditConsumer(
    broker,
    // The SIEM line is the stored event, schema-checked: no field of it is named like a secret
    // (shared/test/event-field-names.unit.test.ts), so the redactor would never change it.
    new EventIngest(store, fixedFieldLines(logger), config.eventProducers),
    logger,
    createConsumerMetrics(metrics),
    {
      queue: config.auditQueue,
      deadLetterQueue: config.deadLetterQueue,
      prefetch: config.prefetch,
    },
  );
  await consumer.start();
  resources.open(consumer, (started) => started.stop());
  const queues = resources.open(
    new QueueDepths(metrics, { events: config.auditQueue, deadLetter: config.deadLetterQueue }),
    (depths) => depths.close(),
  );
  await queues.start(broker);
  const keys = checkpointKeys(config, logger);
  const chain = new ChainRepository(sequelize);
  const verified = createChainMetrics(metrics);
  const fullWalks = resources.open(
    new FullWalks(chain, new VerifyJobRepository(sequelize), keys, logger, verified),
    (walks) => walks.stop(),
  );
  const incremental = new IncrementalVerification(chain, keys, verified);
  resources
    .open(
      new PeriodicVerification(incremental, chain, logger, config.verifyIntervalSeconds * 1000),
      (periodic) => periodic.stop(),
    )
    .start();

  // Signature, claims and revocation again: this service is reachable without the gateway.
  const authenticated = authenticate(
    accessTokenVerifier(remoteKeySet(config.authJwksUrl)),
    new RevocationStore(redis, revocationChecksCounter(metrics)),
  );
  const users = new UserServiceClient({
    baseUrl: config.userServiceUrl,
    timeoutMs: config.userServiceTimeoutMs,
    logger,
  });
  const readiness = new Readiness({
    database: databaseCheck(sequelize),
    redis: redisCheck(redis),
    broker: broker.check(),
  });
  const app = createServiceApp({
    logger,
    metrics,
    readiness,
    trustedProxies: config.trustedProxies,
    routes: (app) => {
      app.use(auditRoutes(authenticated, new AuditQueries(store)));
      app.use(
        verificationRoutes(authenticated, {
          incremental,
          fullWalks,
          chain,
          publicKeys: keys.publicJwks,
        }),
      );
      app.use(statsRoutes(authenticated, new StatsUseCases(store, users)));
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
      // The server, the consumer, the broker, Redis, the database: the reverse of the opening order.
      await resources.close();
    },
  };
}

// Development and tests run every service as guest: say loudly that nothing is proven then.
function warnIfProvenanceUnenforced(config: Config, logger: Logger): void {
  const anySource = unenforcedProducers(config.eventProducers);
  if (anySource.length === 0) return;
  logger.warn(
    { broker_users: anySource },
    'EVENT PROVENANCE IS NOT ENFORCED: these broker users may publish events of any source (EVENT_PRODUCERS); production refuses this',
  );
}

// Production refuses a missing AUDIT_SIGNING_KEYS; elsewhere the development key signs, loudly.
function checkpointKeys(config: Config, logger: Logger): CheckpointKeys {
  if (config.checkpointKeys) return new CheckpointKeys(parseCheckpointKeys(config.checkpointKeys));
  logger.warn(
    'AUDIT CHECKPOINTS ARE SIGNED WITH THE PUBLIC DEVELOPMENT KEY: they prove nothing (AUDIT_SIGNING_KEYS); production refuses this',
  );
  return new CheckpointKeys([developmentCheckpointKey()]);
}
