import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { repoRoot } from './support/kubernetes.js';

// Tracked files, plus those `git add -A` would track: a key about to be committed fails here too.
const gitFiles = ['ls-files', '-z', '--cached', '--others', '--exclude-standard'];
const tracked = execFileSync('git', gitFiles, { cwd: repoRoot, encoding: 'utf8' })
  .split('\0')
  .filter((file) => file !== '' && existsSync(path.join(repoRoot, file)));

function textOf(file: string): string | undefined {
  const bytes = readFileSync(path.join(repoRoot, file));
  return bytes.includes(0) ? undefined : bytes.toString('utf8');
}

/** Files whose content is deployment configuration rather than test fixtures or code. */
const isDeploymentFile = (file: string) =>
  /(^|\/)(Dockerfile|docker-compose[^/]*\.ya?ml|\.env\.example)$/.test(file) ||
  /^(k8s|deploy)\//.test(file);

// Key material, not the words: a PEM header followed by a base64 body, a JWK's private "d".
const SECRET_CONTENT: [string, RegExp][] = [
  ['a PEM private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----\s+[A-Za-z0-9+/=\s]{40,}-----END/],
  ['a private JWK', /"d"\s*:\s*"[A-Za-z0-9_-]{40,}"/],
  ['an AWS access key', /\bAKIA[0-9A-Z]{16}\b/],
  ['a GitHub token', /\bgh[pousr]_[A-Za-z0-9]{36,}\b/],
  ['a Slack token', /\bxox[abprs]-[A-Za-z0-9-]{10,}/],
];

describe('what git tracks (or would track)', () => {
  it('sees the repository', () => {
    expect(tracked).toContain('package.json');
  });

  it('holds no .env file but .env.example, and no key or certificate file', () => {
    const envFiles = tracked.filter((f) => {
      const name = path.basename(f);
      return name === '.env' || name.startsWith('.env.');
    });
    expect(envFiles.filter((f) => path.basename(f) !== '.env.example')).toEqual([]);
    const keyFiles = tracked.filter((f) =>
      /\.(pem|key|p12|pfx|jks|keystore|crt)$|(^|\/)id_(rsa|dsa|ecdsa|ed25519)$/.test(f),
    );
    expect(keyFiles).toEqual([]);
  });

  it('holds no private key or access token in any file', () => {
    const found: string[] = [];
    for (const file of tracked) {
      const content = textOf(file);
      if (content === undefined) continue;
      for (const [what, pattern] of SECRET_CONTENT) {
        if (pattern.test(content)) found.push(`${file}: ${what}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('holds no credential in deployment files: every URL password is a placeholder or variable', () => {
    const found: string[] = [];
    for (const file of tracked.filter(isDeploymentFile)) {
      for (const match of (textOf(file) ?? '').matchAll(
        /[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]*:([^\s/@'"]+)@/g,
      )) {
        const password = match[1]!;
        // ${VAR} / ${VAR:-} interpolation, <placeholder>, or npm start's documented guest default.
        if (/^\$\{[A-Z0-9_]+(:-)?\}$|^<[^>]+>$|^guest$/.test(password)) continue;
        found.push(`${file}: ${match[0]}`);
      }
      // NAME=value or NAME: value lines whose name says secret.
      for (const line of (textOf(file) ?? '').split('\n')) {
        const assignment = /^\s*([A-Z0-9_]+)\s*[:=]\s*(\S.*)$/.exec(
          line.replace(/^\s*export\s/, ''),
        );
        if (
          !assignment ||
          !/PASSWORD|SECRET|PRIVATE_KEY|ENCRYPTION_KEY|TOKEN/.test(assignment[1]!)
        ) {
          continue;
        }
        const value = assignment[2]!.trim().replace(/^['"]|['"]$/g, '');
        if (/^\$\{[A-Z0-9_]+(:-)?\}$|^<[^>]+>$|^trust$/.test(value)) continue;
        found.push(`${file}: ${assignment[1]!}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('ignores the files where secrets are kept: .env, .env.compose, TLS keys for nginx', () => {
    for (const file of ['.env', '.env.compose', 'deploy/nginx/certs/tls.key']) {
      const result = spawnSync('git', ['check-ignore', '--no-index', '-q', file], {
        cwd: repoRoot,
      });
      expect({ file, ignored: result.status === 0 }).toEqual({ file, ignored: true });
    }
  });
});
