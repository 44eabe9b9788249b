// Tokens, API keys, revocation and the RBAC matrix: what every service checks a caller with.
export * from './api-key.js';
export * from './bearer.js';
export * from './rbac.js';
export * from './revocation-store.js';
export * from './token-claims.js';
export * from './token-verifier.js';
