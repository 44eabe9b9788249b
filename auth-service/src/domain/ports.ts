import type { UserProfile } from '@secure-api/shared/contracts';
import type { AnySecurityEvent } from '@secure-api/shared/events';

import type { PresentedCookies } from './device-cookies.js';
import type { PolicySource, SecurityPolicy } from './security-policy.js';

/**
 * A change and its security events, committed together (shared's UnitOfWork). Queries made inside
 * `run` join its transaction by themselves, so no port takes a transaction.
 */
export interface UnitOfWork {
  /** Joins the unit of work already running in this async context, or starts one. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Inside `run`: commits with the change; outside: in a transaction of its own. */
  record(events: AnySecurityEvent | readonly AnySecurityEvent[]): Promise<void>;
}

export type EventRecorder = Pick<UnitOfWork, 'record'>;

export interface ClientInfo {
  ip: string | undefined;
  userAgent: string | undefined;
}

/** A client logging in: also the device cookies it presented. */
export interface LoginClient extends ClientInfo {
  deviceCookies: PresentedCookies;
}

export interface Credential {
  userId: string;
  email: string;
  passwordHash: string;
  passwordChangedAt: Date;
}

/** The login email already belongs to another credential; raised from the unique index. */
export class EmailTakenError extends Error {
  constructor() {
    super('email taken');
    this.name = 'EmailTakenError';
  }
}

export interface CredentialStore {
  findByEmail(email: string): Promise<Credential | undefined>;
  findById(userId: string): Promise<Credential | undefined>;
  /** Throws EmailTakenError. */
  create(credential: Omit<Credential, 'passwordChangedAt'>): Promise<void>;
  /** `changed`: a new password (its change time moves), not a rehash of the same one. */
  updatePasswordHash(userId: string, passwordHash: string, changed: boolean): Promise<void>;
  /** Throws EmailTakenError. */
  updateEmail(userId: string, email: string): Promise<void>;
  /** Sessions and API keys go with it. */
  delete(userId: string): Promise<boolean>;
  /** Marks a completed login now; true when the account had completed one before. */
  recordLogin(userId: string): Promise<boolean>;
}

/**
 * A profile as user-service gives it over /internal/users: the public user object and the sign-in
 * alert setting; a client gets it through `toPublicUser`.
 */
export type { UserProfile };

/** user-service already holds that id, username or email. */
export class ProfileConflictError extends Error {
  constructor() {
    super('profile conflict');
    this.name = 'ProfileConflictError';
  }
}

/** What registration tells user-service; `email_verified` only for accounts an operator vouches for. */
export type NewProfile = Omit<
  UserProfile,
  'is_active' | 'created_at' | 'email_verified' | 'sign_in_alerts'
> & { email_verified?: boolean };

/** user-service, the owner of profiles; a failure to reach it throws the 503 clients see. */
export interface UserDirectory {
  /** Throws ProfileConflictError. */
  create(profile: NewProfile): Promise<UserProfile>;
  get(userId: string): Promise<UserProfile | undefined>;
  /**
   * The profile's address, confirmed by a mailed link (verification, change, cancel). Throws
   * ProfileConflictError when another profile holds it, or the user is gone.
   */
  setEmail(userId: string, email: string, verified: boolean): Promise<UserProfile>;
  /** Idempotent: the registration saga's compensation. */
  remove(userId: string): Promise<void>;
}

export interface PolicyStore extends PolicySource {
  /** Appends a new version and publishes it. */
  replace(
    policy: SecurityPolicy,
    changedBy: string,
  ): Promise<{ previous: SecurityPolicy; version: number }>;
}
