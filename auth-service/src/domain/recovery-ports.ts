/** Where links point and how long each kind lives. */
export interface RecoverySettings {
  /** The web app the links open. */
  publicBaseUrl: string;
  passwordResetMinutes: number;
  emailVerificationHours: number;
  emailChangeCancelHours: number;
}

/** A message to one recipient: a plain-text part and a simple HTML part. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * The mail outbox. Inside a unit of work the message commits with the change that caused it, and
 * the relay delivers it afterwards, with retries: an SMTP outage delays mail, never loses it.
 */
export interface Mailbox {
  send(mail: OutgoingMail): Promise<void>;
}

export type AccountTokenPurpose =
  'password_reset' | 'email_verification' | 'email_change' | 'email_change_cancel';

/** A link mailed to `email`: what it allows is its purpose. The token itself is never stored. */
export interface AccountToken {
  id: string;
  userId: string;
  purpose: AccountTokenPurpose;
  email: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface AccountTokenStore {
  /**
   * A new 256-bit token, stored as its SHA-256; every earlier live token of the user for the same
   * purpose dies with it, so only the newest link works, unless `keepEarlier` (a cancel link must
   * outlive the next change request). Returns the token, to be mailed.
   */
  issue(input: {
    userId: string;
    purpose: AccountTokenPurpose;
    email: string;
    ttlSeconds: number;
    keepEarlier?: boolean;
  }): Promise<string>;
  /** The unused, unexpired token of that purpose, if the presented value is one. */
  findLive(token: string, purpose: AccountTokenPurpose): Promise<AccountToken | undefined>;
  /** Marks it used; false when another request used it first (single use under races). */
  consume(tokenId: string): Promise<boolean>;
  /** Kills the user's live tokens of those purposes (a password change kills reset links). */
  revoke(userId: string, purposes: readonly AccountTokenPurpose[]): Promise<number>;
  /**
   * Whether a live cancel link of another account may still move it back to this address: until
   * then nobody else may take the address, or the cancel link could not undo a hijack.
   */
  isReserved(email: string, exceptUserId?: string): Promise<boolean>;
}
