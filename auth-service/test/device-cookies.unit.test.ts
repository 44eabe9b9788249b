import { randomBytes, randomUUID } from 'node:crypto';

import { describe, expect, it } from '@jest/globals';

import { DeviceCookies } from '../src/domain/device-cookies.js';

const DAY_MS = 86_400_000;
const cookies = new DeviceCookies(randomBytes(32));
const presented = (cookie: { name: string; value: string }) =>
  new Map([[cookie.name, cookie.value]]);

describe('DeviceCookies', () => {
  it('recognises a cookie it issued, for that account only', () => {
    const owner = randomUUID();
    const cookie = cookies.issue(owner);

    expect(cookies.recognise(owner, presented(cookie))).toBeDefined();
    expect(cookies.recognise(randomUUID(), presented(cookie))).toBeUndefined();
    expect(
      cookies.recognise(
        owner,
        new Map([[cookies.nameFor(owner), cookies.issue(randomUUID()).value]]),
      ),
    ).toBeUndefined();
  });

  it('refuses every one-character change of the value, the spare bits of the last one included', () => {
    const owner = randomUUID();
    const { name, value } = cookies.issue(owner);
    const alphabet = Array.from({ length: 64 }, (_, i) =>
      Buffer.from([i << 2])
        .toString('base64url')
        .charAt(0),
    );

    const accepted = alphabet
      .filter((c) => c !== value.at(-1))
      .map((c) => value.slice(0, -1) + c)
      .filter((forged) => cookies.recognise(owner, new Map([[name, forged]])) !== undefined);

    expect(accepted).toEqual([]);
  });

  it('refuses a cookie older than a year, whatever the browser kept', () => {
    const owner = randomUUID();
    const now = Date.now();
    const old = cookies.issue(owner, now - 366 * DAY_MS);
    const recent = cookies.issue(owner, now - 364 * DAY_MS);

    expect(cookies.recognise(owner, presented(old), now)).toBeUndefined();
    expect(cookies.recognise(owner, presented(recent), now)).toBeDefined();
  });

  it('names the cookie after the account without revealing it, and another key names it differently', () => {
    const owner = randomUUID();
    const name = cookies.nameFor(owner);

    expect(name).toMatch(/^device_[A-Za-z0-9_-]{22}$/);
    expect(name).not.toContain(owner);
    expect(new DeviceCookies(randomBytes(32)).nameFor(owner)).not.toBe(name);
  });
});
