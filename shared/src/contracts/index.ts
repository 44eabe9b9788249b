// The shapes two services agree on, each with the zod schema both sides parse with.
export * from './public-user.js';
export * from './security-policy.js';
export * from './user-counts.js';
