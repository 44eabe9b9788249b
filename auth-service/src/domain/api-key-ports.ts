export interface ApiKey {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  keyHash: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export type NewApiKey = Omit<ApiKey, 'createdAt' | 'revokedAt' | 'lastUsedAt'>;

export interface ApiKeyStore {
  create(key: NewApiKey): Promise<ApiKey>;
  findByPrefix(prefix: string): Promise<ApiKey | undefined>;
  findOwned(userId: string, id: string): Promise<ApiKey | undefined>;
  /** Live keys: not revoked and not past their expiry. */
  listActive(userId: string): Promise<ApiKey[]>;
  revoke(id: string): Promise<void>;
  /** Revokes every live key of the user (rotated-out keys in their grace too); returns them. */
  revokeAllOf(userId: string): Promise<ApiKey[]>;
  /** The rotated key lives until `retireAt` (the grace period), then stops. */
  retire(id: string, replacedBy: string, retireAt: Date): Promise<void>;
  touch(id: string): Promise<void>;
  /** Every key of the user, live or not. */
  hashesOf(userId: string): Promise<string[]>;
}

/**
 * The gateway's cache of resolved keys. `purge` marks keys revoked there and drops their cached
 * tokens; callers purge BEFORE they revoke in the database, so a failure stops the revocation
 * before anything changed and a key is never left cached after its revocation commits.
 */
export interface ApiKeyCachePurge {
  purge(hashes: string[]): Promise<void>;
}

export interface ApiKeySettings {
  /** How long a rotated-out key keeps working. */
  apiKeyRotationGraceSeconds: number;
}
