import { z } from 'zod';

import { idParams, role } from './user.schemas.js';

const positiveInteger = (max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,9}$/, 'Expected a positive integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max));

export const listUsersSchemas = {
  query: z.strictObject({
    page: positiveInteger(1_000_000).default(1),
    per_page: positiveInteger(100).default(20),
  }),
};

export const getUserSchemas = { params: idParams };

export const changeRoleSchemas = { params: idParams, body: z.strictObject({ role }) };

export const changeStatusSchemas = {
  params: idParams,
  body: z.strictObject({ is_active: z.boolean() }),
};

export const deleteUserSchemas = { params: idParams };
