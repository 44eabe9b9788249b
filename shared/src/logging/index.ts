// The one pino logger, carrying the request context on every line.
export * from './logger.js';
