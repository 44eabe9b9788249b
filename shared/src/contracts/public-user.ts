import { z } from 'zod';

import { ROLES } from '../auth/rbac.js';

/**
 * The public user object: what user-service answers for a profile (its own routes and
 * `/internal/users`), and what auth-service reads back. Unknown fields are dropped, not refused,
 * so a field added on one side breaks nobody; user-service builds it field by field, so no other
 * column can slip in.
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
  sign_in_alerts: z.boolean(),
});
export type PublicUser = z.infer<typeof publicUserSchema>;
