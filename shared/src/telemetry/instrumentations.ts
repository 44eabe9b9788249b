import type { IncomingMessage } from 'node:http';

import type { Instrumentation } from '@opentelemetry/instrumentation';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import type * as PgModule from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

// Probes and scrapes arrive every few seconds and answer nothing an operator traces.
const UNTRACED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

/**
 * What is traced: HTTP in and out (node:http for servers and the gateway's proxy, undici for the
 * services' fetch calls), Express routing, PostgreSQL, Redis and RabbitMQ. No request or response
 * header is ever recorded, so neither Authorization nor cookies reach a span; database and Redis
 * spans only inside a request or a message (not the pollers' idle rounds), Redis with the command
 * name alone (its arguments are keys and values).
 */
export async function createInstrumentations(): Promise<Instrumentation[]> {
  return [
    ...(await databaseInstrumentations()),
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request: IncomingMessage) =>
        UNTRACED_PATHS.test(request.url ?? ''),
      headersToSpanAttributes: {},
    }),
    new UndiciInstrumentation(),
    // Route handlers only: a span per middleware and router layer is noise on every request.
    new ExpressInstrumentation({
      ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER],
    }),
    new IORedisInstrumentation({
      requireParentSpan: true,
      dbStatementSerializer: (command) => command,
    }),
    new AmqplibInstrumentation(),
  ];
}

/**
 * PostgreSQL's, in the services that have a database: they declare the pg instrumentation beside
 * pg itself, and the gateway, which has neither, installs no pg package at all.
 */
async function databaseInstrumentations(): Promise<Instrumentation[]> {
  let module: typeof PgModule;
  try {
    // eslint-disable-next-line import-x/no-extraneous-dependencies -- declared by each service with a database
    module = await import('@opentelemetry/instrumentation-pg');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') return [];
    throw error;
  }
  return [
    new module.PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
  ];
}
