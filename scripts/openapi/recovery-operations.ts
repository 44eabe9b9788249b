import { idParamSchema } from '../../auth-service/src/api/schemas/auth.schemas.js';
import {
  forgotPasswordSchema,
  linkTokenSchema,
  resetPasswordSchema,
} from '../../auth-service/src/api/schemas/recovery.schemas.js';
import type { RouteKey } from '../../gateway/src/domain/route-table.js';
import type { Operation } from './operations.js';
import * as shapes from './schemas.js';

const LINKS =
  'Links open `PUBLIC_BASE_URL/account/<page>#token=...`: the token rides in the URL fragment, ' +
  'which browsers never send to a server; the page posts it here. A token holds 256 random bits, ' +
  'is stored only as its SHA-256 and works once. An unknown, used, expired or superseded one is ' +
  'a 400 "Invalid or expired link" (type `invalid-link`).';

/** The account-recovery routes (auth-service); the mails themselves are described in the README. */
export const recoveryOperations = {
  'POST /api/v1/auth/password/forgot': {
    operationId: 'forgotPassword',
    tag: 'recovery',
    summary: 'Mail a password reset link',
    description:
      'Always a 202 with the same body, answered before the address is even looked up, so status, ' +
      'body and timing say nothing about whether it has an account. A known, active account gets ' +
      'a link valid for `PASSWORD_RESET_TTL_MINUTES` (30); a newer link kills the older. Limited per ' +
      'client address at the gateway and to 3 an hour per address in auth-service (silently).',
    request: forgotPasswordSchema,
    success: { status: 202, description: 'Accepted', schemas: [shapes.forgotPasswordAccepted] },
  },
  'POST /api/v1/auth/password/reset': {
    operationId: 'resetPassword',
    tag: 'recovery',
    summary: 'Choose a new password with a mailed link',
    description: `${LINKS} With two-factor on, \`code\` (TOTP or backup code) is also required: missing is a 401 "A two-factor code is required", wrong is a 401 "Invalid or expired code", counted like a login's. The new password follows the policy (400 naming the rule). Success ends every session, refresh family and access token, kills every other reset link, clears the account lock, and mails the owner a notice. A password change since the link was mailed kills it.`,
    request: resetPasswordSchema,
    success: { status: 204, description: 'Password changed; every session ended' },
    errors: [400, 401],
  },
  'POST /api/v1/auth/email/verify': {
    operationId: 'verifyEmail',
    tag: 'recovery',
    summary: 'Verify an address, or confirm an email change',
    description: `${LINKS} A verification link marks the current address verified. A change-confirmation link (mailed to the new address by PUT /users/me) moves the login email and the profile to it, verified.`,
    request: linkTokenSchema,
    success: { status: 204, description: 'Verified' },
    errors: [400],
  },
  'POST /api/v1/auth/email/verify/resend': {
    operationId: 'resendVerification',
    tag: 'recovery',
    summary: 'Mail a new verification link',
    description:
      'The earlier link dies. 400 "Email address is already verified" when it is; 3 an hour per user.',
    personOnly: true,
    success: { status: 202, description: 'A new link is on its way' },
    errors: [400],
  },
  'POST /api/v1/auth/email/change/cancel': {
    operationId: 'cancelEmailChange',
    tag: 'recovery',
    summary: 'Cancel (or undo) an email change from the previous address',
    description: `${LINKS} Mailed to the previous address when a change is requested; works for \`EMAIL_CHANGE_CANCEL_TTL_HOURS\` (168). Pending changes die; a change already confirmed is reverted; every session and access token ends.`,
    request: linkTokenSchema,
    success: { status: 204, description: 'Cancelled; every session ended' },
    errors: [400],
  },
  'POST /api/v1/admin/users/{id}/password-reset': {
    operationId: 'adminPasswordReset',
    tag: 'admin',
    summary: 'Mail a user a password reset link',
    description:
      'The link goes to the user\'s address; the admin never sees it. 409 "User is deactivated" for an inactive account.',
    request: idParamSchema,
    success: { status: 202, description: 'The link is on its way' },
    errors: [404, 409],
  },
} satisfies Partial<Record<RouteKey, Operation>>;
