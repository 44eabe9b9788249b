// Express building blocks: problem details, the error handler, request context, validation.
export * from './app-error.js';
export * from './call-service.js';
export * from './client-ip.js';
export * from './dependency-outage.js';
export * from './error-handler.js';
export * from './json-body.js';
export * from './problem.js';
export * from './request-context.js';
export * from './security-headers.js';
export * from './validate.js';
