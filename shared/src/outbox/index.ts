// The transactional outbox: a change and its events committed together, relayed to RabbitMQ.
// Needs the database, like /data.
export * from './event-pipeline.js';
export * from './outbox.js';
export * from './outbox-metrics.js';
export * from './outbox-relay.js';
export * from './unit-of-work.js';
