import { Router, type RequestHandler } from 'express';

import { claimsOf, requirePermission } from '@secure-api/shared/auth';
import { validated } from '@secure-api/shared/http';

import type { AuthComponents } from '../dependencies.js';
import { deleteCredentials } from '../../domain/credentials.use-case.js';
import { requestEmailChange } from '../../domain/email-change.use-case.js';
import { resolveApiKey } from '../../domain/api-keys.use-case.js';
import { endAccountSessions } from '../../domain/end-sessions.use-case.js';
import { changeEmailSchema, idParamSchema, resolveApiKeySchema } from '../schemas/auth.schemas.js';

/**
 * Called by user-service on behalf of a user, with that user's own bearer token: auth-service
 * re-checks who they are and what they may do. Never routed by the gateway.
 */
export function internalRoutes(deps: AuthComponents, bearer: RequestHandler): Router {
  const router = Router();

  router.post(
    '/internal/credentials/email',
    bearer,
    requirePermission('self:write'),
    validated(changeEmailSchema, async (req, res) => {
      // Accepted, not done: the address changes when the link mailed to it is followed.
      await requestEmailChange(deps, claimsOf(req), req.body);
      res.status(202).end();
    }),
  );

  router.delete(
    '/internal/credentials/:id',
    bearer,
    requirePermission('users:delete'),
    validated(idParamSchema, async (req, res) => {
      await deleteCredentials(deps, req.params.id);
      res.status(204).end();
    }),
  );

  // user-service deactivating or reactivating an account (the admin's bearer), before it commits.
  router.post(
    '/internal/credentials/:id/sessions/end',
    bearer,
    requirePermission('users:write'),
    validated(idParamSchema, async (req, res) => {
      await endAccountSessions(deps, claimsOf(req).sub, req.params.id);
      res.status(204).end();
    }),
  );

  // The gateway resolving an X-API-Key. The key itself is the credential; this route only turns
  // it into a 60-second token for the key's owner (the gateway never exposes /internal).
  router.post(
    '/internal/api-keys/resolve',
    validated(resolveApiKeySchema, async (req, res) => {
      res.json(await resolveApiKey(deps, req.body.key));
    }),
  );

  return router;
}
