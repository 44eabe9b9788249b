import { createHash, randomUUID } from 'node:crypto';

import { describe, expect, it } from '@jest/globals';

import { canonicalJson } from '@secure-api/shared/events';

import { indexedFieldsOf, type StoredEvent } from '../src/domain/audit-event.js';
import { ChainVerifier, chainHash, extendChain, GENESIS_HASH } from '../src/domain/hash-chain.js';
import { loginSucceeded } from './support/events.js';

function rowsFor(count: number): StoredEvent[] {
  const events = Array.from({ length: count }, () => loginSucceeded());
  return extendChain({ seq: 0, hash: GENESIS_HASH }, events).map(
    ({ event, seq, prevHash, hash }) => ({
      ...indexedFieldsOf(event),
      seq,
      payload: JSON.parse(JSON.stringify(event)) as unknown,
      prev_hash: prevHash,
      hash,
      stored_at: new Date(),
    }),
  );
}

function verify(rows: StoredEvent[]) {
  const verifier = new ChainVerifier();
  for (const row of rows) verifier.check(row);
  return verifier.result();
}

describe('hash chain', () => {
  it('hash = sha256_hex(prev_hash || canonical_json(event)), whatever the key order', () => {
    const event = { b: 1, a: { y: [1, 2], x: 'é' } };
    const expected = createHash('sha256')
      .update(`${GENESIS_HASH}${canonicalJson(event)}`)
      .digest('hex');

    expect(chainHash(GENESIS_HASH, event)).toBe(expected);
    expect(chainHash(GENESIS_HASH, { a: { x: 'é', y: [1, 2] }, b: 1 })).toBe(expected);
  });

  it('extends from the head: consecutive seqs, each prev_hash the hash before it', () => {
    const first = extendChain({ seq: 0, hash: GENESIS_HASH }, [loginSucceeded(), loginSucceeded()]);
    const more = extendChain({ seq: 2, hash: first[1]!.hash }, [loginSucceeded()]);

    expect(first.map((l) => l.seq)).toEqual([1, 2]);
    expect(first[0]!.prevHash).toBe(GENESIS_HASH);
    expect(first[1]!.prevHash).toBe(first[0]!.hash);
    expect(more[0]).toMatchObject({ seq: 3, prevHash: first[1]!.hash });
  });

  it('an intact chain verifies; an empty one too', () => {
    expect(verify(rowsFor(5))).toEqual({ valid: true, checked: 5, first_bad_id: null });
    expect(verify([])).toEqual({ valid: true, checked: 0, first_bad_id: null });
  });

  it('flags the first row whose payload no longer matches its hash, and only that row', () => {
    const rows = rowsFor(5);
    (rows[3]!.payload as { outcome: string }).outcome = 'failure';

    expect(verify(rows)).toEqual({ valid: false, checked: 5, first_bad_id: rows[3]!.event_id });
  });

  it('flags a gap, a swap, and a column that disagrees with its payload', () => {
    const gap = rowsFor(4);
    gap.splice(1, 1);
    const swapped = rowsFor(4);
    swapped.splice(1, 2, swapped[2]!, swapped[1]!);
    const hidden = rowsFor(3);
    hidden[1]!.actor_user_id = randomUUID();

    expect(verify(gap).first_bad_id).toBe(gap[1]!.event_id);
    expect(verify(swapped).first_bad_id).toBe(swapped[1]!.event_id);
    expect(verify(hidden).first_bad_id).toBe(hidden[1]!.event_id);
  });

  it('a first row that does not start from 64 zeros is bad', () => {
    const rows = rowsFor(3).slice(1);
    expect(verify(rows).first_bad_id).toBe(rows[0]!.event_id);
  });
});
