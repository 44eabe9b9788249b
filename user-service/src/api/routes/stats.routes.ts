import { Router, type RequestHandler } from 'express';
import { z } from 'zod';

import { requirePermission } from '@secure-api/shared/auth';
import { validate } from '@secure-api/shared/http';

import type { UserCountSource } from '../../domain/user.js';

const statsSchemas = { query: z.strictObject({}) };

/**
 * For audit-service's GET /api/v1/admin/stats. Called with the admin's own access token, which
 * audit-service forwards, so this service decides on admin:read itself. Internal: the gateway
 * never routes here. Mounted before the `/internal/users/:id` routes, which take service tokens.
 */
export function statsRoutes(authenticated: RequestHandler, users: UserCountSource): Router {
  const router = Router();

  router.get(
    '/internal/users/stats',
    authenticated,
    requirePermission('admin:read'),
    validate(statsSchemas),
    async (_req, res) => {
      res.json(await users.counts());
    },
  );

  return router;
}
