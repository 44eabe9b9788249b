import path from 'node:path';

// One jest project per workspace. Tests run as native ESM (jest --experimental-vm-modules) so the
// ESM-only libraries (jose) load exactly as they do in production; swc strips the types.
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const project = (dir) => ({
  displayName: dir,
  rootDir: path.join(import.meta.dirname, dir),
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    // Each subpath entry point is its folder's index.ts (the testing one exists only as source).
    '^@secure-api/shared/(.*)$': '<rootDir>/../shared/src/$1/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
});

// The system tests import the four services by package name; jest reads them from their sources.
const e2e = project('e2e');
e2e.setupFilesAfterEnv = ['<rootDir>/support/test-timeout.ts'];
e2e.moduleNameMapper = {
  '^@secure-api/(gateway|auth-service|user-service|audit-service)/(.*)\\.js$':
    '<rootDir>/../$1/src/$2',
  ...e2e.moduleNameMapper,
};

// Repository-level checks in test/: Dockerfiles, docker-compose.yml, the rendered k8s overlays and
// what git tracks. Their own roots, so jest does not crawl the workspaces or node_modules.
const repo = {
  displayName: 'repo',
  rootDir: import.meta.dirname,
  roots: ['<rootDir>/test'],
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  // scripts/openapi builds the document from the services' schema modules, which import shared.
  moduleNameMapper: {
    '^@secure-api/shared/(.*)$': '<rootDir>/shared/src/$1/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};

// `npm run test:unit` (scripts/test.mjs --unit) selects only `*.unit.test.ts` files, which need no
// PostgreSQL, Redis or RabbitMQ: the global setup that finds or starts them is left out.
const dependencies =
  process.env.SECURE_API_TEST_LANE === 'unit'
    ? {}
    : {
        globalSetup: path.join(import.meta.dirname, 'scripts/jest-global-setup.mjs'),
        globalTeardown: path.join(import.meta.dirname, 'scripts/jest-global-teardown.mjs'),
      };

export default {
  projects: [
    ...['shared', 'gateway', 'auth-service', 'user-service', 'audit-service'].map(project),
    e2e,
    repo,
  ],
  ...dependencies,
  testTimeout: 30000,
  maxWorkers: 2,
};
