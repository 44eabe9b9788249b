// The Redis client every service creates the same way (fail fast, reconnect forever).
export * from './redis.js';
