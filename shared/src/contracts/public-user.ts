import { z } from 'zod';

import { ROLES } from '../auth/rbac.js';

/**
 * The public user object: what a client gets for a profile (user-service's own routes, and
 * auth-service's registration answers). Unknown fields are dropped, not refused, so a field added
 * on one side breaks nobody; the services build it field by field, so no other column can slip in.
 */
export const publicUserSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  email: z.string(),
  email_verified: z.boolean(),
  full_name: z.string().nullable(),
  role: z.enum(ROLES),
  is_active: z.boolean(),
  created_at: z.iso.datetime({ offset: true }),
});
export type PublicUser = z.infer<typeof publicUserSchema>;

/**
 * The profile as user-service gives it to another service over `/internal/users`: the public user
 * plus the owner's settings that service acts on (auth-service mails sign-in alerts). Never sent
 * to a client as is: `toPublicUser` first.
 */
export const userProfileSchema = publicUserSchema.extend({
  sign_in_alerts: z.boolean(),
});
export type UserProfile = z.infer<typeof userProfileSchema>;

/** Exactly the public fields, whatever else the object carries. */
export function toPublicUser(user: PublicUser): PublicUser {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    email_verified: user.email_verified,
    full_name: user.full_name,
    role: user.role,
    is_active: user.is_active,
    created_at: user.created_at,
  };
}
