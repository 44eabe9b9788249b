// Publishing security events to RabbitMQ; no database (the gateway publishes from memory).
export * from './amqp-connection.js';
export * from './event-publisher.js';
