// What tests share: throwaway dependencies, log capture, polling, a TCP proxy for cutting
// connections, a token issuer, a tap on the security-events exchange and an SMTP mail catcher.
export * from './capture-logger.js';
export * from './config-problems.js';
export * from './event-tap.js';
export * from './eventually.js';
export * from './mail-catcher.js';
export * from './metrics-scrape.js';
export * from './ports.js';
export * from './system-env.js';
export * from './tcp-proxy.js';
export * from './test-dependencies.js';
export * from './token-issuer.js';
