/**
 * How a login attempt ended, as operators count it (auth_logins_total{outcome}). Coarser than the
 * audit event's reason on purpose: a deactivated account counts as `locked`, and every refusal of
 * the second step as `mfa_failed` unless the account is held.
 */
export type LoginResult =
  | 'success'
  | 'wrong_password'
  | 'unknown_account'
  | 'locked'
  | 'mfa_required'
  | 'mfa_failed'
  | 'email_unverified';

/** The security counters the use cases feed; the data layer puts them on /metrics. */
export interface SecurityCounters {
  login(result: LoginResult): void;
  refreshReuse(): void;
}

export type HashRejection = 'full' | 'wait';

/** What the Argon2 queue reports: every hash's wait for a slot, and every refusal. */
export interface HashQueueObserver {
  waited(seconds: number): void;
  rejected(reason: HashRejection): void;
}
