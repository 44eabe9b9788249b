import { z } from 'zod';

import { variable } from './define-config.js';
import {
  amqpUrl,
  cidrList,
  csv,
  databaseUrl,
  httpUrl,
  logLevel,
  nodeEnv,
  optionalFlag,
  port,
  positiveInt,
  rate,
  redisUrl,
} from './env-values.js';

// The variables more than one service reads, each described once for all of them.

/** What every service reads first. */
export const baseVariables = {
  nodeEnv: variable(
    'NODE_ENV',
    nodeEnv,
    '`development`, `test` or `production`. Production refuses the development conveniences (the production rules listed here) and turns `AUTO_MIGRATE` and `DOCS_ENABLED` off unless set.',
  ),
  logLevel: variable(
    'LOG_LEVEL',
    logLevel,
    'Log level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.',
  ),
  host: variable(
    'HOST',
    z.string().default('127.0.0.1'),
    'Address the HTTP listener binds: `0.0.0.0` in containers.',
  ),
  trustedProxies: variable(
    'TRUSTED_PROXIES',
    cidrList(''),
    'Comma-separated CIDRs (or single addresses) whose `X-Forwarded-For` is believed: the TLS front for the gateway, the gateway for the services (`npm start` gives the services 127.0.0.1, compose the gateway’s fixed address). Empty: the socket address is the client.',
  ),
  // Read by the OpenTelemetry SDK itself (with the other standard OTEL_* variables); declared here
  // so that a malformed URL fails the start-up and the variables are documented with the rest.
  tracing: {
    endpoint: variable(
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      httpUrl.optional(),
      'OpenTelemetry collector, OTLP over HTTP (protobuf), e.g. `http://otel-collector:4318`: spans go to `<url>/v1/traces`. With neither this nor `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` set, tracing is off and its SDK is not even loaded. The other standard `OTEL_*` variables apply too (`OTEL_TRACES_SAMPLER`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_RESOURCE_ATTRIBUTES`, …).',
      'unset: tracing off',
    ),
    tracesEndpoint: variable(
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
      httpUrl.optional(),
      'The full URL for spans, used as given (no `/v1/traces` appended); wins over `OTEL_EXPORTER_OTLP_ENDPOINT` for traces.',
      'unset',
    ),
    serviceName: variable(
      'OTEL_SERVICE_NAME',
      z.string().min(1).optional(),
      'The `service.name` of the spans.',
      'the service’s own name (`gateway`, `auth-service`, `user-service`, `audit-service`)',
    ),
  },
};

/** The port of a service's HTTP listener. */
export const listenPort = (name: string, fallback: number) =>
  variable(name, port(fallback), 'Port of the service’s HTTP listener; 0 takes any free port.');

export const sharedVariables = {
  databaseUrl: variable(
    'DATABASE_URL',
    databaseUrl,
    'PostgreSQL server. Each service appends its own database (`secure_api_auth`, `secure_api_users`, `secure_api_audit`) unless the URL names one.',
  ),
  redisUrl: variable(
    'REDIS_URL',
    redisUrl,
    'Redis: the revocation marks (every service), rate limits and lockout (gateway, auth).',
  ),
  amqpUrl: variable(
    'AMQP_URL',
    amqpUrl,
    'RabbitMQ, where security events go: auth and users relay their outbox, the gateway buffers, audit consumes. Give each service its own broker user: audit stores events only from the users `EVENT_PRODUCERS` names.',
  ),
  autoMigrate: variable(
    'AUTO_MIGRATE',
    optionalFlag(),
    'Create the database and run the migrations on start. In production run them as a job instead (`npm run migrate`).',
    'true (false in production)',
  ),
  corsOrigins: variable(
    'CORS_ORIGINS',
    csv('http://localhost:3000'),
    'Comma-separated browser origins: the gateway’s CORS allow-list, and the Origin check of auth’s refresh and logout.',
  ),
  redisKeyPrefix: variable(
    'REDIS_KEY_PREFIX',
    z
      .string()
      .regex(/^[A-Za-z0-9_:-]{0,64}$/, 'letters, digits, _ : - only')
      .default(''),
    'Prefix of every Redis key the service owns except the revocation marks, so several stacks (or test runs) share one Redis. Letters, digits, `_ : -`, at most 64.',
  ),
  retentionDays: variable(
    'RETENTION_DAYS',
    positiveInt(30, 3650),
    'Rows that are only history are deleted once older than this many days, in batches: events already delivered from the outbox (auth, users), and in auth-service sessions with their refresh tokens revoked or expired and mailed links used or expired. Live sessions and undelivered events are never touched.',
  ),
  loginRateLimit: variable(
    'LOGIN_RATE_LIMIT',
    rate('5/minute'),
    'Logins per client IP, as N/second, N/minute, N/hour or N/day: the initial value of the runtime security policy, which `/admin/config` changes.',
  ),
};
