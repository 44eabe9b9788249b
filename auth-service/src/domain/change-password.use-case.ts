import type { AccessClaims, RevocationStore } from '@secure-api/shared/auth';

import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import { confirmPassword, type ConfirmPasswordDeps } from './password-confirmation.js';
import type { PasswordHasher } from './password-hasher.js';
import { checkPassword } from './password-policy.js';
import type { ClientInfo, CredentialStore, UnitOfWork, UserDirectory } from './ports.js';
import type { AccountTokenStore } from './recovery-ports.js';
import { passwordPolicyOf } from './security-policy.js';
import { accessTokenFor, type AccessTokenDeps } from './session-issuer.js';
import type { SessionStore } from './session-ports.js';

export interface ChangePasswordDeps extends ConfirmPasswordDeps, AccessTokenDeps {
  uow: UnitOfWork;
  credentials: Pick<CredentialStore, 'findById' | 'updatePasswordHash'>;
  hasher: Pick<PasswordHasher, 'verify' | 'hash'>;
  directory: Pick<UserDirectory, 'get'>;
  sessions: Pick<SessionStore, 'revokeAllForUser'>;
  revocation: Pick<RevocationStore, 'revokeUser' | 'earliestIssueTime'>;
  tokens: Pick<AccountTokenStore, 'revoke'>;
}

/**
 * Verifies the current password, applies the policy, then ends every other session and every
 * access token issued so far; the caller's session continues with the fresh access token returned.
 */
export async function changePassword(
  deps: ChangePasswordDeps,
  claims: AccessClaims,
  input: { current_password: string; new_password: string },
  client: ClientInfo,
): Promise<{ accessToken: string; expiresIn: number }> {
  const credential = await confirmPassword(
    deps,
    claims.sub,
    input.current_password,
    client,
    AuthProblems.wrongCurrentPassword,
  );
  const profile = await deps.directory.get(claims.sub);
  if (!profile?.is_active) throw AuthProblems.notAuthenticated();
  const weak = checkPassword(
    input.new_password,
    { username: profile.username, email: credential.email },
    passwordPolicyOf(await deps.policies.current()),
  );
  if (weak) throw weak;
  if (input.new_password === input.current_password) throw AuthProblems.samePassword();

  const passwordHash = await deps.hasher.hash(input.new_password);
  await deps.uow.run(async () => {
    await deps.credentials.updatePasswordHash(claims.sub, passwordHash, true);
    // A reset link mailed earlier must not undo the change the owner just made.
    await deps.tokens.revoke(claims.sub, ['password_reset']);
    const ended = await deps.sessions.revokeAllForUser(claims.sub, 'password-changed', claims.sid);
    await deps.revocation.revokeUser(claims.sub);
    await deps.uow.record(
      authEvent('auth.password.changed', {
        actorId: claims.sub,
        subject: { user_id: claims.sub },
        outcome: 'success',
        data: { sessions_revoked: ended.length },
      }),
    );
  });
  const access = await accessTokenFor(deps, profile, claims.sid, claims.amr);
  return { accessToken: access.token, expiresIn: access.expiresIn };
}
