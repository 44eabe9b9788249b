import { Router, type RequestHandler } from 'express';

import { claimsOf, requirePermission } from '@secure-api/shared/auth';
import { validated } from '@secure-api/shared/http';

import type { AuthComponents } from '../dependencies.js';
import { revokeUserSessions } from '../../domain/logout.use-case.js';
import { endOwnSession, listSessions } from '../../domain/sessions.use-case.js';
import { idParamSchema } from '../schemas/auth.schemas.js';

export function sessionRoutes(deps: AuthComponents, bearer: RequestHandler): Router {
  const router = Router();

  router.get('/api/v1/auth/sessions', bearer, async (req, res) => {
    const claims = claimsOf(req);
    res.json({ sessions: await listSessions(deps, claims.sub, claims.sid) });
  });

  router.delete(
    '/api/v1/auth/sessions/:id',
    bearer,
    validated(idParamSchema, async (req, res) => {
      await endOwnSession(deps, claimsOf(req).sub, req.params.id);
      res.status(204).end();
    }),
  );

  router.delete(
    '/api/v1/admin/users/:id/sessions',
    bearer,
    requirePermission('admin:write'),
    validated(idParamSchema, async (req, res) => {
      await revokeUserSessions(deps, claimsOf(req).sub, req.params.id);
      res.status(204).end();
    }),
  );

  return router;
}
