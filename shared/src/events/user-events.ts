import { z } from 'zod';

import { maskedEmail, role } from './fields.js';

// Event data of user-service, version 1; subject.user_id is always the profile concerned.

export const userEvents = {
  'user.created': {
    version: 1,
    data: z.strictObject({ email_masked: maskedEmail, role }),
  },
  /** Which fields changed; a changed email appears only masked. */
  'user.updated': {
    version: 1,
    data: z.strictObject({
      fields: z
        .array(z.enum(['full_name', 'email']))
        .min(1)
        .max(2),
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
