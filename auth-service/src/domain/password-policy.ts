import { dictionary } from '@zxcvbn-ts/language-common';

import type { AppError } from '@secure-api/shared/http';

import { AuthProblems } from './auth-problems.js';

// ~49,000 most common passwords (zxcvbn-ts common dictionary), compared case-insensitively.
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  dictionary['passwords-common'].map((p) => p.toLowerCase()),
);

export const COMMON_PASSWORD_COUNT = COMMON_PASSWORDS.size;

export interface PasswordPolicy {
  /** `composition`: the default (upper, lower, digit, special); `asvs`: length only. */
  style: 'composition' | 'asvs';
  minLength: number;
  maxLength: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  style: 'composition',
  minLength: 8,
  maxLength: 128,
};

/** The first rule the password breaks, as a client-facing 400; nothing when it is acceptable. */
export function checkPassword(
  password: string,
  identity: { username?: string; email?: string },
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
): AppError | undefined {
  // Code points, not UTF-16 units: NIST counts characters as the user typed them.
  const length = Array.from(password).length;
  if (length < policy.minLength) {
    return AuthProblems.weakPassword(
      `Password must be at least ${policy.minLength} characters long`,
    );
  }
  if (length > policy.maxLength) {
    return AuthProblems.weakPassword(
      `Password must be at most ${policy.maxLength} characters long`,
    );
  }
  if (policy.style === 'composition') {
    if (!/\p{Lu}/u.test(password))
      return AuthProblems.weakPassword('Password must contain an uppercase letter');
    if (!/\p{Ll}/u.test(password))
      return AuthProblems.weakPassword('Password must contain a lowercase letter');
    if (!/\p{Nd}/u.test(password))
      return AuthProblems.weakPassword('Password must contain a digit');
    if (!/[^\p{L}\p{Nd}]/u.test(password))
      return AuthProblems.weakPassword('Password must contain a special character');
  }
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return AuthProblems.weakPassword('Password is too common');
  // Common passwords dressed up with a capital and a trailing digit/symbol are still common.
  const core = lower.replace(/[^a-z0-9]+$/, '');
  if (core !== lower && COMMON_PASSWORDS.has(core))
    return AuthProblems.weakPassword('Password is too common');
  const localPart = identity.email?.split('@')[0]?.toLowerCase();
  for (const part of [identity.username?.toLowerCase(), localPart]) {
    if (part && part.length >= 3 && lower.includes(part)) {
      return AuthProblems.weakPassword('Password must not contain your username or email');
    }
  }
  return undefined;
}
