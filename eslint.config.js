import path from 'node:path';

import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import security from 'eslint-plugin-security';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;
const SERVICES = ['gateway', 'auth-service', 'user-service', 'audit-service'];
const WORKSPACES = ['shared', ...SERVICES, 'e2e'];
const DATABASE_SERVICES = ['auth-service', 'user-service', 'audit-service'];

/** The layer rules of DEVELOP.md, per service: what each folder of its src may not import. */
const layerZones = (service) => {
  const src = `./${service}/src`;
  return [
    {
      target: `${src}/domain`,
      from: ['api', 'data', 'clients', 'messaging'].map((layer) => `${src}/${layer}`),
      message: 'domain/ holds the rules; it declares ports for what it needs instead.',
    },
    {
      target: `${src}/data`,
      from: `${src}/api`,
      message: 'data/ serves the domain; it never reaches up into api/.',
    },
    {
      target: src,
      from: SERVICES.filter((other) => other !== service).map((other) => `./${other}`),
      message: 'a service never imports another service; share through @secure-api/shared.',
    },
  ];
};

// Services reach shared through its package entry points, never by a path into its files.
const SHARED_BY_NAME = {
  patterns: [
    {
      regex: '^\\.{1,2}/(.*/)?shared/',
      message: 'import @secure-api/shared (or one of its subpaths) by package name.',
    },
  ],
};

// The gateway has no database: these entry points load Sequelize, pg and umzug.
const DATABASE_ENTRIES = ['data', 'outbox'].map((subpath) => ({
  name: `@secure-api/shared/${subpath}`,
  message: 'the gateway has no database; this would load Sequelize, pg and umzug.',
}));

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'coverage/**', '.data/**'] },
  js.configs.recommended,
  security.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.ts'],
    extends: [importX.flatConfigs.typescript],
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      // The typescript preset turns this on; tsc already reports what cannot be resolved.
      'import-x/no-unresolved': 'off',
      'import-x/no-cycle': 'error',
      'import-x/no-extraneous-dependencies': ['error', { packageDir: [root] }],
      // node: built-ins, then packages, then shared, then this workspace's own files.
      'import-x/order': [
        'error',
        {
          groups: ['builtin', 'external', 'internal', ['parent', 'sibling', 'index']],
          pathGroups: [{ pattern: '@secure-api/**', group: 'internal' }],
          pathGroupsExcludedImportTypes: ['builtin'],
          'newlines-between': 'always',
        },
      ],
    },
  },
  ...WORKSPACES.map((workspace) => ({
    files: [`${workspace}/**/*.ts`],
    rules: {
      // A workspace's own code uses only what its package.json declares; its tests may also use
      // the repository's dev dependencies (jest, supertest).
      'import-x/no-extraneous-dependencies': [
        'error',
        { packageDir: [path.join(root, workspace), root] },
      ],
    },
  })),
  ...WORKSPACES.map((workspace) => ({
    files: [`${workspace}/src/**/*.ts`],
    rules: {
      'import-x/no-extraneous-dependencies': [
        'error',
        { packageDir: [path.join(root, workspace)], devDependencies: false },
      ],
    },
  })),
  {
    // shared's data and outbox entry points run only inside the services that own a database, and
    // those services declare pg, sequelize and umzug. shared itself must not name them, not even
    // as an optional peer: `npm ci --workspace shared --workspace gateway` (the gateway image)
    // installs whatever a workspace's package.json points at. test/package-split.test.ts checks
    // that every service importing these entry points declares what they import.
    files: ['shared/src/data/**/*.ts', 'shared/src/outbox/**/*.ts'],
    rules: {
      'import-x/no-extraneous-dependencies': [
        'error',
        {
          packageDir: [
            path.join(root, 'shared'),
            ...DATABASE_SERVICES.map((s) => path.join(root, s)),
          ],
          devDependencies: false,
        },
      ],
    },
  },
  {
    // @secure-api/shared/testing is never built into dist/ (shared/tsconfig.json excludes it), so
    // it may use the dev dependencies tests use (smtp-server, mailparser), shared's or the root's.
    files: ['shared/src/testing/**/*.ts'],
    rules: {
      'import-x/no-extraneous-dependencies': [
        'error',
        { packageDir: [path.join(root, 'shared'), root], devDependencies: true },
      ],
    },
  },
  {
    files: ['*/src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        { basePath: root, zones: SERVICES.flatMap(layerZones) },
      ],
    },
  },
  {
    // Tests and the e2e workspace too: shared is reached by name.
    files: [...SERVICES, 'e2e'].map((dir) => `${dir}/**/*.ts`),
    rules: { 'no-restricted-imports': ['error', SHARED_BY_NAME] },
  },
  {
    files: ['gateway/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { ...SHARED_BY_NAME, paths: DATABASE_ENTRIES }],
    },
  },
  {
    files: ['**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Tests build URLs and paths from their own constants.
      'security/detect-non-literal-fs-filename': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
);
