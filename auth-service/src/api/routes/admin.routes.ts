import { Router, type RequestHandler } from 'express';

import { claimsOf, requirePermission } from '@secure-api/shared/auth';
import { validated } from '@secure-api/shared/http';

import { unlockAccount, updatePolicy } from '../../domain/admin-policy.use-case.js';
import { resetTwoFactor } from '../../domain/admin-two-factor.use-case.js';
import { adminPasswordReset } from '../../domain/password-reset.use-case.js';
import type { AuthComponents } from '../dependencies.js';
import { updatePolicySchema } from '../schemas/admin.schemas.js';
import { idParamSchema } from '../schemas/auth.schemas.js';

export function adminRoutes(deps: AuthComponents, bearer: RequestHandler): Router {
  const router = Router();

  router.get('/api/v1/admin/config', bearer, requirePermission('admin:read'), async (_req, res) => {
    res.json(await deps.policies.current());
  });

  router.put(
    '/api/v1/admin/config',
    bearer,
    requirePermission('admin:write'),
    validated(updatePolicySchema, async (req, res) => {
      const { policy } = await updatePolicy(deps, claimsOf(req).sub, req.body);
      res.json(policy);
    }),
  );

  router.post(
    '/api/v1/admin/users/:id/unlock',
    bearer,
    requirePermission('admin:write'),
    validated(idParamSchema, async (req, res) => {
      await unlockAccount(deps, claimsOf(req).sub, req.params.id);
      res.status(204).end();
    }),
  );

  // The link goes to the user's mailbox; the admin sees 202 and nothing of it.
  router.post(
    '/api/v1/admin/users/:id/password-reset',
    bearer,
    requirePermission('admin:write'),
    validated(idParamSchema, async (req, res) => {
      await adminPasswordReset(deps, claimsOf(req).sub, req.params.id);
      res.status(202).end();
    }),
  );

  // The way back for a user whose second factor was hijacked or lost.
  router.delete(
    '/api/v1/admin/users/:id/2fa',
    bearer,
    requirePermission('admin:write'),
    validated(idParamSchema, async (req, res) => {
      await resetTwoFactor(deps, claimsOf(req).sub, req.params.id);
      res.status(204).end();
    }),
  );

  return router;
}
