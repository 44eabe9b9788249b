import { startTracing } from '@secure-api/shared/telemetry';

// Tracing first, the service after: the instrumentations patch http, express, pg, ioredis and
// amqplib as they load, so everything else is imported only now. Off, and the SDK not even loaded,
// unless an OTLP endpoint is configured.
const tracing = await startTracing('auth-service');

const { runService } = await import('@secure-api/shared/lifecycle');
const { startServer } = await import('./api/server.js');
const { readConfig } = await import('./config.js');

await runService({ name: 'auth-service', readConfig, start: startServer, tracing });
