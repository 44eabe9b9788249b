import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { repoRoot } from './support/kubernetes.js';

const DOCS = [
  'README.md',
  'SECURITY.md',
  'DEVELOP.md',
  ...readdirSync(path.join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

// What a backticked span must look like to be taken for a path: a top-level entry of this
// repository followed by one or more plain segments. Placeholders (`<service>/Dockerfile`),
// globs and URLs are left alone.
const TOP_LEVEL = new Set(readdirSync(repoRoot));
const SEGMENT = /^[\w.@-]+$/;
// Build output exists only after `npm run build`; `npm test` on a fresh clone must not need one.
const BUILD_OUTPUT = new Set(['dist', 'node_modules']);

function pathLike(span: string): boolean {
  const segments = span.replace(/\/$/, '').split('/');
  return segments.length > 1 && segments.every((segment) => SEGMENT.test(segment));
}

/** Every `a/b/c` span of a document whose first segment names something at the repository root. */
function repositoryPaths(text: string): string[] {
  return [...text.matchAll(/`([^`\s]+)`/g)]
    .map((match) => match[1] ?? '')
    .filter((span) => pathLike(span) && TOP_LEVEL.has(span.split('/')[0] ?? ''))
    .filter((span) => !span.split('/').some((segment) => BUILD_OUTPUT.has(segment)));
}

describe('paths the documentation names', () => {
  it.each(DOCS.filter((doc) => existsSync(path.join(repoRoot, doc))))(
    '%s names only files and folders that exist',
    (doc) => {
      const text = readFileSync(path.join(repoRoot, doc), 'utf8');

      const missing = repositoryPaths(text).filter(
        (named) => !existsSync(path.join(repoRoot, named.replace(/\/$/, ''))),
      );

      expect(missing).toEqual([]);
    },
  );

  it('takes repository paths for paths, and leaves placeholders, globs and URLs alone', () => {
    expect(
      repositoryPaths(
        '`gateway/src/api/proxy.ts` `docs/` `<service>/Dockerfile` `k8s/base/*.yaml` `http://x/y` `a/b` `shared/dist/index.js`',
      ),
    ).toEqual(['gateway/src/api/proxy.ts']);
  });
});
