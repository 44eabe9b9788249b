import { z } from 'zod';

// Control characters, line/paragraph separators, bidi overrides and lone surrogates: nothing that
// can forge log lines, make a name render as something else, or fail to encode (\p{Cs} with the
// `u` flag matches only an unpaired surrogate).
const UNSAFE_TEXT = /[\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069\p{Cs}]/u;

/**
 * Names are shown by clients we do not control, some of which will not escape them: markup is
 * removed before storage, not escaped. A complete tag becomes a space; a `<` or `>` left over (an
 * unclosed tag, `<3`) goes too, so no stored name ever holds one. Linear: `[^<>]*` cannot run past
 * the next bracket, so no input makes the expression backtrack.
 */
export function stripTags(value: string): string {
  return value
    .replace(/<[^<>]*>/g, ' ')
    .replace(/[<>]/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** Trimmed, within the bounds, no unsafe characters, markup stripped. */
const displayText = ({ min, max }: { min?: number; max: number }) =>
  (min === undefined ? z.string().trim() : z.string().trim().min(min))
    .max(max)
    .refine((value) => !UNSAFE_TEXT.test(value), 'Must not contain control characters')
    .transform(stripTags);

/** The account fields both auth-service and user-service accept, validated one way. */
export const usernameField = z
  .string()
  .min(3)
  .max(50)
  .regex(/^[A-Za-z0-9_.-]+$/, 'Only letters, digits, underscore, dot and hyphen');

/** Stored trimmed and lower-cased, so uniqueness and the login email agree. */
export const emailField = z.string().trim().toLowerCase().max(254).pipe(z.email());

/** An empty name (or one that was only markup) is no name. */
export const fullNameField = displayText({ max: 100 })
  .transform((value) => (value === '' ? null : value))
  .nullable()
  .meta({ description: 'HTML tags are stripped before storage; empty means no name' });

/** An API key's label, shown in the owner's key list: the same rules as a person's name. */
export const apiKeyNameField = displayText({ min: 1, max: 100 })
  .refine((value) => value !== '', 'Must contain text, not only markup')
  .meta({ description: 'HTML tags are stripped before storage' });
