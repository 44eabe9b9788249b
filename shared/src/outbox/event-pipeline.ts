import type { Sequelize } from 'sequelize';

import type { Logger } from '../logging/logger.js';
import { AmqpConnection } from '../messaging/amqp-connection.js';
import { EventPublisher } from '../messaging/event-publisher.js';
import { OutboxRelay } from './outbox-relay.js';
import { UnitOfWork } from './unit-of-work.js';

export interface EventPipeline {
  /** Changes and their events, committed together. */
  uow: UnitOfWork;
  close(): Promise<void>;
}

/**
 * A producing service's events: written to its outbox with the change, relayed to RabbitMQ with
 * publisher confirms. The broker is not a start-up dependency — while it is away events wait in
 * the outbox and the service keeps serving.
 */
export async function startEventPipeline(options: {
  amqpUrl: string;
  sequelize: Sequelize;
  logger: Logger;
  pollIntervalMs?: number;
  /** Delivered events are kept this long in the outbox, then deleted. */
  retentionDays?: number;
  /** Told how many delivered rows each purge deleted. */
  onPurged?: (rows: number) => void;
}): Promise<EventPipeline> {
  const broker = new AmqpConnection(options.amqpUrl, options.logger);
  const publisher = new EventPublisher(broker, options.logger);
  await publisher.start();
  broker.connectInBackground();
  const relay = new OutboxRelay(
    {
      sequelize: options.sequelize,
      publisher,
      logger: options.logger,
      ...(options.onPurged && { onPurged: options.onPurged }),
    },
    {
      pollIntervalMs: options.pollIntervalMs ?? 500,
      ...(options.retentionDays !== undefined && {
        retentionMs: options.retentionDays * 24 * 3600_000,
      }),
    },
  );
  relay.start();
  const uow = new UnitOfWork(options.sequelize, () => {
    relay.nudge();
  });
  return {
    uow,
    close: async () => {
      await relay.stop();
      await publisher.close();
      await broker.close();
    },
  };
}
