import { createHash } from 'node:crypto';

/** `sk_<8-char prefix>_<43-char secret>`: the prefix finds the key, the secret proves it. */
export const API_KEY_PATTERN = /^sk_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

export function apiKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Where the gateway caches what a key resolved to (seconds). When the key is revoked, rotated out
 * or its owner deleted, auth-service deletes the entry and sets the key's revoked marker.
 */
export function apiKeyCacheKey(prefix: string, key: string): string {
  return `${prefix}apikey:${apiKeyHash(key)}`;
}

export function apiKeyCacheKeyForHash(prefix: string, hash: string): string {
  return `${prefix}apikey:${hash}`;
}

/**
 * Set by auth-service when a key stops being valid. Deleting the cache entry alone loses to a
 * resolution already in flight, which would write the entry back after the delete; the gateway
 * refuses a key with a marker and writes its cache only where no marker is.
 */
export function apiKeyRevokedKey(prefix: string, key: string): string {
  return apiKeyRevokedKeyForHash(prefix, apiKeyHash(key));
}

export function apiKeyRevokedKeyForHash(prefix: string, hash: string): string {
  return `${prefix}apikey-revoked:${hash}`;
}

/**
 * How long a marker outlives the revocation: far longer than a cache entry (at most 50 s) or a
 * minted token (60 s), or than any resolution that began before it. After that, auth-service's own
 * answer (the key is revoked in its database) is all that is needed.
 */
export const API_KEY_REVOKED_MARKER_SECONDS = 3600;
