import { z } from 'zod';

import { email, fullName } from './user.schemas.js';

export const updateMeSchemas = {
  // No role, is_active, username or anything else: mass assignment is a 422.
  body: z.strictObject({
    full_name: fullName.optional(),
    sign_in_alerts: z.boolean().optional(),
    email: email.optional(),
    current_password: z.string().min(1).max(1024).optional(),
  }),
};

export const updateSettingsSchemas = {
  body: z.strictObject({ sign_in_alerts: z.boolean() }),
};
