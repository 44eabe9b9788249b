import { Router, type RequestHandler } from 'express';

import { requirePermission } from '@secure-api/shared/auth';
import { validated } from '@secure-api/shared/http';

import type { ProfileUseCases } from '../../domain/profile.use-case.js';
import { actorOf } from '../middleware/caller.js';
import { updateMeSchemas } from '../schemas/me.schemas.js';
import { presentUser } from '../schemas/user.schemas.js';

export function meRoutes(authenticated: RequestHandler, profiles: ProfileUseCases): Router {
  const router = Router();

  router.get(
    '/api/v1/users/me',
    authenticated,
    requirePermission('self:read'),
    async (req, res) => {
      res.json(presentUser(await profiles.get(actorOf(req).id)));
    },
  );

  router.put(
    '/api/v1/users/me',
    authenticated,
    requirePermission('self:write'),
    validated(updateMeSchemas, async (req, res) => {
      const { user, emailChangeRequested } = await profiles.update(actorOf(req), req.body);
      // 202: the new email waits for its confirmation link; the body still shows the old one.
      res.status(emailChangeRequested ? 202 : 200).json(presentUser(user));
    }),
  );

  return router;
}
