import { randomInt } from 'node:crypto';

import { authEvent } from './auth-events.js';
import type { EventRecorder } from './ports.js';
import type { SecretBox } from './secret-box.js';
import { totp } from './totp.js';
import type { CodeLimits, MfaChallenges, TwoFactorStore } from './two-factor-ports.js';

export interface CheckFactorDeps {
  twoFactor: Pick<TwoFactorStore, 'find' | 'acceptTimeStep' | 'consumeCode'>;
  secretBox: Pick<SecretBox, 'open' | 'mac'>;
}

export interface VerifyFactorDeps extends CheckFactorDeps {
  mfa: Pick<MfaChallenges, 'reserve' | 'release'>;
  uow: EventRecorder;
}

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
export const BACKUP_CODE_COUNT = 10;

/** Ten single-use codes, `xxxxx-xxxxx` (about 49 bits each), shown once and stored as HMACs. */
export function newBackupCodes(): string[] {
  return Array.from({ length: BACKUP_CODE_COUNT }, () => {
    const chars = Array.from({ length: 10 }, () => ALPHABET.charAt(randomInt(ALPHABET.length)));
    return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
  });
}

export function normaliseBackupCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

/** The user's TOTP seed, decrypted; undefined when there is no factor. */
export async function totpSecretOf(
  deps: { twoFactor: Pick<TwoFactorStore, 'find'>; secretBox: Pick<SecretBox, 'open'> },
  userId: string,
) {
  const factor = await deps.twoFactor.find(userId);
  if (!factor) return undefined;
  return { factor, secret: deps.secretBox.open(factor.secretSealed, userId) };
}

/**
 * A TOTP code (±1 step, never a step already used) or, where allowed, an unused backup code.
 * Each accepted code is spent atomically, so concurrent requests with one code cannot both pass.
 * Uncounted: only enrolment (a factor not yet enabled) calls it directly.
 */
export async function checkSecondFactor(
  deps: CheckFactorDeps,
  userId: string,
  code: string,
  { allowBackupCode }: { allowBackupCode: boolean },
): Promise<boolean> {
  const found = await totpSecretOf(deps, userId);
  if (!found) return false;
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed)) {
    const step = await totp.check(found.secret, trimmed, found.factor.lastTimeStep);
    return step !== undefined && (await deps.twoFactor.acceptTimeStep(userId, step));
  }
  if (!allowBackupCode || !found.factor.enabled) return false;
  const normalised = normaliseBackupCode(trimmed);
  if (!/^[a-z0-9]{10}$/.test(normalised)) return false;
  return deps.twoFactor.consumeCode(userId, deps.secretBox.mac(normalised));
}

/** 5 codes per mfa_token; 10 wrong codes per account per 15 minutes, across tokens and routes. */
export const CODE_LIMITS: CodeLimits = {
  perChallenge: 5,
  perAccount: 10,
  accountWindowSeconds: 15 * 60,
};

export type FactorVerdict = 'accepted' | 'wrong' | 'held' | 'expired' | 'exhausted';

/**
 * Every check of a user's enabled factor goes through here: an attempt is reserved atomically
 * before the code is looked at, so concurrent guesses cannot outrun the limits, and given back
 * only when the code was right. `challenge`: the mfa_token of a login's second step.
 */
export async function verifySecondFactor(
  deps: VerifyFactorDeps,
  userId: string,
  code: string,
  options: { allowBackupCode: boolean; challenge?: string },
): Promise<FactorVerdict> {
  const reservation = await deps.mfa.reserve(userId, CODE_LIMITS, options.challenge);
  if (reservation.kind !== 'reserved') return reservation.kind;
  if (await checkSecondFactor(deps, userId, code, options)) {
    await deps.mfa.release(userId);
    return 'accepted';
  }
  if (reservation.failures === CODE_LIMITS.perAccount) {
    await deps.uow.record(
      authEvent('auth.mfa.locked', {
        subject: { user_id: userId },
        outcome: 'success',
        data: {
          failed_attempts: reservation.failures,
          locked_until: new Date(Date.now() + reservation.windowMs).toISOString(),
        },
      }),
    );
  }
  return 'wrong';
}
