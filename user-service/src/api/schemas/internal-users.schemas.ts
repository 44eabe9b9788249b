import { z } from 'zod';

import { email, fullName, idParams, role, userId, username } from './user.schemas.js';

export const createInternalUserSchemas = {
  body: z.strictObject({ id: userId, username, email, full_name: fullName.default(null), role }),
};

export const internalUserIdSchemas = { params: idParams };
