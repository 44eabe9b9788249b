import type { Role } from '@secure-api/shared/auth';
import type { UserCounts } from '@secure-api/shared/contracts';

// The answer of GET /internal/users/stats is a contract with audit-service, declared in shared.
export type { UserCounts };

/**
 * A profile as the domain sees it: the public user object and the owner's settings, no internal
 * column. The settings are not part of the public user object (GET /users/me/settings shows them).
 */
export interface User {
  id: string;
  username: string;
  email: string;
  /** Whether the owner proved they read mail at `email`; auth-service says so. */
  email_verified: boolean;
  full_name: string | null;
  role: Role;
  is_active: boolean;
  created_at: Date;
  /** Whether a sign-in mails the owner an alert; theirs to turn off. */
  sign_in_alerts: boolean;
}

/** What the owner chose for their account, shown only to them and to the services that act on it. */
export type UserSettings = Pick<User, 'sign_in_alerts'>;

export type NewUser = Pick<
  User,
  'id' | 'username' | 'email' | 'email_verified' | 'full_name' | 'role'
>;

export type UserFields = Partial<
  Pick<User, 'email' | 'email_verified' | 'full_name' | 'role' | 'is_active' | 'sign_in_alerts'>
>;

/**
 * What a use case decides once it has seen the locked row: the fields to write, and work that must
 * succeed before the change commits (its security event, an auth-service call, a token
 * revocation). If that work throws, nothing is written. `beforeWrite` runs before the row is
 * written, so before its unique indexes can refuse anything.
 */
export interface UserChange {
  set: UserFields;
  beforeWrite?: () => Promise<void>;
  beforeCommit?: (updated: User) => Promise<void>;
}

/** A username, email or id already belongs to a row; raised from the unique indexes. */
export class DuplicateUserError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('duplicate user', options);
    this.name = 'DuplicateUserError';
  }
}

export interface UserPage {
  users: User[];
  total: number;
}

export interface UserStore {
  findById(id: string): Promise<User | undefined>;
  list(offset: number, limit: number): Promise<UserPage>;
  /** Throws DuplicateUserError when the id, username or email is taken. */
  insert(user: NewUser): Promise<User>;
  /**
   * In one unit of work (events recorded in `beforeCommit` commit with the change): lock the row,
   * let `decide` see it, write what it returns, run its `beforeCommit`, commit. Undefined when
   * there is no such user. Throws DuplicateUserError.
   */
  update(id: string, decide: (current: User) => UserChange): Promise<User | undefined>;
  /** Like update: lock, run `beforeDelete` (which may refuse by throwing), delete, commit. */
  remove(id: string, beforeDelete: (current: User) => Promise<void>): Promise<boolean>;
  /** Deletes if present; true when a row went. */
  removeIfExists(id: string): Promise<boolean>;
}

/** auth-service's side of an identity: the login email and the credentials themselves. */
export interface CredentialsGateway {
  /**
   * Resolves when auth-service accepted the change: it mailed a confirmation link to the new
   * address and a notice to the old one; nothing has moved yet. Otherwise throws the error the
   * client gets.
   */
  changeEmail(input: {
    callerToken: string;
    currentPassword: string;
    email: string;
  }): Promise<void>;
  /** Idempotent: resolves also when there were no credentials. */
  deleteCredentials(input: { callerToken: string; userId: string }): Promise<void>;
  /**
   * Ends every session (refresh family), access token and cached API-key token of the account
   * for good. Idempotent.
   */
  endSessions(input: { callerToken: string; userId: string }): Promise<void>;
}

export interface TokenRevoker {
  /** Every token issued so far dies; each call goes past the mark of the one before. */
  revokeUser(userId: string): Promise<unknown>;
}

/** How many profiles there are, by role and by active state (GET /internal/users/stats). */
export interface UserCountSource {
  counts(): Promise<UserCounts>;
}
