#!/usr/bin/env node
// Checks an export of the audit chain offline, with nothing but the public keys:
//   node audit-service/dist/cli/check-export.js [--keys public-keys.json] page.json...
// Each page is a body of GET /api/v1/admin/audit/checkpoints ({ keys, checkpoints }) or of
// GET /api/v1/admin/audit/chain ({ events }), in any order. Exit 0 when the segment is intact,
// 1 when anything is wrong (each finding on its own line), 2 on bad usage.
import { readFileSync } from 'node:fs';

import { indexedFieldsOf } from '../domain/audit-event.js';
import { firstCheckpointProblem, HashesAt } from '../domain/checkpoint-audit.js';
import { CheckpointVerifier, type PublicJwk, type SignedCheckpoint } from '../domain/checkpoint.js';
import { ChainVerifier, GENESIS_HASH } from '../domain/hash-chain.js';

interface ExportedEvent {
  seq: number;
  prev_hash: string;
  hash: string;
  event: unknown;
}

interface Page {
  keys?: PublicJwk[];
  checkpoints?: SignedCheckpoint[];
  events?: ExportedEvent[];
}

// eslint-disable-next-line security/detect-non-literal-fs-filename -- the files the operator names
const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8')) as unknown;
const byKey = <T>(items: T[], key: (item: T) => number | string) => [
  ...new Map(items.map((item) => [key(item), item])).values(),
];

function parseArgs(argv: string[]): { pinned?: PublicJwk[]; files: string[] } {
  const files: string[] = [];
  let pinned: PublicJwk[] | undefined;
  const args = argv[Symbol.iterator]();
  for (const arg of args) {
    if (arg !== '--keys') {
      files.push(arg);
      continue;
    }
    const file = args.next().value;
    if (!file) throw new Error('--keys needs a file');
    const keys = readJson(file) as PublicJwk[] | { keys: PublicJwk[] };
    pinned = Array.isArray(keys) ? keys : keys.keys;
  }
  if (files.length === 0) throw new Error('no export pages given');
  return { ...(pinned ? { pinned } : {}), files };
}

/** The findings; empty when the segment and its checkpoints are intact. */
function check(pages: Page[], pinned: PublicJwk[] | undefined, say: (line: string) => void) {
  const findings: string[] = [];
  const keys =
    pinned ??
    byKey(
      pages.flatMap((p) => p.keys ?? []),
      (k) => k.kid,
    );
  const checkpoints = byKey(
    pages.flatMap((p) => p.checkpoints ?? []),
    (c) => c.id,
  ).sort((a, b) => a.id - b.id);
  const events = byKey(
    pages.flatMap((p) => p.events ?? []),
    (e) => e.seq,
  ).sort((a, b) => a.seq - b.seq);
  // Two exports taken at different times overlap: the same id saying two things is a rewrite.
  const said = new Map<number, string>();
  for (const c of pages.flatMap((p) => p.checkpoints ?? [])) {
    const text = JSON.stringify([c.seq, c.hash, c.at, c.kid, c.signature]);
    if ((said.get(c.id) ?? text) !== text)
      findings.push(`checkpoint ${c.id} differs between pages`);
    said.set(c.id, text);
  }
  if (!pinned) say('note: trusting the keys inside the export; pin them with --keys');
  const first = events[0];
  const last = events.at(-1);
  if (!first || !last) return [...findings, 'the export holds no events'];

  // Where the segment starts must itself be proven: genesis, or a checkpoint at the seq before.
  const anchor = checkpoints.find((c) => c.seq === first.seq - 1);
  const anchored =
    first.seq === 1 ? first.prev_hash === GENESIS_HASH : anchor?.hash === first.prev_hash;
  if (!anchored) findings.push(`the segment start (seq ${first.seq}) is not anchored`);

  const verifier = new ChainVerifier({ seq: first.seq - 1, hash: first.prev_hash });
  const hashes = new HashesAt(checkpoints.map((c) => c.seq));
  hashes.see({ seq: first.seq - 1, hash: first.prev_hash });
  for (const e of events) {
    const row = { ...indexedFieldsOf(e.event), ...e, payload: e.event, stored_at: new Date(0) };
    verifier.check(row);
    hashes.see(e);
  }
  const chain = verifier.result();
  if (!chain.valid) findings.push(`event ${chain.first_bad_id} does not verify`);

  const verifierKeys = new CheckpointVerifier(keys);
  const range = { from: first.seq - 1, to: last.seq, hashAt: hashes.hashAt };
  const problem = firstCheckpointProblem(checkpoints, verifierKeys, range);
  if (problem) findings.push(`checkpoint ${problem.id} (seq ${problem.seq}): ${problem.reason}`);

  const newest = checkpoints.at(-1);
  if (findings.length === 0) {
    say(`ok: events ${first.seq}..${last.seq} link and hash`);
    if (newest) {
      say(`ok: checkpoints ${checkpoints[0]?.id}..${newest.id} verify`);
      say(`ok: at ${newest.at} the chain reached seq ${newest.seq}`);
    }
  }
  return findings;
}

try {
  const { pinned, files } = parseArgs(process.argv.slice(2));
  const findings = check(
    files.map((f) => readJson(f) as Page),
    pinned,
    (line) => {
      process.stdout.write(`${line}\n`);
    },
  );
  for (const finding of findings) process.stdout.write(`FAIL: ${finding}\n`);
  process.exitCode = findings.length === 0 ? 0 : 1;
} catch (error) {
  process.stderr.write(`check-export: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
