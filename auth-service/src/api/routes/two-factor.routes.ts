import { Router, type RequestHandler } from 'express';

import { claimsOf } from '@secure-api/shared/auth';
import { validated } from '@secure-api/shared/http';

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
} from '../schemas/auth.schemas.js';

export function twoFactorRoutes(deps: AuthComponents, bearer: RequestHandler): Router {
  const router = Router();

  router.post(
    '/api/v1/auth/2fa/setup',
    bearer,
    validated(stepUpSchema, async (req, res) => {
      res.json(await setupTwoFactor(deps, claimsOf(req), req.body, clientInfo(req)));
    }),
  );

  router.post(
    '/api/v1/auth/2fa/verify',
    bearer,
    validated(codeSchema, async (req, res) => {
      res.json(await enableTwoFactor(deps, claimsOf(req), req.body.code));
    }),
  );

  router.post(
    '/api/v1/auth/2fa/disable',
    bearer,
    validated(disableTwoFactorSchema, async (req, res) => {
      const body = req.body;
      res.json(await disableTwoFactor(deps, claimsOf(req), body, clientInfo(req)));
    }),
  );

  router.post(
    '/api/v1/auth/2fa/backup-codes',
    bearer,
    validated(backupCodesSchema, async (req, res) => {
      const body = req.body;
      res.json(await regenerateBackupCodes(deps, claimsOf(req), body, clientInfo(req)));
    }),
  );

  return router;
}
