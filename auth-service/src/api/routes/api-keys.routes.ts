import { Router, type RequestHandler } from 'express';

import { claimsOf, validate } from '@secure-api/shared';

import {
  createApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
} from '../../domain/api-keys.use-case.js';
import type { AuthDeps } from '../../domain/auth-deps.js';
import {
  apiKeyIdSchema,
  createApiKeySchema,
  type CreateApiKeyBody,
} from '../schemas/auth.schemas.js';

export function apiKeyRoutes(deps: AuthDeps, bearer: RequestHandler): Router {
  const router = Router();

  router.get('/api/v1/auth/api-keys', bearer, async (req, res) => {
    res.json({ api_keys: await listApiKeys(deps, claimsOf(req).sub) });
  });

  router.post('/api/v1/auth/api-keys', bearer, validate(createApiKeySchema), async (req, res) => {
    res.status(201).json(await createApiKey(deps, claimsOf(req), req.body as CreateApiKeyBody));
  });

  router.delete('/api/v1/auth/api-keys/:id', bearer, validate(apiKeyIdSchema), async (req, res) => {
    await revokeApiKey(deps, claimsOf(req).sub, req.params.id as string);
    res.status(204).end();
  });

  router.post(
    '/api/v1/auth/api-keys/:id/rotate',
    bearer,
    validate(apiKeyIdSchema),
    async (req, res) => {
      res.status(201).json(await rotateApiKey(deps, claimsOf(req), req.params.id as string));
    },
  );

  return router;
}
