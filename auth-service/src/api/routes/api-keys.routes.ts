import { Router, type RequestHandler } from 'express';

import { claimsOf } from '@secure-api/shared/auth';
import { validated } from '@secure-api/shared/http';

import { revokeAllApiKeys, revokeApiKey } from '../../domain/api-key-revocation.use-case.js';
import { createApiKey, listApiKeys, rotateApiKey } from '../../domain/api-keys.use-case.js';
import type { AuthComponents } from '../dependencies.js';
import { clientInfo } from '../refresh-cookie.js';
import {
  apiKeyIdSchema,
  createApiKeySchema,
  rotateApiKeySchema,
  stepUpSchema,
} from '../schemas/auth.schemas.js';

export function apiKeyRoutes(deps: AuthComponents, bearer: RequestHandler): Router {
  const router = Router();

  router.get('/api/v1/auth/api-keys', bearer, async (req, res) => {
    res.json({ api_keys: await listApiKeys(deps, claimsOf(req).sub) });
  });

  router.post(
    '/api/v1/auth/api-keys',
    bearer,
    validated(createApiKeySchema, async (req, res) => {
      const body = req.body;
      res.status(201).json(await createApiKey(deps, claimsOf(req), body, clientInfo(req)));
    }),
  );

  router.delete(
    '/api/v1/auth/api-keys',
    bearer,
    validated(stepUpSchema, async (req, res) => {
      await revokeAllApiKeys(deps, claimsOf(req), req.body, clientInfo(req));
      res.status(204).end();
    }),
  );

  router.delete(
    '/api/v1/auth/api-keys/:id',
    bearer,
    validated(apiKeyIdSchema, async (req, res) => {
      await revokeApiKey(deps, claimsOf(req).sub, req.params.id);
      res.status(204).end();
    }),
  );

  router.post(
    '/api/v1/auth/api-keys/:id/rotate',
    bearer,
    validated(rotateApiKeySchema, async (req, res) => {
      const body = req.body;
      const id = req.params.id;
      res.status(201).json(await rotateApiKey(deps, claimsOf(req), id, body, clientInfo(req)));
    }),
  );

  return router;
}
