import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { loginSucceeded } from './support/events.js';
import { AuditHarness } from './support/harness.js';
import { storeOneByOne } from './support/tamper.js';

const CLI = fileURLToPath(new URL('../src/cli/check-export.ts', import.meta.url));

interface Exported {
  seq: number;
  prev_hash: string;
  hash: string;
  event: Record<string, unknown>;
}

/** The checker as a third party runs it: its own process, files on disk, exit code and stdout. */
function check(dir: string, pages: Record<string, unknown>, args: string[] = []) {
  const files = Object.entries(pages).map(([name, body]) => {
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(body));
    return file;
  });
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args, ...files], {
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run audit:check-export (the offline checker)', () => {
  let h: AuditHarness;
  let dir: string;
  let checkpoints: { keys: unknown[]; checkpoints: { id: number; seq: number; at: string }[] };
  let events: Exported[];

  beforeAll(async () => {
    h = await AuditHarness.start('audit_export_check');
    dir = mkdtempSync(path.join(os.tmpdir(), 'audit-export-'));
    await storeOneByOne(h, [loginSucceeded(), loginSucceeded(), loginSucceeded()]);
    expect((await h.get('/api/v1/admin/audit/verify')).body).toMatchObject({ valid: true });
    await storeOneByOne(h, [loginSucceeded(), loginSucceeded()]);
    expect((await h.get('/api/v1/admin/audit/verify')).body).toMatchObject({ valid: true });
    // Checkpoints first, then the chain: the chain then reaches every exported checkpoint.
    checkpoints = (await h.get('/api/v1/admin/audit/checkpoints')).body as typeof checkpoints;
    events = [];
    for (let after: number | null = 0; after !== null;) {
      const page = await h.get(`/api/v1/admin/audit/chain?after_seq=${after}&limit=1000`);
      const body = page.body as { events: Exported[]; next_after_seq: number | null };
      events.push(...body.events);
      after = body.next_after_seq;
    }
  }, 60_000);

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await h.close();
  });

  it('an intact export, keys pinned: exit 0, and how far the chain reached when', () => {
    const newest = checkpoints.checkpoints.at(-1)!;
    const keys = path.join(dir, 'keys.json');
    writeFileSync(keys, JSON.stringify(checkpoints.keys));

    const result = check(dir, { 'cp.json': checkpoints, 'chain.json': { events } }, [
      '--keys',
      keys,
    ]);

    expect(result).toEqual({
      status: 0,
      stdout:
        `ok: events 1..${events.at(-1)!.seq} link and hash\n` +
        `ok: checkpoints 1..${newest.id} verify\n` +
        `ok: at ${newest.at} the chain reached seq ${newest.seq}\n`,
      stderr: '',
    });
  });

  it('an event edited in the export: exit 1, naming it', () => {
    const victim = events[1]!;
    const edited = events.map((e) =>
      e === victim ? { ...e, event: { ...e.event, outcome: 'failure' } } : e,
    );

    const result = check(dir, { 'cp.json': checkpoints, 'chain.json': { events: edited } });

    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      'note: trusting the keys inside the export; pin them with --keys\n',
    );
    expect(result.stdout).toContain(`FAIL: event ${String(victim.event.id)} does not verify\n`);
  });

  it('the tail cut off the export: exit 1, the checkpoint beyond the end says so', () => {
    const newest = checkpoints.checkpoints.at(-1)!;
    const cut = events.filter((e) => e.seq < newest.seq);

    const result = check(dir, { 'cp.json': checkpoints, 'chain.json': { events: cut } });

    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      `FAIL: checkpoint ${newest.id} (seq ${newest.seq}): chain_truncated\n`,
    );
  });

  it('a checkpoint edited in the export: exit 1, bad_signature', () => {
    const [first, ...rest] = checkpoints.checkpoints;
    const edited = { ...checkpoints, checkpoints: [{ ...first!, seq: first!.seq - 1 }, ...rest] };

    const result = check(dir, { 'cp.json': edited, 'chain.json': { events } });

    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`FAIL: checkpoint 1 (seq ${first!.seq - 1}): bad_signature\n`);
  });
});
