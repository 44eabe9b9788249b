import { randomInt } from 'node:crypto';

import type { AuthDeps } from './auth-deps.js';
import { totp } from './totp.js';

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
export async function totpSecretOf(deps: AuthDeps, userId: string) {
  const factor = await deps.twoFactor.find(userId);
  if (!factor) return undefined;
  return { factor, secret: deps.secretBox.open(factor.secretSealed, userId) };
}

/**
 * A TOTP code (±1 step, never a step already used) or, where allowed, an unused backup code.
 * Each accepted code is spent atomically, so concurrent requests with one code cannot both pass.
 */
export async function checkSecondFactor(
  deps: AuthDeps,
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
