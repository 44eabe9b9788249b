export interface TotpFactor {
  userId: string;
  /** The seed, encrypted for this user (SecretBox). */
  secretSealed: string;
  enabled: boolean;
  lastTimeStep: number | undefined;
}

export interface TwoFactorStore {
  find(userId: string): Promise<TotpFactor | undefined>;
  /** A pending (not yet enabled) factor replaces any earlier pending one. */
  savePending(userId: string, secretSealed: string): Promise<void>;
  /** Records a time step only if it is newer than the last: one code cannot win twice. */
  acceptTimeStep(userId: string, timeStep: number): Promise<boolean>;
  /** Enables the factor and installs the backup codes, atomically. */
  enable(userId: string, codeHashes: string[]): Promise<void>;
  replaceCodes(userId: string, codeHashes: string[]): Promise<void>;
  /** Marks an unused code used; true only for the single request that wins. */
  consumeCode(userId: string, codeHash: string): Promise<boolean>;
  /** The factor and its backup codes. */
  remove(userId: string): Promise<void>;
}

/** How many codes may be checked: per mfa_token, and per account within a window. */
export interface CodeLimits {
  perChallenge: number;
  perAccount: number;
  accountWindowSeconds: number;
}

export type Reservation =
  | { kind: 'reserved'; failures: number; windowMs: number }
  | { kind: 'held' | 'expired' | 'exhausted' };

/**
 * The password step's proof for the second step (the mfa_token: short-lived, single use, a few
 * codes at most) and the account's count of wrong codes across every challenge and route.
 */
export interface MfaChallenges {
  create(userId: string): Promise<string>;
  userOf(token: string): Promise<string | undefined>;
  /** Claims the right to check one code, counted as a failure until released. */
  reserve(userId: string, limits: CodeLimits, challenge?: string): Promise<Reservation>;
  /** The reserved code was right: it does not count against the account. */
  release(userId: string): Promise<void>;
  /** Single use: true only for the one request that removes it. */
  consume(token: string): Promise<boolean>;
}
