import { Router, type RequestHandler } from 'express';

import { validated } from '@secure-api/shared/http';

import type { ProvisioningUseCases } from '../../domain/provisioning.use-case.js';
import {
  createInternalUserSchemas,
  internalUserIdSchemas,
  setInternalUserEmailSchemas,
} from '../schemas/internal-users.schemas.js';
import { presentProfile } from '../schemas/user.schemas.js';

/**
 * Service-to-service only (auth-service's registration saga and email verification); the gateway
 * never routes here.
 */
export function internalUsersRoutes(
  serviceOnly: RequestHandler,
  provisioning: ProvisioningUseCases,
): Router {
  const router = Router();

  router.post(
    '/internal/users',
    serviceOnly,
    validated(createInternalUserSchemas, async (req, res) => {
      const { user, created } = await provisioning.create(req.body);
      res.status(created ? 201 : 200).json(presentProfile(user));
    }),
  );

  router.get(
    '/internal/users/:id',
    serviceOnly,
    validated(internalUserIdSchemas, async (req, res) => {
      res.json(presentProfile(await provisioning.get(req.params.id)));
    }),
  );

  router.put(
    '/internal/users/:id/email',
    serviceOnly,
    validated(setInternalUserEmailSchemas, async (req, res) => {
      const { email, email_verified } = req.body;
      res.json(presentProfile(await provisioning.setEmail(req.params.id, email, email_verified)));
    }),
  );

  router.delete(
    '/internal/users/:id',
    serviceOnly,
    validated(internalUserIdSchemas, async (req, res) => {
      await provisioning.remove(req.params.id);
      res.status(204).end();
    }),
  );

  return router;
}
