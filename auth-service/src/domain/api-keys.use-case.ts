import { timingSafeEqual } from 'node:crypto';

import {
  API_KEY_PATTERN,
  apiKeyHash,
  permissionsOf,
  type AccessClaims,
  type Permission,
  type RevocationStore,
} from '@secure-api/shared/auth';

import { issue, view, type ApiKeyView } from './api-key-issuance.js';
import type { ApiKey, ApiKeyCachePurge, ApiKeySettings, ApiKeyStore } from './api-key-ports.js';
import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import { confirmPassword, type ConfirmPasswordDeps } from './password-confirmation.js';
import type { ClientInfo, UnitOfWork, UserDirectory } from './ports.js';
import type { TokenSigner } from './token-signer.js';

export interface CreateApiKeyDeps extends ConfirmPasswordDeps {
  uow: UnitOfWork;
  apiKeys: Pick<ApiKeyStore, 'create'>;
}

export interface RotateApiKeyDeps extends CreateApiKeyDeps {
  apiKeys: Pick<ApiKeyStore, 'create' | 'findOwned' | 'retire'>;
  apiKeyCache: ApiKeyCachePurge;
  settings: ApiKeySettings;
}

export interface ResolveApiKeyDeps {
  apiKeys: Pick<ApiKeyStore, 'findByPrefix' | 'touch'>;
  directory: Pick<UserDirectory, 'get'>;
  signer: Pick<TokenSigner, 'accessToken'>;
  revocation: Pick<RevocationStore, 'earliestIssueTime'>;
}

/** A resolved key becomes an access token this short-lived; the gateway caches it for less. */
export const API_KEY_TOKEN_SECONDS = 60;

export type { ApiKeyView } from './api-key-issuance.js';

/** A key acts without the owner: issuing one needs the password, not only a (stealable) bearer. */
const confirmOwner = (
  deps: ConfirmPasswordDeps,
  claims: AccessClaims,
  password: string,
  client: ClientInfo,
) => confirmPassword(deps, claims.sub, password, client, AuthProblems.invalidPassword);

/** Scopes must be a subset of what the owner's role may do today. */
export async function createApiKey(
  deps: CreateApiKeyDeps,
  claims: AccessClaims,
  input: {
    name: string;
    scopes: Permission[];
    expires_in_days?: number | undefined;
    password: string;
  },
  client: ClientInfo,
) {
  await confirmOwner(deps, claims, input.password, client);
  const allowed = new Set(permissionsOf(claims.role));
  if (!input.scopes.every((scope) => allowed.has(scope)))
    throw AuthProblems.insufficientPermissions();
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

export async function listApiKeys(
  deps: { apiKeys: Pick<ApiKeyStore, 'listActive'> },
  userId: string,
): Promise<ApiKeyView[]> {
  return (await deps.apiKeys.listActive(userId)).map(view);
}

export async function ownedLiveKey(
  deps: { apiKeys: Pick<ApiKeyStore, 'findOwned'> },
  userId: string,
  id: string,
): Promise<ApiKey> {
  const key = await deps.apiKeys.findOwned(userId, id);
  const live = key && !key.revokedAt && (!key.expiresAt || key.expiresAt > new Date());
  if (!key || !live) throw AuthProblems.apiKeyNotFound();
  return key;
}

/** A new key with the same name and scopes; the old one works until the grace period ends. */
export async function rotateApiKey(
  deps: RotateApiKeyDeps,
  claims: AccessClaims,
  id: string,
  input: { password: string },
  client: ClientInfo,
) {
  await confirmOwner(deps, claims, input.password, client);
  const old = await ownedLiveKey(deps, claims.sub, id);
  const allowed = new Set(permissionsOf(claims.role));
  const scopes = old.scopes.filter((s): s is Permission => allowed.has(s as Permission));
  const graceSeconds = deps.settings.apiKeyRotationGraceSeconds;
  const graceMs = graceSeconds * 1000;
  // With no grace the old key is dead at the gateway before the rotation commits (see ApiKeyCache).
  if (graceMs === 0) await deps.apiKeyCache.purge([old.keyHash]);
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
  return fresh;
}

/**
 * The gateway's question "what may this key do now?": a 60-second access token for the owner,
 * with the key's scopes cut down to the owner's current role (a demotion shrinks every key).
 */
export async function resolveApiKey(deps: ResolveApiKeyDeps, presented: string) {
  const match = API_KEY_PATTERN.exec(presented);
  if (!match?.[1]) throw AuthProblems.apiKeyRefused();
  const key = await deps.apiKeys.findByPrefix(match[1]);
  const presentedHash = Buffer.from(apiKeyHash(presented), 'hex');
  const matches =
    key !== undefined && timingSafeEqual(presentedHash, Buffer.from(key.keyHash, 'hex'));
  const now = new Date();
  if (!key || !matches || key.revokedAt || (key.expiresAt && key.expiresAt <= now)) {
    throw AuthProblems.apiKeyRefused();
  }
  const owner = await deps.directory.get(key.userId);
  if (!owner?.is_active) throw AuthProblems.apiKeyRefused();
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
