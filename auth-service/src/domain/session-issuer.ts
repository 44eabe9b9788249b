import { createHash, randomBytes } from 'node:crypto';

import type { RevocationStore, Role } from '@secure-api/shared/auth';

import type { ClientInfo, UnitOfWork } from './ports.js';
import type { RefreshTokenStore, SessionSettings, SessionStore } from './session-ports.js';
import type { TokenSigner } from './token-signer.js';

const DAY_MS = 24 * 3600 * 1000;

export interface TokenPair {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: Date;
}

/** 256 random bits; only the SHA-256 is ever stored. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A refresh token lives 7 days but never past its family's absolute lifetime. */
export function refreshExpiry(
  settings: Pick<SessionSettings, 'refreshTokenDays'>,
  sessionExpiresAt: Date,
): Date {
  const sliding = new Date(Date.now() + settings.refreshTokenDays * DAY_MS);
  return sliding < sessionExpiresAt ? sliding : sessionExpiresAt;
}

export interface AccessTokenDeps {
  signer: Pick<TokenSigner, 'accessToken'>;
  revocation: Pick<RevocationStore, 'earliestIssueTime'>;
}

export async function accessTokenFor(
  deps: AccessTokenDeps,
  user: { id: string; role: Role },
  sessionId: string | undefined,
  amr: string[],
) {
  return deps.signer.accessToken({
    userId: user.id,
    role: user.role,
    sessionId,
    amr,
    issuedAt: await deps.revocation.earliestIssueTime(user.id),
  });
}

export interface StartSessionDeps extends AccessTokenDeps {
  uow: Pick<UnitOfWork, 'run'>;
  sessions: Pick<SessionStore, 'create'>;
  refreshTokens: Pick<RefreshTokenStore, 'add'>;
  settings: Pick<SessionSettings, 'refreshTokenDays' | 'refreshFamilyMaxDays'>;
}

/** A new session (refresh family) and its first token pair. */
export async function startSession(
  deps: StartSessionDeps,
  user: { id: string; role: Role },
  amr: string[],
  client: ClientInfo,
): Promise<TokenPair & { sessionId: string }> {
  const refresh = newRefreshToken();
  const familyExpiresAt = new Date(Date.now() + deps.settings.refreshFamilyMaxDays * DAY_MS);
  const refreshExpiresAt = refreshExpiry(deps.settings, familyExpiresAt);
  const session = await deps.uow.run(async () => {
    const created = await deps.sessions.create({
      userId: user.id,
      userAgent: client.userAgent?.slice(0, 256) ?? null,
      ip: client.ip?.slice(0, 64) ?? null,
      amr,
      expiresAt: familyExpiresAt,
    });
    await deps.refreshTokens.add(created.id, { hash: refresh.hash, expiresAt: refreshExpiresAt });
    return created;
  });
  const access = await accessTokenFor(deps, user, session.id, amr);
  return {
    sessionId: session.id,
    accessToken: access.token,
    expiresIn: access.expiresIn,
    refreshToken: refresh.token,
    refreshExpiresAt,
  };
}
