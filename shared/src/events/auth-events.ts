import { z } from 'zod';

import {
  amr,
  count,
  id,
  maskedEmail,
  permission,
  role,
  settingName,
  settingValue,
  timestamp,
} from './fields.js';

// Event data of auth-service, version 1 of each type. Strict: an unknown field is an error, so a
// password, token, code or secret can only reach an event if someone adds a field for it here.

const sessionsRevoked = z.strictObject({ sessions_revoked: count });

export const authEvents = {
  /** Registration, admin-created account or the create-admin CLI; subject = the new user. */
  'auth.user.registered': {
    version: 1,
    data: z.strictObject({
      email_masked: maskedEmail,
      role,
      via: z.enum(['self_registration', 'admin', 'cli']),
    }),
  },
  /**
   * subject.user_id = the user, subject.session_id = the new refresh family. new_device: the client
   * showed no valid device cookie for this account (optional only so that v1 events written before
   * the field existed still validate; auth-service always sets it).
   */
  'auth.login.succeeded': {
    version: 1,
    data: z.strictObject({ amr, new_device: z.boolean().optional() }),
  },
  /** subject.user_id only when the account exists; the reason is for admins, never clients. */
  'auth.login.failed': {
    version: 1,
    data: z.strictObject({
      email_masked: maskedEmail,
      reason: z.enum([
        'unknown_account',
        'wrong_password',
        'inactive',
        'locked',
        'throttled',
        'mfa_invalid',
        'mfa_expired',
        'mfa_exhausted',
        // A known browser (valid device cookie) whose own failure counter is full.
        'device_locked',
        // A wrong password where a signed-in user had to confirm theirs (change, step-up).
        'confirmation_failed',
        // The right password, for an address not yet verified while the policy requires it.
        'email_unverified',
      ]),
    }),
  },
  'auth.account.locked': {
    version: 1,
    data: z.strictObject({
      email_masked: maskedEmail,
      failed_attempts: count,
      locked_until: timestamp,
    }),
  },
  /** Too many wrong second-factor codes for subject.user_id: every code refused until then. */
  'auth.mfa.locked': {
    version: 1,
    data: z.strictObject({ failed_attempts: count, locked_until: timestamp }),
  },
  'auth.account.unlocked': {
    version: 1,
    data: z.strictObject({ reason: z.enum(['admin', 'expired']) }),
  },
  /** within_grace: the immediately previous token inside the grace window (two tabs). */
  'auth.token.refreshed': {
    version: 1,
    data: z.strictObject({ within_grace: z.boolean() }),
  },
  'auth.token.reuse_detected': { version: 1, data: sessionsRevoked },
  'auth.logout': {
    version: 1,
    data: z.strictObject({ sessions_revoked: count, access_token_revoked: z.boolean() }),
  },
  'auth.logout_all': { version: 1, data: sessionsRevoked },
  'auth.password.changed': { version: 1, data: sessionsRevoked },
  /** Runtime policy change; nested settings flattened (`login_rate_limit.points`). */
  'auth.policy.changed': {
    version: 1,
    data: z.strictObject({
      changes: z
        .array(z.strictObject({ setting: settingName, from: settingValue, to: settingValue }))
        .max(50),
    }),
  },
  /** An admin ended every session of subject.user_id. */
  'auth.sessions.revoked': { version: 1, data: sessionsRevoked },
  'auth.2fa.enabled': {
    version: 1,
    data: z.strictObject({ backup_codes: count }),
  },
  'auth.2fa.disabled': {
    version: 1,
    data: z.strictObject({ reason: z.enum(['user', 'admin', 'account_deleted']) }),
  },
  'auth.2fa.backup_codes_regenerated': {
    version: 1,
    data: z.strictObject({ backup_codes: count }),
  },
  /**
   * Someone asked for a password reset link (self-service by email, or an admin for subject.user_id).
   * Failure when no link went out: the reason is for admins, the client always saw the same 202.
   */
  'auth.password_reset.requested': {
    version: 1,
    data: z.strictObject({
      via: z.enum(['self_service', 'admin']),
      email_masked: maskedEmail,
      reason: z.enum(['unknown_account', 'inactive', 'throttled']).optional(),
    }),
  },
  /** A reset link was followed: the password changed and every session of subject.user_id ended. */
  'auth.password_reset.completed': {
    version: 1,
    data: z.strictObject({ sessions_revoked: count, second_factor: z.boolean() }),
  },
  'auth.email.verification_sent': {
    version: 1,
    data: z.strictObject({
      email_masked: maskedEmail,
      via: z.enum(['registration', 'resend']),
    }),
  },
  'auth.email.verified': {
    version: 1,
    data: z.strictObject({ email_masked: maskedEmail }),
  },
  /** A confirmation link went to the new address and a cancel link to the current one. */
  'auth.email.change_requested': {
    version: 1,
    data: z.strictObject({ email_masked: maskedEmail, previous_email_masked: maskedEmail }),
  },
  'auth.email.changed': {
    version: 1,
    data: z.strictObject({ email_masked: maskedEmail, previous_email_masked: maskedEmail }),
  },
  /**
   * The owner of the previous address followed the cancel link: pending changes died, every
   * session ended, and a change already confirmed was reverted (`reverted`).
   */
  'auth.email.change_cancelled': {
    version: 1,
    data: z.strictObject({
      email_masked: maskedEmail,
      reverted: z.boolean(),
      sessions_revoked: count,
    }),
  },
  /** A full login from a browser without this account's device cookie; `alerted`: mail went out. */
  'auth.login.new_device': {
    version: 1,
    data: z.strictObject({ alerted: z.boolean() }),
  },
  /** subject.key_id = the key; the key itself, its secret and prefix never appear. */
  'auth.apikey.created': {
    version: 1,
    data: z.strictObject({ scopes: z.array(permission).max(20), expires_at: timestamp.nullable() }),
  },
  /** subject.key_id = the retired key. */
  'auth.apikey.rotated': {
    version: 1,
    data: z.strictObject({ new_key_id: id, grace_seconds: count }),
  },
  'auth.apikey.revoked': {
    version: 1,
    data: z.strictObject({
      reason: z.enum(['user', 'admin', 'rotated', 'expired', 'owner_deleted', 'owner_deactivated']),
    }),
  },
} as const;
