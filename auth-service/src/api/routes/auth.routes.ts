import { Router, type RequestHandler, type Response } from 'express';

import {
  claimsOf,
  optionalClaims,
  type AccessClaims,
  type TokenVerifier,
} from '@secure-api/shared/auth';
import { toPublicUser } from '@secure-api/shared/contracts';
import { validated } from '@secure-api/shared/http';

import type { AuthComponents } from '../dependencies.js';
import { AuthProblems } from '../../domain/auth-problems.js';
import type { DeviceCookie } from '../../domain/device-cookies.js';
import { login } from '../../domain/login.use-case.js';
import { completeMfaLogin } from '../../domain/mfa-login.use-case.js';
import type { TokenPair } from '../../domain/session-issuer.js';
import { logout, logoutAll } from '../../domain/logout.use-case.js';
import { refresh } from '../../domain/refresh.use-case.js';
import { createAccount } from '../../domain/register.use-case.js';
import { loginClient, setDeviceCookie } from '../device-cookie.js';
import {
  clearRefreshCookie,
  readRefreshCookie,
  requireAllowedOrigin,
  setRefreshCookie,
} from '../refresh-cookie.js';
import { loginSchema, mfaLoginSchema, registerSchema } from '../schemas/auth.schemas.js';

export interface AuthRouteOptions {
  deps: AuthComponents;
  verifier: TokenVerifier<AccessClaims>;
  /** Bearer of a person (not an API key). */
  bearer: RequestHandler;
  cookieSecure: boolean;
  corsOrigins: string[];
}

export function authRoutes({
  deps,
  verifier,
  bearer,
  cookieSecure,
  corsOrigins,
}: AuthRouteOptions): Router {
  const router = Router();
  const sameOrigin = requireAllowedOrigin(corsOrigins);

  router.post(
    '/api/v1/auth/register',
    validated(registerSchema, async (req, res) => {
      const body = req.body;
      const profile = await createAccount(deps, { ...body, role: 'user' });
      res.status(201).json(toPublicUser(profile));
    }),
  );

  const sendTokens = (res: Response, tokens: TokenPair, device?: DeviceCookie) => {
    setRefreshCookie(res, tokens.refreshToken, tokens.refreshExpiresAt, cookieSecure);
    if (device) setDeviceCookie(res, device, cookieSecure);
    res.json({
      access_token: tokens.accessToken,
      token_type: 'bearer',
      expires_in: tokens.expiresIn,
    });
  };

  router.post(
    '/api/v1/auth/login',
    validated(loginSchema, async (req, res) => {
      const outcome = await login(deps, req.body, loginClient(req, deps.devices));
      if (outcome.kind === 'mfa') {
        res.json({ mfa_required: true, mfa_token: outcome.mfaToken });
        return;
      }
      sendTokens(res, outcome.tokens, outcome.device);
    }),
  );

  router.post(
    '/api/v1/auth/login/2fa',
    validated(mfaLoginSchema, async (req, res) => {
      const body = req.body;
      const { tokens, device } = await completeMfaLogin(deps, body, loginClient(req, deps.devices));
      sendTokens(res, tokens, device);
    }),
  );

  router.post('/api/v1/auth/refresh', sameOrigin, async (req, res) => {
    const presented = readRefreshCookie(req);
    if (!presented) throw AuthProblems.refreshRefused();
    const outcome = await refresh(deps, presented);
    if (outcome.kind === 'reuse') {
      clearRefreshCookie(res, cookieSecure);
      throw AuthProblems.refreshRefused();
    }
    sendTokens(res, outcome.tokens);
  });

  router.post('/api/v1/auth/logout', sameOrigin, async (req, res) => {
    const claims = await optionalClaims(req, verifier, deps.revocation);
    await logout(deps, { refreshToken: readRefreshCookie(req), claims });
    clearRefreshCookie(res, cookieSecure);
    res.status(204).end();
  });

  router.post('/api/v1/auth/logout-all', bearer, async (req, res) => {
    await logoutAll(deps, claimsOf(req).sub);
    clearRefreshCookie(res, cookieSecure);
    res.status(204).end();
  });

  return router;
}
