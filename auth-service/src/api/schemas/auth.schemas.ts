import { z } from 'zod';

import {
  emailField as email,
  fullNameField,
  ROLES,
  usernameField as username,
} from '@secure-api/shared';

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
