import { Router, type RequestHandler } from 'express';

import { claimsOf, validate } from '@secure-api/shared';

import type { AuthComponents } from '../dependencies.js';
import {
  disableTwoFactor,
  enableTwoFactor,
  regenerateBackupCodes,
  setupTwoFactor,
} from '../../domain/two-factor.use-case.js';
import { clientInfo } from '../refresh-cookie.js';
import {
  backupCodesSchema,
  codeSchema,
  disableTwoFactorSchema,
  stepUpSchema,
  type BackupCodesBody,
  type CodeBody,
  type DisableTwoFactorBody,
  type StepUpBody,
} from '../schemas/auth.schemas.js';

export function twoFactorRoutes(deps: AuthComponents, bearer: RequestHandler): Router {
  const router = Router();

  router.post('/api/v1/auth/2fa/setup', bearer, validate(stepUpSchema), async (req, res) => {
    res.json(await setupTwoFactor(deps, claimsOf(req), req.body as StepUpBody, clientInfo(req)));
  });

  router.post('/api/v1/auth/2fa/verify', bearer, validate(codeSchema), async (req, res) => {
    res.json(await enableTwoFactor(deps, claimsOf(req), (req.body as CodeBody).code));
  });

  router.post(
    '/api/v1/auth/2fa/disable',
    bearer,
    validate(disableTwoFactorSchema),
    async (req, res) => {
      const body = req.body as DisableTwoFactorBody;
      res.json(await disableTwoFactor(deps, claimsOf(req), body, clientInfo(req)));
    },
  );

  router.post(
    '/api/v1/auth/2fa/backup-codes',
    bearer,
    validate(backupCodesSchema),
    async (req, res) => {
      const body = req.body as BackupCodesBody;
      res.json(await regenerateBackupCodes(deps, claimsOf(req), body, clientInfo(req)));
    },
  );

  return router;
}
