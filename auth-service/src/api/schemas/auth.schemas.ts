import { z } from 'zod';

import {
  apiKeyNameField,
  emailField as email,
  fullNameField,
  usernameField as username,
} from '@secure-api/shared/accounts';
import { PERMISSIONS, ROLES } from '@secure-api/shared/auth';

// Secrets are bounded so a megabyte "password" never reaches argon2; the policy's own limits
// (8..128) answer with a 400 naming the rule.
const secret = z.string().min(1).max(1024);

export const registerSchema = {
  body: z.strictObject({ username, email, password: secret, full_name: fullNameField.optional() }),
};
export type RegisterBody = z.infer<typeof registerSchema.body>;

export const createAccountSchema = {
  body: z.strictObject({
    username,
    email,
    password: secret,
    full_name: fullNameField.optional(),
    role: z.enum(ROLES).default('user'),
  }),
};
export type CreateAccountBody = z.infer<typeof createAccountSchema.body>;

export const loginSchema = {
  // Any string of sane size is a candidate email here: a malformed one is simply not found.
  body: z.strictObject({
    email: z.string().trim().toLowerCase().min(1).max(254),
    password: secret,
  }),
};
export type LoginBody = z.infer<typeof loginSchema.body>;

export const changePasswordSchema = {
  body: z.strictObject({ current_password: secret, new_password: secret }),
};
export type ChangePasswordBody = z.infer<typeof changePasswordSchema.body>;

export const idParamSchema = { params: z.strictObject({ id: z.uuid() }) };

export const changeEmailSchema = {
  body: z.strictObject({ current_password: secret, email }),
};
export type ChangeEmailBody = z.infer<typeof changeEmailSchema.body>;

// A 6-digit TOTP or a backup code (`xxxxx-xxxxx`); anything longer is not a code.
const code = z.string().trim().min(6).max(16);

export const mfaLoginSchema = {
  body: z.strictObject({ mfa_token: z.string().min(20).max(128), code }),
};
export type MfaLoginBody = z.infer<typeof mfaLoginSchema.body>;

export const codeSchema = { body: z.strictObject({ code }) };
export type CodeBody = z.infer<typeof codeSchema.body>;

// Sensitive changes take the password again (step-up), not only a bearer that may be stolen.
export const stepUpSchema = { body: z.strictObject({ password: secret }) };
export type StepUpBody = z.infer<typeof stepUpSchema.body>;

export const disableTwoFactorSchema = { body: z.strictObject({ password: secret, code }) };
export type DisableTwoFactorBody = z.infer<typeof disableTwoFactorSchema.body>;

export const backupCodesSchema = { body: z.strictObject({ code, password: secret }) };
export type BackupCodesBody = z.infer<typeof backupCodesSchema.body>;

export const createApiKeySchema = {
  body: z.strictObject({
    name: apiKeyNameField,
    scopes: z.array(z.enum(PERMISSIONS)).min(1).max(PERMISSIONS.length),
    expires_in_days: z.number().int().min(1).max(365).optional(),
    password: secret,
  }),
};
export type CreateApiKeyBody = z.infer<typeof createApiKeySchema.body>;

export const apiKeyIdSchema = { params: z.strictObject({ id: z.uuid() }) };

export const rotateApiKeySchema = { ...apiKeyIdSchema, ...stepUpSchema };

export const resolveApiKeySchema = { body: z.strictObject({ key: z.string().min(1).max(128) }) };
export type ResolveApiKeyBody = z.infer<typeof resolveApiKeySchema.body>;
