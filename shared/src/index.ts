// The whole package in one entry point, kept while code still imports it; new code imports the
// subpath it needs (`@secure-api/shared/http`, `/auth`, ...) so a process loads only that.
export * from './accounts/index.js';
export * from './auth/index.js';
export * from './config/index.js';
export * from './contracts/index.js';
export * from './data/index.js';
export * from './events/index.js';
export * from './http/index.js';
export * from './lifecycle/index.js';
export * from './logging/index.js';
export * from './messaging/index.js';
export * from './outbox/index.js';
export * from './redis/index.js';
