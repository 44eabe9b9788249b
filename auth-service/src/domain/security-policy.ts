import { z } from 'zod';

import type { PasswordPolicy } from './password-policy.js';

/**
 * The runtime security policy (GET/PUT /api/v1/admin/config). Bounds keep an admin from turning a
 * protection off by accident or malice: no lockout threshold of 0 or 10^9, no one-second lockout.
 */
export const securityPolicySchema = z.strictObject({
  max_login_attempts: z.number().int().min(3).max(100),
  lockout_window_minutes: z.number().int().min(1).max(1440),
  lockout_duration_minutes: z.number().int().min(1).max(1440),
  password_policy: z.enum(['composition', 'asvs']),
  password_min_length: z.number().int().min(8).max(64),
  login_rate_limit: z.strictObject({
    points: z.number().int().min(1).max(1000),
    duration_seconds: z.number().int().min(1).max(86_400),
  }),
  /**
   * A browser showing a device cookie of the account (from an earlier full login) is not held by
   * the account lock, only by its own counter. Off: device cookies are neither honoured nor set.
   */
  device_trust: z.boolean(),
  /**
   * A correct password for an address nobody has confirmed gets 403 instead of a session. Safe to
   * tell apart only because the password was right.
   */
  require_verified_email: z.boolean(),
});
export type SecurityPolicy = z.infer<typeof securityPolicySchema>;

/** ASVS 5 style drops composition rules but asks for length: at least 12 there. */
export const ASVS_MIN_LENGTH = 12;

export function checkPolicyCoherence(policy: SecurityPolicy): string | undefined {
  if (policy.password_policy === 'asvs' && policy.password_min_length < ASVS_MIN_LENGTH) {
    return `password_min_length must be at least ${ASVS_MIN_LENGTH} with the asvs password policy`;
  }
  return undefined;
}

export function passwordPolicyOf(policy: SecurityPolicy): PasswordPolicy {
  return { style: policy.password_policy, minLength: policy.password_min_length, maxLength: 128 };
}

export interface PolicySource {
  /** The policy in force now (cached briefly; every replica converges within a second). */
  current(): Promise<SecurityPolicy>;
}
