import { Router, type RequestHandler } from 'express';

import { requirePermission } from '@secure-api/shared/auth';
import { validated } from '@secure-api/shared/http';

import type { ProfileUseCases } from '../../domain/profile.use-case.js';
import { actorOf } from '../middleware/caller.js';
import { updateMeSchemas, updateSettingsSchemas } from '../schemas/me.schemas.js';
import { presentSettings, presentUser } from '../schemas/user.schemas.js';

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

  // The settings are the owner's alone, so they live beside the profile, not in the public user
  // object an admin also reads. PUT /users/me still accepts sign_in_alerts too.
  router.get(
    '/api/v1/users/me/settings',
    authenticated,
    requirePermission('self:read'),
    async (req, res) => {
      res.json(presentSettings(await profiles.get(actorOf(req).id)));
    },
  );

  router.put(
    '/api/v1/users/me/settings',
    authenticated,
    requirePermission('self:write'),
    validated(updateSettingsSchemas, async (req, res) => {
      const { user } = await profiles.update(actorOf(req), req.body);
      res.json(presentSettings(user));
    }),
  );

  return router;
}
