import { Router, type RequestHandler } from 'express';

import { claimsOf, validate } from '@secure-api/shared';

import { revokeAllApiKeys, revokeApiKey } from '../../domain/api-key-revocation.use-case.js';
import { createApiKey, listApiKeys, rotateApiKey } from '../../domain/api-keys.use-case.js';
import type { AuthComponents } from '../dependencies.js';
import { clientInfo } from '../refresh-cookie.js';
import {
  apiKeyIdSchema,
  createApiKeySchema,
  rotateApiKeySchema,
  stepUpSchema,
  type CreateApiKeyBody,
  type StepUpBody,
} from '../schemas/auth.schemas.js';

export function apiKeyRoutes(deps: AuthComponents, bearer: RequestHandler): Router {
  const router = Router();

  router.get('/api/v1/auth/api-keys', bearer, async (req, res) => {
    res.json({ api_keys: await listApiKeys(deps, claimsOf(req).sub) });
  });

  router.post('/api/v1/auth/api-keys', bearer, validate(createApiKeySchema), async (req, res) => {
    const body = req.body as CreateApiKeyBody;
    res.status(201).json(await createApiKey(deps, claimsOf(req), body, clientInfo(req)));
  });

  router.delete('/api/v1/auth/api-keys', bearer, validate(stepUpSchema), async (req, res) => {
    await revokeAllApiKeys(deps, claimsOf(req), req.body as StepUpBody, clientInfo(req));
    res.status(204).end();
  });

  router.delete('/api/v1/auth/api-keys/:id', bearer, validate(apiKeyIdSchema), async (req, res) => {
    await revokeApiKey(deps, claimsOf(req).sub, req.params.id as string);
    res.status(204).end();
  });

  router.post(
    '/api/v1/auth/api-keys/:id/rotate',
    bearer,
    validate(rotateApiKeySchema),
    async (req, res) => {
      const body = req.body as StepUpBody;
      const id = req.params.id as string;
      res.status(201).json(await rotateApiKey(deps, claimsOf(req), id, body, clientInfo(req)));
    },
  );

  return router;
}
