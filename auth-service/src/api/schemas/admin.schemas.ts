import type { z } from 'zod';

import { securityPolicySchema } from '../../domain/security-policy.js';

export const updatePolicySchema = {
  // Partial at the top level; a nested object, when given, is given whole.
  body: securityPolicySchema
    .partial()
    .refine((body) => Object.keys(body).length > 0, 'At least one setting is required'),
};
export type UpdatePolicyBody = z.infer<typeof updatePolicySchema.body>;
