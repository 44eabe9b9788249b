import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import amqp from 'amqplib';

import { AmqpConnection, EventPublisher, UnroutableEventError } from '@secure-api/shared/messaging';
import {
  captureLogger,
  eventually,
  EventTap,
  testUrls,
  uniqueName,
} from '@secure-api/shared/testing';

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

  it('marks each message with the broker user it logs in as (user_id), which the broker checks', async () => {
    const publisher = new EventPublisher(broker, logger);
    await publisher.start();
    const event = loginEvent();

    await publisher.publish(event);
    await publisher.close();

    expect(broker.username).toBe('guest');
    expect(await tap.waitFor([event.id])).toBe(true);
    expect(tap.messagesFor([event.id])[0]?.userId).toBe('guest');
  });

  it('rejects an event no queue would receive, instead of letting it vanish', async () => {
    const exchange = await declareExchange(uniqueName('unbound'));
    const publisher = new EventPublisher(broker, logger, { exchange });
    await publisher.start();

    await expect(publisher.publish(loginEvent())).rejects.toThrow(UnroutableEventError);

    await publisher.close();
    await deleteExchange(exchange);
  });

  it('never declares the exchange: not ready until its owner declares it, then publishes', async () => {
    const exchange = uniqueName('not_yet');
    const logs = captureLogger('publisher-test');
    const publisher = new EventPublisher(broker, logs.logger, { exchange });
    await publisher.start();

    await expect(publisher.publish(loginEvent())).rejects.toThrow('not connected');
    expect(publisher.isReady).toBe(false);
    expect(await exchangeExists(exchange)).toBe(false);
    await declareExchange(exchange);
    expect(await eventually(() => Promise.resolve(publisher.isReady), 5000)).toBe(true);
    await expect(publisher.publish(loginEvent())).rejects.toThrow(UnroutableEventError);

    await publisher.close();
    await deleteExchange(exchange);
    const waits = logs.lines().filter((l) => String(l.msg).startsWith('exchange does not exist'));
    expect(waits).toHaveLength(1);
  });
});

async function onChannel<T>(work: (channel: amqp.Channel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(testUrls.amqp);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    return await work(channel);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function declareExchange(exchange: string): Promise<string> {
  await onChannel((c) => c.assertExchange(exchange, 'topic', { durable: true }));
  return exchange;
}

async function deleteExchange(exchange: string): Promise<void> {
  await onChannel((c) => c.deleteExchange(exchange));
}

async function exchangeExists(exchange: string): Promise<boolean> {
  return onChannel((c) => c.checkExchange(exchange)).then(
    () => true,
    () => false,
  );
}
