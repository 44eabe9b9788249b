import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { repoRoot } from './support/kubernetes.js';
import { isUnder, testTitles, type TestTitle } from './support/test-titles.js';

interface Proof {
  file: string;
  describes: string[];
  title: string;
}

interface Claim {
  id: string;
  proofs: Proof[];
}

const ASVS_ID = /^V(\d{1,2})\.\d{1,2}\.\d{1,2}\b/;
const PROOF_FILE = /^`([^`]+\.test\.ts)`:(.*)$/;
const CODE_SPAN = /`([^`]+)`/g;

/** `file.test.ts`: `describe` › `describe` › `it`, the describes optional; proofs split by <br>. */
function proofsIn(cell: string): Proof[] {
  return cell.split('<br>').flatMap((text) => {
    const [, file, rest] = PROOF_FILE.exec(text.trim()) ?? [];
    const spans = [...(rest ?? '').matchAll(CODE_SPAN)].map((span) => span[1]!);
    const title = spans.pop();
    return file && title ? [{ file, describes: spans, title }] : [];
  });
}

/** Table cells, split on the pipes that are not escaped (`\|` inside a title). */
const cells = (row: string) =>
  row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));

function claims(markdown: string): Claim[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map(cells)
    .filter((row) => ASVS_ID.test(row[0] ?? ''))
    .map((row) => ({ id: ASVS_ID.exec(row[0] ?? '')![0], proofs: proofsIn(row.at(-1) ?? '') }));
}

const document = readFileSync(path.join(repoRoot, 'docs', 'asvs.md'), 'utf8');
const claimed = claims(document);
const proofs = claimed.flatMap((claim) => claim.proofs);
const titles = new Map<string, TestTitle[]>();
const titlesIn = (file: string) => {
  if (!titles.has(file)) titles.set(file, testTitles(path.join(repoRoot, file)));
  return titles.get(file)!;
};
const describeProof = (proof: Proof) =>
  `${proof.file}: ${[...proof.describes, proof.title].join(' › ')}`;

describe('docs/asvs.md', () => {
  it('claims at least 40 ASVS 5.0 requirements, each once, from chapters V1 to V17', () => {
    const ids = claimed.map((claim) => claim.id);

    expect(ids.length).toBeGreaterThanOrEqual(40);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    for (const id of ids) {
      const chapter = Number(ASVS_ID.exec(id)![1]);
      expect([id, chapter >= 1 && chapter <= 17]).toEqual([id, true]);
    }
  });

  it('names at least one test for every requirement it claims', () => {
    expect(claimed.filter((claim) => claim.proofs.length === 0).map((c) => c.id)).toEqual([]);
  });

  it('names only test files that exist', () => {
    const files = [...new Set(proofs.map((proof) => proof.file))];

    expect(files.filter((file) => !existsSync(path.join(repoRoot, file)))).toEqual([]);
  });

  it('names only tests that exist in those files, under the describes it names', () => {
    const missing = proofs
      .filter((proof) => existsSync(path.join(repoRoot, proof.file)))
      .filter(
        (proof) =>
          !titlesIn(proof.file).some(
            (test) => test.title === proof.title && isUnder(test, proof.describes),
          ),
      )
      .map(describeProof);

    expect(missing).toEqual([]);
  });
});

describe('the test-title reader behind the docs/asvs.md check', () => {
  const own = path.join('test', 'asvs.test.ts');

  it('finds literal it() titles with their describes, it.each templates included', () => {
    const found = titlesIn(own);

    expect(found).toContainEqual({
      title: 'names only test files that exist',
      describes: ['docs/asvs.md'],
    });
    expect(titlesIn('gateway/test/authentication.test.ts')).toContainEqual({
      title: 'refuses %s with the generic 401 before proxying',
      describes: ['bearer tokens at the gateway'],
    });
  });

  it('rejects a title that is not a test, and a test under the wrong describe', () => {
    const claim = claims(
      [
        '| V1.1.1 | x | y | `test/asvs.test.ts`: `docs/asvs.md` › `not a test of this file` |',
        '| V1.1.2 | x | y | `test/asvs.test.ts`: `no such describe` › `names only test files that exist` |',
      ].join('\n'),
    );
    const exists = (proof: Proof) =>
      titlesIn(proof.file).some((t) => t.title === proof.title && isUnder(t, proof.describes));

    expect(claim.map((c) => c.proofs.map(exists))).toEqual([[false], [false]]);
  });
});
