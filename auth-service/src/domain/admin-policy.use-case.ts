import { AppError, Problems } from '@secure-api/shared';

import type { AuthDeps } from './auth-deps.js';
import {
  checkPolicyCoherence,
  securityPolicySchema,
  type SecurityPolicy,
} from './security-policy.js';

/** Fields left out keep their current value; the result must satisfy every bound. */
export async function updatePolicy(
  deps: AuthDeps,
  actorId: string,
  changes: Partial<SecurityPolicy>,
): Promise<{ policy: SecurityPolicy; previous: SecurityPolicy; version: number }> {
  const merged = securityPolicySchema.parse({ ...(await deps.policies.current()), ...changes });
  const incoherent = checkPolicyCoherence(merged);
  if (incoherent) {
    throw Problems.validation([{ field: 'password_min_length', message: incoherent }]);
  }
  const { previous, version } = await deps.policies.replace(merged, actorId);
  return { policy: merged, previous, version };
}

/** Clears an account lock (and only that): the owner can log in again at once. */
export async function unlockAccount(deps: AuthDeps, userId: string): Promise<void> {
  const credential = await deps.credentials.findById(userId);
  if (!credential) throw new AppError(404, 'not-found', 'User not found');
  await deps.guard.unlock(credential.email);
}
