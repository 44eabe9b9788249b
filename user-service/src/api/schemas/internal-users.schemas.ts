import { z } from 'zod';

import { email, fullName, idParams, role, userId, username } from './user.schemas.js';

export const createInternalUserSchemas = {
  body: z.strictObject({
    id: userId,
    username,
    email,
    // True only for accounts made by someone who vouches for the address (the create-admin CLI).
    email_verified: z.boolean().default(false),
    full_name: fullName.default(null),
    role,
  }),
};

export const internalUserIdSchemas = { params: idParams };

export const setInternalUserEmailSchemas = {
  params: idParams,
  body: z.strictObject({ email, email_verified: z.boolean() }),
};
