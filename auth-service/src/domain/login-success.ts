import type { Role } from '@secure-api/shared/auth';

import { authEvent } from './auth-events.js';
import type { DeviceCookie, DeviceCookies } from './device-cookies.js';
import type { LoginClient, UnitOfWork } from './ports.js';
import type { PolicySource } from './security-policy.js';
import { startSession, type StartSessionDeps, type TokenPair } from './session-issuer.js';

export interface FinishLoginDeps extends StartSessionDeps {
  uow: UnitOfWork;
  policies: PolicySource;
  devices: Pick<DeviceCookies, 'recognise' | 'issue'>;
}

export interface LoginSuccess {
  tokens: TokenPair;
  /** Set on the client so this browser is known next time; absent when device trust is off. */
  device: DeviceCookie | undefined;
}

/**
 * The end of every full login (the password alone, or the password then a code): a new session,
 * the success event saying whether this browser was known, and a fresh device cookie. Only a full
 * login earns the cookie, never the password step of an account with two-factor on.
 */
export async function finishLogin(
  deps: FinishLoginDeps,
  user: { id: string; role: Role },
  amr: ('pwd' | 'otp')[],
  client: LoginClient,
): Promise<LoginSuccess> {
  const policy = await deps.policies.current();
  const known = deps.devices.recognise(user.id, client.deviceCookies) !== undefined;
  return deps.uow.run(async () => {
    const tokens = await startSession(deps, user, amr, client);
    await deps.uow.record(
      authEvent('auth.login.succeeded', {
        actorId: user.id,
        subject: { user_id: user.id, session_id: tokens.sessionId },
        outcome: 'success',
        data: { amr, new_device: !known },
      }),
    );
    return { tokens, device: policy.device_trust ? deps.devices.issue(user.id) : undefined };
  });
}
