// How every service starts, reports readiness and metrics, and stops.
export * from './counters.js';
export * from './dependency-error.js';
export * from './dependency-metrics.js';
export * from './http-server.js';
export * from './metrics.js';
export * from './polling-loop.js';
export * from './readiness.js';
export * from './resource-stack.js';
export * from './run-service.js';
export * from './service-app.js';
export * from './shutdown.js';
