import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import amqp from 'amqplib';

import { AmqpConnection, EventPublisher, UnroutableEventError } from '@secure-api/shared';
import { captureLogger, EventTap, testUrls, uniqueName } from '@secure-api/shared/testing';

import { loginEvent } from './support/outbox-fixture.js';

describe('EventPublisher', () => {
  const logger = captureLogger('publisher-test').logger;
  let broker: AmqpConnection;
  let tap: EventTap;

  beforeAll(async () => {
    broker = new AmqpConnection(testUrls.amqp, logger);
    await broker.connect();
    tap = await EventTap.start();
  });

  afterAll(async () => {
    await tap.close();
    await broker.close();
  });

  it('resolves once the broker confirmed; the message is on every bound queue', async () => {
    const publisher = new EventPublisher(broker, logger);
    await publisher.start();
    const event = loginEvent();

    await publisher.publish(event);
    await publisher.close();

    expect(await tap.waitFor([event.id])).toBe(true);
    expect(tap.messagesFor([event.id])[0]?.body).toEqual(event);
  });

  it('rejects at once when not connected', async () => {
    const offline = new AmqpConnection(testUrls.amqp, logger);
    const publisher = new EventPublisher(offline, logger);
    await publisher.start();

    await expect(publisher.publish(loginEvent())).rejects.toThrow('not connected');
    expect(publisher.isReady).toBe(false);
  });

  it('rejects an event no queue would receive, instead of letting it vanish', async () => {
    const exchange = uniqueName('unbound');
    const publisher = new EventPublisher(broker, logger, { exchange });
    await publisher.start();

    await expect(publisher.publish(loginEvent())).rejects.toThrow(UnroutableEventError);

    await publisher.close();
    const connection = await amqp.connect(testUrls.amqp);
    const channel = await connection.createChannel();
    await channel.deleteExchange(exchange);
    await connection.close();
  });
});
