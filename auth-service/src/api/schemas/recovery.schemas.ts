import { z } from 'zod';

import { emailField as email } from '@secure-api/shared/accounts';

// A mailed token is 43 base64url characters; anything of sane size is looked up (and not found),
// so a mangled link gets the same 400 as an expired one.
const token = z.string().min(1).max(128);
const secret = z.string().min(1).max(1024);
const code = z.string().trim().min(6).max(16);

export const forgotPasswordSchema = { body: z.strictObject({ email }) };
export type ForgotPasswordBody = z.infer<typeof forgotPasswordSchema.body>;

export const resetPasswordSchema = {
  body: z.strictObject({ token, new_password: secret, code: code.optional() }),
};
export type ResetPasswordBody = z.infer<typeof resetPasswordSchema.body>;

/** Email verification, email-change confirmation and email-change cancel: the link's token. */
export const linkTokenSchema = { body: z.strictObject({ token }) };
export type LinkTokenBody = z.infer<typeof linkTokenSchema.body>;

/** The one answer to every forgotten-password request, whether or not the address has an account. */
export const FORGOT_PASSWORD_ACCEPTED = {
  message: 'If an account uses this address, a link to reset its password is on its way.',
} as const;
