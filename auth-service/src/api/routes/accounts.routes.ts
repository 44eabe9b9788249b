import { Router, type RequestHandler } from 'express';

import { canManageRole, claimsOf, requirePermission } from '@secure-api/shared/auth';
import { toPublicUser } from '@secure-api/shared/contracts';
import { validated } from '@secure-api/shared/http';

import type { AuthComponents } from '../dependencies.js';
import { AuthProblems } from '../../domain/auth-problems.js';
import { createAccount } from '../../domain/register.use-case.js';
import { createAccountSchema } from '../schemas/auth.schemas.js';

/** POST /api/v1/users: an account with a password is a credential first, so auth-service runs it. */
export function accountRoutes(deps: AuthComponents, bearer: RequestHandler): Router {
  const router = Router();

  router.post(
    '/api/v1/users',
    bearer,
    requirePermission('users:write'),
    validated(createAccountSchema, async (req, res) => {
      const body = req.body;
      if (!canManageRole(claimsOf(req).role, body.role))
        throw AuthProblems.insufficientPermissions();
      const profile = await createAccount(deps, body, { via: 'admin', actorId: claimsOf(req).sub });
      res.status(201).json(toPublicUser(profile));
    }),
  );

  return router;
}
