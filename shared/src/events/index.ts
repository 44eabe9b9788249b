export * from './canonical-json.js';
export * from './catalog.js';
export * from './envelope.js';
export { maskEmail } from './mask-email.js';
export * from './security-event.js';
