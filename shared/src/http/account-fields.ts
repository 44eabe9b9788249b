import { z } from 'zod';

// Control characters, line/paragraph separators and bidi overrides: nothing that can forge log
// lines or make a name render as something else.
const UNSAFE_TEXT = /[\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069]/u;

/** The account fields both auth-service and user-service accept, validated one way. */
export const usernameField = z
  .string()
  .min(3)
  .max(50)
  .regex(/^[A-Za-z0-9_.-]+$/, 'Only letters, digits, underscore, dot and hyphen');

/** Stored trimmed and lower-cased, so uniqueness and the login email agree. */
export const emailField = z.string().trim().toLowerCase().max(254).pipe(z.email());

/** An empty name is no name. */
export const fullNameField = z
  .string()
  .trim()
  .max(100)
  .refine((value) => !UNSAFE_TEXT.test(value), 'Must not contain control characters')
  .transform((value) => (value === '' ? null : value))
  .nullable();
