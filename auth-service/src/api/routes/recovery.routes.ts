import { Router, type RequestHandler } from 'express';

import { claimsOf } from '@secure-api/shared/auth';
import { validated } from '@secure-api/shared/http';

import type { BackgroundWork } from '../background-work.js';
import type { AuthComponents } from '../dependencies.js';
import { cancelEmailChange } from '../../domain/email-change.use-case.js';
import { resendVerification, verifyEmail } from '../../domain/email-verification.use-case.js';
import { requestPasswordReset, resetPassword } from '../../domain/password-reset.use-case.js';
import {
  FORGOT_PASSWORD_ACCEPTED,
  forgotPasswordSchema,
  linkTokenSchema,
  resetPasswordSchema,
} from '../schemas/recovery.schemas.js';

/** Account recovery: the links auth-service mails, and what following them does. */
export function recoveryRoutes(
  deps: AuthComponents,
  bearer: RequestHandler,
  background: BackgroundWork,
): Router {
  const router = Router();

  // Answered before the lookup even starts: the same status, body and time for every address.
  router.post(
    '/api/v1/auth/password/forgot',
    validated(forgotPasswordSchema, (req, res) => {
      const { email } = req.body;
      background.start('password-forgot', () => requestPasswordReset(deps, email));
      res.status(202).json(FORGOT_PASSWORD_ACCEPTED);
    }),
  );

  router.post(
    '/api/v1/auth/password/reset',
    validated(resetPasswordSchema, async (req, res) => {
      await resetPassword(deps, req.body);
      res.status(204).end();
    }),
  );

  router.post(
    '/api/v1/auth/email/verify',
    validated(linkTokenSchema, async (req, res) => {
      await verifyEmail(deps, req.body.token);
      res.status(204).end();
    }),
  );

  router.post('/api/v1/auth/email/verify/resend', bearer, async (req, res) => {
    await resendVerification(deps, claimsOf(req));
    res.status(202).end();
  });

  router.post(
    '/api/v1/auth/email/change/cancel',
    validated(linkTokenSchema, async (req, res) => {
      await cancelEmailChange(deps, req.body.token);
      res.status(204).end();
    }),
  );

  return router;
}
