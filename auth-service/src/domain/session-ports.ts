/** A refresh family: one login on one device, until it is revoked or its absolute lifetime ends. */
export interface Session {
  id: string;
  userId: string;
  userAgent: string | null;
  ip: string | null;
  amr: string[];
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

export type NewSession = Pick<Session, 'userId' | 'userAgent' | 'ip' | 'amr' | 'expiresAt'>;

export interface RefreshTokenRecord {
  id: string;
  sessionId: string;
  expiresAt: Date;
  rotatedAt: Date | null;
  replacedBy: string | null;
  siblingId: string | null;
}

/** Only the SHA-256 of a refresh token is ever stored. */
export interface NewRefreshToken {
  hash: string;
  expiresAt: Date;
}

export interface SessionStore {
  create(session: NewSession): Promise<Session>;
  find(sessionId: string): Promise<Session | undefined>;
  /** The session a refresh token belongs to, whatever state either is in. */
  findByTokenHash(tokenHash: string): Promise<Session | undefined>;
  /** Live sessions, the most recently used first. */
  listActive(userId: string): Promise<Session[]>;
  revoke(sessionId: string, reason: string): Promise<void>;
  /** Revokes every live session of the user except `keep`; returns the revoked ids. */
  revokeAllForUser(userId: string, reason: string, keep?: string): Promise<string[]>;
}

export interface RefreshTokenStore {
  /**
   * Runs `work` in one unit of work with the token's session row locked, so concurrent refreshes
   * of one family are serialised and each sees the other's rotation.
   */
  withTokenLocked<T>(
    tokenHash: string,
    work: (found: { token: RefreshTokenRecord; session: Session } | undefined) => Promise<T>,
  ): Promise<T>;
  find(tokenId: string): Promise<RefreshTokenRecord | undefined>;
  /** A new token of the session (which counts as used now); returns its id. */
  add(sessionId: string, token: NewRefreshToken): Promise<string>;
  markRotated(tokenId: string, replacedBy: string): Promise<void>;
  /** The rotated token's one extra successor (grace window); it yields no other. */
  markSiblingIssued(tokenId: string, siblingId: string): Promise<void>;
}

export interface SessionSettings {
  refreshTokenDays: number;
  refreshFamilyMaxDays: number;
  /** Seconds the immediately previous refresh token still works (two tabs refreshing at once). */
  refreshReuseGraceSeconds: number;
}
