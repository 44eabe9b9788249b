import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import type { LoginGuard } from './login-guard.js';
import type { CredentialStore, EventRecorder, PolicyStore, UnitOfWork } from './ports.js';
import {
  checkPolicyCoherence,
  securityPolicySchema,
  type SecurityPolicy,
} from './security-policy.js';

type Flat = Map<string, number | string | boolean>;

function flatten(policy: SecurityPolicy): Flat {
  const flat: Flat = new Map();
  for (const [key, value] of Object.entries(policy)) {
    if (typeof value === 'object') {
      for (const [inner, v] of Object.entries(value)) flat.set(`${key}.${inner}`, v);
    } else {
      flat.set(key, value);
    }
  }
  return flat;
}

/** Setting by setting, what changed (nested settings flattened: `login_rate_limit.points`). */
function diffPolicy(before: SecurityPolicy, after: SecurityPolicy) {
  const from = flatten(before);
  return [...flatten(after)]
    .filter(([setting, value]) => from.get(setting) !== value)
    .map(([setting, to]) => ({ setting, from: from.get(setting) ?? null, to }));
}

/** Fields left out keep their current value; the result must satisfy every bound. */
export async function updatePolicy(
  deps: { uow: UnitOfWork; policies: PolicyStore },
  actorId: string,
  changes: Partial<SecurityPolicy>,
): Promise<{ policy: SecurityPolicy; previous: SecurityPolicy; version: number }> {
  const merged = securityPolicySchema.parse({ ...(await deps.policies.current()), ...changes });
  const incoherent = checkPolicyCoherence(merged);
  if (incoherent) throw AuthProblems.policyIncoherent(incoherent);
  return deps.uow.run(async () => {
    const { previous, version } = await deps.policies.replace(merged, actorId);
    await deps.uow.record(
      authEvent('auth.policy.changed', {
        actorId,
        outcome: 'success',
        data: { changes: diffPolicy(previous, merged) },
      }),
    );
    return { policy: merged, previous, version };
  });
}

/** Clears an account lock (and only that): the owner can log in again at once. */
export interface UnlockDeps {
  uow: EventRecorder;
  credentials: Pick<CredentialStore, 'findById'>;
  guard: Pick<LoginGuard, 'unlock'>;
}

export async function unlockAccount(
  deps: UnlockDeps,
  adminId: string,
  userId: string,
): Promise<void> {
  const credential = await deps.credentials.findById(userId);
  if (!credential) throw AuthProblems.userNotFound();
  await deps.guard.unlock(credential.email);
  await deps.uow.record(
    authEvent('auth.account.unlocked', {
      actorId: adminId,
      subject: { user_id: userId },
      outcome: 'success',
      data: { reason: 'admin' },
    }),
  );
}
