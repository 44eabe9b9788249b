import type { AccessClaims, RevocationStore } from '@secure-api/shared/auth';
import type { AppError } from '@secure-api/shared/http';

import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import { confirmPassword, type ConfirmPasswordDeps } from './password-confirmation.js';
import type { ClientInfo, UnitOfWork } from './ports.js';
import {
  checkSecondFactor,
  newBackupCodes,
  normaliseBackupCode,
  verifySecondFactor,
  type VerifyFactorDeps,
} from './second-factor.js';
import type { SecretBox } from './secret-box.js';
import { accessTokenFor, type AccessTokenDeps } from './session-issuer.js';
import type { SessionStore } from './session-ports.js';
import { totp } from './totp.js';
import type { TwoFactorStore } from './two-factor-ports.js';

/** What the owner's own 2FA management touches. */
export interface TwoFactorDeps extends ConfirmPasswordDeps, VerifyFactorDeps, AccessTokenDeps {
  uow: UnitOfWork;
  twoFactor: TwoFactorStore;
  secretBox: Pick<SecretBox, 'seal' | 'open' | 'mac'>;
  sessions: Pick<SessionStore, 'revokeAllForUser'>;
  revocation: Pick<RevocationStore, 'revokeUser' | 'earliestIssueTime'>;
}

/** The caller acting on their own account. */
const self = (claims: AccessClaims) => ({
  actorId: claims.sub,
  subject: { user_id: claims.sub },
  outcome: 'success' as const,
});

/**
 * Starts (or restarts) enrolment: a fresh seed, shown once, enabled only by /verify. Needs the
 * password: with a bearer alone, a thief could enrol their own authenticator and keep the owner out.
 */
export async function setupTwoFactor(
  deps: TwoFactorDeps,
  claims: AccessClaims,
  input: { password: string },
  client: ClientInfo,
) {
  const credential = await confirmPassword(
    deps,
    claims.sub,
    input.password,
    client,
    AuthProblems.invalidPassword,
  );
  if ((await deps.twoFactor.find(claims.sub))?.enabled)
    throw AuthProblems.twoFactorAlreadyEnabled();
  const secret = totp.newSecret();
  await deps.twoFactor.savePending(claims.sub, deps.secretBox.seal(secret, claims.sub));
  const otpauthUrl = totp.uri(secret, credential.email);
  return { secret, otpauth_url: otpauthUrl, qr_code: await totp.qrCode(otpauthUrl) };
}

/** Ends every other session and every older access token; the caller continues with a new one. */
async function reissueForCaller(
  deps: TwoFactorDeps,
  claims: AccessClaims,
  reason: string,
  amr: string[],
) {
  await deps.sessions.revokeAllForUser(claims.sub, reason, claims.sid);
  await deps.revocation.revokeUser(claims.sub);
  const access = await accessTokenFor(deps, { id: claims.sub, role: claims.role }, claims.sid, amr);
  return {
    access_token: access.token,
    token_type: 'bearer' as const,
    expires_in: access.expiresIn,
  };
}

export async function enableTwoFactor(deps: TwoFactorDeps, claims: AccessClaims, code: string) {
  const factor = await deps.twoFactor.find(claims.sub);
  if (!factor) throw AuthProblems.twoFactorNotStarted();
  if (factor.enabled) throw AuthProblems.twoFactorAlreadyEnabled();
  // A factor not yet enabled protects nothing: its codes are not counted against the account.
  if (!(await checkSecondFactor(deps, claims.sub, code, { allowBackupCode: false })))
    throw AuthProblems.invalidCode();
  const codes = newBackupCodes();
  const amr = [...new Set([...claims.amr, 'otp'])];
  return deps.uow.run(async () => {
    await deps.twoFactor.enable(
      claims.sub,
      codes.map((c) => deps.secretBox.mac(normaliseBackupCode(c))),
    );
    await deps.uow.record(
      authEvent('auth.2fa.enabled', { ...self(claims), data: { backup_codes: codes.length } }),
    );
    return { backup_codes: codes, ...(await reissueForCaller(deps, claims, '2fa-enabled', amr)) };
  });
}

/** The password first (counted like a login), then a code (counted against the account's cap). */
async function confirmBoth(
  deps: TwoFactorDeps,
  claims: AccessClaims,
  input: { password: string; code: string },
  client: ClientInfo,
  options: { refusal: () => AppError; allowBackupCode: boolean },
) {
  await confirmPassword(deps, claims.sub, input.password, client, options.refusal);
  if (!(await deps.twoFactor.find(claims.sub))?.enabled) throw AuthProblems.twoFactorNotEnabled();
  const verdict = await verifySecondFactor(deps, claims.sub, input.code, options);
  if (verdict !== 'accepted') throw AuthProblems.invalidCode();
}

export async function disableTwoFactor(
  deps: TwoFactorDeps,
  claims: AccessClaims,
  input: { password: string; code: string },
  client: ClientInfo,
) {
  await confirmBoth(deps, claims, input, client, {
    refusal: AuthProblems.wrongCurrentPassword,
    allowBackupCode: true,
  });
  return deps.uow.run(async () => {
    await deps.twoFactor.remove(claims.sub);
    await deps.uow.record(
      authEvent('auth.2fa.disabled', { ...self(claims), data: { reason: 'user' } }),
    );
    return reissueForCaller(
      deps,
      claims,
      '2fa-disabled',
      claims.amr.filter((m) => m !== 'otp'),
    );
  });
}

export async function regenerateBackupCodes(
  deps: TwoFactorDeps,
  claims: AccessClaims,
  input: { password: string; code: string },
  client: ClientInfo,
) {
  await confirmBoth(deps, claims, input, client, {
    refusal: AuthProblems.invalidPassword,
    allowBackupCode: false,
  });
  const codes = newBackupCodes();
  await deps.uow.run(async () => {
    await deps.twoFactor.replaceCodes(
      claims.sub,
      codes.map((c) => deps.secretBox.mac(normaliseBackupCode(c))),
    );
    await deps.uow.record(
      authEvent('auth.2fa.backup_codes_regenerated', {
        ...self(claims),
        data: { backup_codes: codes.length },
      }),
    );
  });
  return { backup_codes: codes };
}
