import { z } from 'zod';

import { maskedEmail, role } from './fields.js';

// Event data of user-service, version 1; subject.user_id is always the profile concerned.

export const userEvents = {
  'user.created': {
    version: 1,
    data: z.strictObject({ email_masked: maskedEmail, role }),
  },
  /**
   * Which fields changed; a changed email appears only masked. `sign_in_alerts` joined the enum
   * without a new version: a widening, so every v1 event written before still reads.
   */
  'user.updated': {
    version: 1,
    data: z.strictObject({
      fields: z
        .array(z.enum(['full_name', 'email', 'sign_in_alerts']))
        .min(1)
        .max(3),
      email_masked: maskedEmail.optional(),
    }),
  },
  'user.role_changed': {
    version: 1,
    data: z.strictObject({ from: role, to: role }),
  },
  'user.status_changed': {
    version: 1,
    data: z.strictObject({ is_active: z.boolean() }),
  },
  'user.deleted': {
    version: 1,
    data: z.strictObject({ role }),
  },
} as const;
