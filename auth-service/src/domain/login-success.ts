import { authEvent } from './auth-events.js';
import type { DeviceCookie, DeviceCookies } from './device-cookies.js';
import { MailTemplates } from './mail-templates.js';
import type { CredentialStore, LoginClient, UnitOfWork, UserProfile } from './ports.js';
import type { Mailbox } from './recovery-ports.js';
import type { PolicySource } from './security-policy.js';
import type { SecurityCounters } from './security-counters.js';
import { startSession, type StartSessionDeps, type TokenPair } from './session-issuer.js';
import type { SessionStore } from './session-ports.js';

export interface FinishLoginDeps extends StartSessionDeps {
  uow: UnitOfWork;
  policies: PolicySource;
  devices: Pick<DeviceCookies, 'recognise' | 'issue'>;
  sessions: Pick<SessionStore, 'create'>;
  credentials: Pick<CredentialStore, 'recordLogin'>;
  mailbox: Mailbox;
  counters: Pick<SecurityCounters, 'login'>;
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
 *
 * A browser without the account's device cookie is a new device: with device trust on, the owner
 * gets a sign-in alert unless they turned alerts off, or this is the account's first login ever.
 */
export async function finishLogin(
  deps: FinishLoginDeps,
  user: Pick<UserProfile, 'id' | 'role' | 'email' | 'sign_in_alerts'>,
  amr: ('pwd' | 'otp')[],
  client: LoginClient,
): Promise<LoginSuccess> {
  const policy = await deps.policies.current();
  const known = deps.devices.recognise(user.id, client.deviceCookies) !== undefined;
  const success = await deps.uow.run(async () => {
    const loggedInBefore = await deps.credentials.recordLogin(user.id);
    const alert = !known && policy.device_trust && user.sign_in_alerts && loggedInBefore;
    const tokens = await startSession(deps, user, amr, client);
    await deps.uow.record(
      authEvent('auth.login.succeeded', {
        actorId: user.id,
        subject: { user_id: user.id, session_id: tokens.sessionId },
        outcome: 'success',
        data: { amr, new_device: !known },
      }),
    );
    if (!known) {
      if (alert) {
        const seen = { at: new Date(), ip: client.ip, userAgent: client.userAgent };
        await deps.mailbox.send(MailTemplates.newDevice(user.email, seen));
      }
      await deps.uow.record(
        authEvent('auth.login.new_device', {
          actorId: user.id,
          subject: { user_id: user.id, session_id: tokens.sessionId },
          outcome: 'success',
          data: { alerted: alert },
        }),
      );
    }
    return { tokens, device: policy.device_trust ? deps.devices.issue(user.id) : undefined };
  });
  // Counted once committed: the tokens are issued.
  deps.counters.login('success');
  return success;
}
