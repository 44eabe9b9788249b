// Reading and validating process.env once, and the values production refuses.
export * from './load-config.js';
export * from './production-rules.js';
