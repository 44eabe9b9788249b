import { z } from 'zod';

import { ROLES } from '@secure-api/shared';

// Secrets are bounded so a megabyte "password" never reaches argon2; the policy's own limits
// (8..128) answer with a 400 naming the rule.
const secret = z.string().min(1).max(1024);
const email = z.string().trim().toLowerCase().max(254).pipe(z.email());
const username = z
  .string()
  .trim()
  .min(3)
  .max(50)
  .regex(/^[A-Za-z0-9_.-]+$/, 'Only letters, digits, dot, underscore and hyphen');
const fullName = z
  .string()
  .trim()
  .max(100)
  .regex(/^\P{Cc}*$/u, 'No control characters');

export const registerSchema = {
  body: z.strictObject({ username, email, password: secret, full_name: fullName.nullish() }),
};
export type RegisterBody = z.infer<typeof registerSchema.body>;

export const createAccountSchema = {
  body: z.strictObject({
    username,
    email,
    password: secret,
    full_name: fullName.nullish(),
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
