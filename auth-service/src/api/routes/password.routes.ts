import { Router, type RequestHandler } from 'express';

import { claimsOf, requirePermission } from '@secure-api/shared/auth';
import { validated } from '@secure-api/shared/http';

import type { AuthComponents } from '../dependencies.js';
import { changePassword } from '../../domain/change-password.use-case.js';
import { clientInfo } from '../refresh-cookie.js';
import { changePasswordSchema } from '../schemas/auth.schemas.js';

export function passwordRoutes(deps: AuthComponents, bearer: RequestHandler): Router {
  const router = Router();

  router.post(
    '/api/v1/users/me/change-password',
    bearer,
    requirePermission('self:write'),
    validated(changePasswordSchema, async (req, res) => {
      const body = req.body;
      const result = await changePassword(deps, claimsOf(req), body, clientInfo(req));
      res.json({
        access_token: result.accessToken,
        token_type: 'bearer',
        expires_in: result.expiresIn,
      });
    }),
  );

  return router;
}
