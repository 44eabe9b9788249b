import { Router, type RequestHandler } from 'express';

import { bearerToken, requirePermission } from '@secure-api/shared/auth';
import { Problems, validate } from '@secure-api/shared/http';

import type { StatsUseCases } from '../../domain/stats.use-case.js';
import { noQuerySchemas } from '../schemas/audit.schemas.js';

export function statsRoutes(authenticated: RequestHandler, stats: StatsUseCases): Router {
  const router = Router();

  router.get(
    '/api/v1/admin/stats',
    authenticated,
    requirePermission('admin:read'),
    validate(noQuerySchemas),
    async (req, res) => {
      const token = bearerToken(req);
      if (!token) throw Problems.unauthorized();
      res.json(await stats.get(token));
    },
  );

  return router;
}
