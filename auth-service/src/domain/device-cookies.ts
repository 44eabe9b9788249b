import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const NAME_PREFIX = 'device_';
// 128 random bits: the cookie's identity, and the key of its own failure counter.
const NONCE_BYTES = 16;
const VALUE = /^([A-Za-z0-9_-]{22})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{43})$/;

export const DEVICE_COOKIE_DAYS = 365;
const LIFETIME_SECONDS = DEVICE_COOKIE_DAYS * 86_400;

export interface DeviceCookie {
  name: string;
  value: string;
}

/** What a client presented: every cookie whose name looks like a device cookie. */
export type PresentedCookies = ReadonlyMap<string, string>;

/**
 * A device cookie: proof that this browser once completed a login to this account, so that
 * failures from it are counted against it alone and an attacker cannot lock its owner out.
 * Stateless and signed — `<nonce>.<issued at>.<HMAC(user id, nonce, issued at)>` — so nothing is
 * stored per browser, a cookie cannot be forged or moved to another account, and its one-year
 * life is enforced here, not only by the browser's Max-Age. The name is an HMAC of the user id: one
 * browser keeps one cookie per account, and neither name nor value says whose it is.
 */
export class DeviceCookies {
  constructor(private readonly key: Buffer) {}

  private sign(purpose: 'name' | 'value', ...parts: string[]): Buffer {
    return createHmac('sha256', this.key)
      .update([purpose, ...parts].join('\0'))
      .digest();
  }

  isDeviceCookieName(name: string): boolean {
    return name.startsWith(NAME_PREFIX);
  }

  nameFor(userId: string): string {
    return `${NAME_PREFIX}${this.sign('name', userId).subarray(0, 16).toString('base64url')}`;
  }

  issue(userId: string, now = Date.now()): DeviceCookie {
    const nonce = randomBytes(NONCE_BYTES).toString('base64url');
    const issued = Math.floor(now / 1000).toString(36);
    const signature = this.sign('value', userId, nonce, issued).toString('base64url');
    return { name: this.nameFor(userId), value: `${nonce}.${issued}.${signature}` };
  }

  /**
   * The device's id when the client holds a cookie this service issued for `userId`; undefined
   * for no cookie, a forged or altered one, or one issued for another account.
   */
  recognise(userId: string, presented: PresentedCookies, now = Date.now()): string | undefined {
    const match = VALUE.exec(presented.get(this.nameFor(userId)) ?? '');
    if (!match) return undefined;
    const [, nonce = '', issued = '', signature = ''] = match;
    // Compared as text: base64url decoding ignores the last character's spare bits, so two
    // different strings can decode to the same bytes.
    const expected = Buffer.from(this.sign('value', userId, nonce, issued).toString('base64url'));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const age = now / 1000 - parseInt(issued, 36);
    return age >= -60 && age <= LIFETIME_SECONDS ? nonce : undefined;
  }
}
