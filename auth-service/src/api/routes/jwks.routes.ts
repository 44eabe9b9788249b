import { Router } from 'express';

import type { TokenSigner } from '../../domain/token-signer.js';

export function jwksRoutes(signer: TokenSigner): Router {
  const router = Router();
  router.get('/.well-known/jwks.json', (_req, res) => {
    // Public keys only; cacheable so verifiers do not ask on every token.
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(signer.jwks());
  });
  return router;
}
