import { Router } from 'express';

/** Public liveness for load balancers and clients: status and version, nothing internal. */
export function healthRoutes(version: string): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'healthy', version });
  });
  return router;
}
