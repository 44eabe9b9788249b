// `--compare <rev>`: the revision to compare with, checked out and built once in its own git
// worktree under /tmp, kept for the next run (a rerun against the same commit skips npm ci and
// the build). Both stacks then run from their own checkout's dist/.
/* eslint-disable security/detect-non-literal-fs-filename -- paths under its own temp directory */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ROOT } from './stack.mjs';

function run(command, args, cwd, log) {
  log(`${path.basename(cwd)}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd}`);
}

function git(args) {
  const result = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** The full commit id of `rev` and a one-line description, e.g. for the report's heading. */
export function describeRevision(rev, cwd = ROOT) {
  const result = spawnSync('git', ['log', '-1', '--format=%H%x09%h %s', rev], {
    cwd,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`unknown revision ${rev}: ${result.stderr.trim()}`);
  const [sha, subject] = result.stdout.trim().split('\t');
  return { sha, subject };
}

/**
 * The built checkout of `rev`: /tmp/secure-api-bench-rev-<sha>, made with `git worktree add
 * --detach`, `npm ci` and the production build. A marker file says the build finished, so a
 * half-made directory (an interrupted run) is made again rather than trusted.
 */
export function prepareCheckout(rev, log) {
  const { sha, subject } = describeRevision(rev);
  const dir = path.join(tmpdir(), `secure-api-bench-rev-${sha}`);
  const marker = path.join(dir, '.bench-built');
  if (existsSync(marker)) {
    log(`using the built checkout of ${subject} in ${dir}`);
    return { dir, sha, subject };
  }
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  git(['worktree', 'prune']);
  log(`checking out ${subject} in ${dir}`);
  git(['worktree', 'add', '--detach', dir, sha]);
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], dir, log);
  run(
    process.execPath,
    [path.join(dir, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'],
    dir,
    log,
  );
  writeFileSync(marker, `${sha}\n`);
  return { dir, sha, subject };
}
