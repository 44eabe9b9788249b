import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

import {
  API_KEY_PATTERN,
  apiKeyHash,
  AppError,
  permissionsOf,
  Problems,
  type AccessClaims,
  type Permission,
} from '@secure-api/shared';

import type { ApiKey } from '../data/api-key.repository.js';
import type { AuthDeps } from './auth-deps.js';
import { authEvent } from './auth-events.js';

const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** A resolved key becomes an access token this short-lived; the gateway caches it for less. */
export const API_KEY_TOKEN_SECONDS = 60;

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

function view(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    created_at: key.createdAt.toISOString(),
    expires_at: key.expiresAt?.toISOString() ?? null,
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
  };
}

function newKeyMaterial(): { prefix: string; key: string } {
  const prefix = Array.from(randomBytes(8), (b) =>
    PREFIX_ALPHABET.charAt(b % PREFIX_ALPHABET.length),
  ).join('');
  return { prefix, key: `sk_${prefix}_${randomBytes(32).toString('base64url')}` };
}

async function issue(
  deps: AuthDeps,
  owner: string,
  input: { name: string; scopes: Permission[]; expiresAt: Date | null },
): Promise<ApiKeyView & { key: string }> {
  const { prefix, key } = newKeyMaterial();
  const stored = await deps.apiKeys.create({
    id: randomUUID(),
    userId: owner,
    name: input.name,
    prefix,
    keyHash: apiKeyHash(key),
    scopes: input.scopes,
    expiresAt: input.expiresAt,
  });
  // The only time the key exists outside the client: this response.
  return { ...view(stored), key };
}

/** Scopes must be a subset of what the owner's role may do today. */
export async function createApiKey(
  deps: AuthDeps,
  claims: AccessClaims,
  input: { name: string; scopes: Permission[]; expires_in_days?: number | undefined },
) {
  const allowed = new Set(permissionsOf(claims.role));
  if (!input.scopes.every((scope) => allowed.has(scope))) throw Problems.forbidden();
  const expiresAt = input.expires_in_days
    ? new Date(Date.now() + input.expires_in_days * 86_400_000)
    : null;
  return deps.uow.run(async () => {
    const created = await issue(deps, claims.sub, {
      name: input.name,
      scopes: [...new Set(input.scopes)],
      expiresAt,
    });
    await deps.uow.record(
      authEvent('auth.apikey.created', {
        actorId: claims.sub,
        subject: { user_id: claims.sub, key_id: created.id },
        outcome: 'success',
        data: { scopes: input.scopes, expires_at: created.expires_at },
      }),
    );
    return created;
  });
}

export async function listApiKeys(deps: AuthDeps, userId: string): Promise<ApiKeyView[]> {
  return (await deps.apiKeys.listActive(userId)).map(view);
}

async function ownedLiveKey(deps: AuthDeps, userId: string, id: string): Promise<ApiKey> {
  const key = await deps.apiKeys.findOwned(userId, id);
  const live = key && !key.revokedAt && (!key.expiresAt || key.expiresAt > new Date());
  if (!key || !live) throw new AppError(404, 'not-found', 'API key not found');
  return key;
}

export async function revokeApiKey(deps: AuthDeps, userId: string, id: string): Promise<void> {
  const key = await ownedLiveKey(deps, userId, id);
  await deps.uow.run(async () => {
    await deps.apiKeys.revoke(key.id);
    await deps.uow.record(
      authEvent('auth.apikey.revoked', {
        actorId: userId,
        subject: { user_id: userId, key_id: key.id },
        outcome: 'success',
        data: { reason: 'user' },
      }),
    );
  });
  await deps.apiKeyCache.purge([key.keyHash]);
}

/** A new key with the same name and scopes; the old one works until the grace period ends. */
export async function rotateApiKey(deps: AuthDeps, claims: AccessClaims, id: string) {
  const old = await ownedLiveKey(deps, claims.sub, id);
  const allowed = new Set(permissionsOf(claims.role));
  const scopes = old.scopes.filter((s): s is Permission => allowed.has(s as Permission));
  const graceSeconds = deps.settings.apiKeyRotationGraceSeconds;
  const graceMs = graceSeconds * 1000;
  const fresh = await deps.uow.run(async () => {
    const issued = await issue(deps, claims.sub, {
      name: old.name,
      scopes,
      expiresAt: old.expiresAt,
    });
    await deps.apiKeys.retire(old.id, issued.id, new Date(Date.now() + graceMs));
    await deps.uow.record(
      authEvent('auth.apikey.rotated', {
        actorId: claims.sub,
        subject: { user_id: claims.sub, key_id: old.id },
        outcome: 'success',
        data: { new_key_id: issued.id, grace_seconds: graceSeconds },
      }),
    );
    return issued;
  });
  if (graceMs === 0) await deps.apiKeyCache.purge([old.keyHash]);
  return fresh;
}

const KEY_REFUSED = 'Invalid or expired API key';

/**
 * The gateway's question "what may this key do now?": a 60-second access token for the owner,
 * with the key's scopes cut down to the owner's current role (a demotion shrinks every key).
 */
export async function resolveApiKey(deps: AuthDeps, presented: string) {
  const match = API_KEY_PATTERN.exec(presented);
  if (!match?.[1]) throw Problems.unauthorized(KEY_REFUSED);
  const key = await deps.apiKeys.findByPrefix(match[1]);
  const presentedHash = Buffer.from(apiKeyHash(presented), 'hex');
  const matches =
    key !== undefined && timingSafeEqual(presentedHash, Buffer.from(key.keyHash, 'hex'));
  const now = new Date();
  if (!key || !matches || key.revokedAt || (key.expiresAt && key.expiresAt <= now)) {
    throw Problems.unauthorized(KEY_REFUSED);
  }
  const owner = await deps.directory.get(key.userId);
  if (!owner?.is_active) throw Problems.unauthorized(KEY_REFUSED);
  const allowed = new Set(permissionsOf(owner.role));
  const scope = key.scopes.filter((s): s is Permission => allowed.has(s as Permission));
  const access = await deps.signer.accessToken({
    userId: owner.id,
    role: owner.role,
    amr: ['apikey'],
    scope,
    issuedAt: await deps.revocation.earliestIssueTime(owner.id),
    ttlSeconds: API_KEY_TOKEN_SECONDS,
  });
  await deps.apiKeys.touch(key.id);
  return {
    access_token: access.token,
    expires_in: access.expiresIn,
    key_id: key.id,
    user_id: owner.id,
    scopes: scope,
    expires_at: key.expiresAt?.toISOString() ?? null,
  };
}
