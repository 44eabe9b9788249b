import { createHash } from 'node:crypto';

/** `sk_<8-char prefix>_<43-char secret>` (DESIGN section 7). */
export const API_KEY_PATTERN = /^sk_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

export function apiKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Where the gateway caches what a key resolved to (seconds). auth-service deletes the entry when
 * the key is revoked, rotated out or its owner deleted, so those take effect at once.
 */
export function apiKeyCacheKey(prefix: string, key: string): string {
  return `${prefix}apikey:${apiKeyHash(key)}`;
}

export function apiKeyCacheKeyForHash(prefix: string, hash: string): string {
  return `${prefix}apikey:${hash}`;
}
