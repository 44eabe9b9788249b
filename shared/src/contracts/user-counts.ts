import { z } from 'zod';

const count = z.number().int().min(0);

/**
 * user-service's `GET /internal/users/stats`, which audit-service shows in `/admin/stats`. Strict:
 * audit-service passes it on to an admin as it is, so nothing it does not know may ride along.
 */
export const userCountsSchema = z.strictObject({
  total: count,
  by_role: z.strictObject({ admin: count, moderator: count, user: count, viewer: count }),
  active: count,
  inactive: count,
});
export type UserCounts = z.infer<typeof userCountsSchema>;
