import { randomBytes, randomUUID } from 'node:crypto';

import { apiKeyHash, type Permission } from '@secure-api/shared/auth';

import type { ApiKey, ApiKeyStore } from './api-key-ports.js';

const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

export function view(key: ApiKey): ApiKeyView {
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

export async function issue(
  deps: { apiKeys: Pick<ApiKeyStore, 'create'> },
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
