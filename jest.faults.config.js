import path from 'node:path';

// `npm run test:faults`: fault-injection tests and the bounded soak (gateway/test/faults). They
// cut dependencies, kill and signal services and run for minutes, so `npm test` (jest.config.js,
// `*.test.ts`) does not select them: their files end in `.faults.ts`. `.ci/run` runs them after
// the build (the SIGTERM, kill and soak tests spawn the built services).
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

export default {
  displayName: 'faults',
  rootDir: path.join(import.meta.dirname, 'gateway'),
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/faults/**/*.faults.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    // Each subpath entry point is its folder's index.ts (the testing one exists only as source).
    '^@secure-api/shared/(.*)$': '<rootDir>/../shared/src/$1/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  globalSetup: path.join(import.meta.dirname, 'scripts/jest-global-setup.mjs'),
  globalTeardown: path.join(import.meta.dirname, 'scripts/jest-global-teardown.mjs'),
  testTimeout: 60_000,
  maxWorkers: 2,
};
