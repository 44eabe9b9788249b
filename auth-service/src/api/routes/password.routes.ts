import { Router, type RequestHandler } from 'express';

import { claimsOf, requirePermission, validate } from '@secure-api/shared';

import type { AuthDeps } from '../../domain/auth-deps.js';
import { changePassword } from '../../domain/change-password.use-case.js';
import { changePasswordSchema, type ChangePasswordBody } from '../schemas/auth.schemas.js';

export function passwordRoutes(deps: AuthDeps, bearer: RequestHandler): Router {
  const router = Router();

  router.post(
    '/api/v1/users/me/change-password',
    bearer,
    requirePermission('self:write'),
    validate(changePasswordSchema),
    async (req, res) => {
      const result = await changePassword(deps, claimsOf(req), req.body as ChangePasswordBody);
      res.json({
        access_token: result.accessToken,
        token_type: 'bearer',
        expires_in: result.expiresIn,
      });
    },
  );

  return router;
}
