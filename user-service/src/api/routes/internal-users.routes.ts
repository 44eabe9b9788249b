import { Router, type RequestHandler } from 'express';
import type { z } from 'zod';

import { validate } from '@secure-api/shared/http';

import type { ProvisioningUseCases } from '../../domain/provisioning.use-case.js';
import {
  createInternalUserSchemas,
  internalUserIdSchemas,
} from '../schemas/internal-users.schemas.js';
import { presentUser, type idParams } from '../schemas/user.schemas.js';

type Id = z.output<typeof idParams>;

/** Service-to-service only (auth-service's registration saga); the gateway never routes here. */
export function internalUsersRoutes(
  serviceOnly: RequestHandler,
  provisioning: ProvisioningUseCases,
): Router {
  const router = Router();

  router.post(
    '/internal/users',
    serviceOnly,
    validate(createInternalUserSchemas),
    async (req, res) => {
      const body = req.body as z.output<typeof createInternalUserSchemas.body>;
      const { user, created } = await provisioning.create(body);
      res.status(created ? 201 : 200).json(presentUser(user));
    },
  );

  router.get(
    '/internal/users/:id',
    serviceOnly,
    validate(internalUserIdSchemas),
    async (req, res) => {
      res.json(presentUser(await provisioning.get((req.params as Id).id)));
    },
  );

  router.delete(
    '/internal/users/:id',
    serviceOnly,
    validate(internalUserIdSchemas),
    async (req, res) => {
      await provisioning.remove((req.params as Id).id);
      res.status(204).end();
    },
  );

  return router;
}
