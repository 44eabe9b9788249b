import { Router, type RequestHandler } from 'express';

import { requirePermission } from '@secure-api/shared/auth';
import { validate, validated } from '@secure-api/shared/http';

import type { ChainExport } from '../../domain/chain-verification.js';
import type { IncrementalVerification } from '../../domain/chain-verification.use-case.js';
import type { PublicJwk } from '../../domain/checkpoint.js';
import { JOBS_PATH } from '../../domain/errors.js';
import type { FullWalks } from '../../domain/full-walk.use-case.js';
import { noQuerySchemas } from '../schemas/audit.schemas.js';
import {
  chainSegmentSchemas,
  checkpointsSchemas,
  jobSchemas,
  presentCheckpoints,
  presentSegment,
  startJobSchemas,
} from '../schemas/verification.schemas.js';

export interface VerificationDeps {
  incremental: IncrementalVerification;
  fullWalks: FullWalks;
  chain: ChainExport;
  publicKeys: PublicJwk[];
}

export function verificationRoutes(authenticated: RequestHandler, deps: VerificationDeps): Router {
  const router = Router();
  const reader = [authenticated, requirePermission('admin:read')];

  router.get(
    '/api/v1/admin/audit/verify',
    ...reader,
    validate(noQuerySchemas),
    async (_req, res) => {
      res.json(await deps.incremental.verify());
    },
  );

  router.post(
    JOBS_PATH,
    authenticated,
    requirePermission('admin:write'),
    validate(startJobSchemas),
    async (_req, res) => {
      const job = await deps.fullWalks.start();
      res.status(202).location(`${JOBS_PATH}/${job.id}`).json(job);
    },
  );

  router.get(
    `${JOBS_PATH}/:id`,
    ...reader,
    validated(jobSchemas, async (req, res) => {
      res.json(await deps.fullWalks.find(req.params.id));
    }),
  );

  router.get(
    '/api/v1/admin/audit/checkpoints',
    ...reader,
    validated(checkpointsSchemas, async (req, res) => {
      const { after_id, limit } = req.query;
      const page = await deps.chain.checkpointPage(after_id, limit);
      res.json(presentCheckpoints(deps.publicKeys, page, limit));
    }),
  );

  router.get(
    '/api/v1/admin/audit/chain',
    ...reader,
    validated(chainSegmentSchemas, async (req, res) => {
      const { after_seq, limit } = req.query;
      res.json(presentSegment(await deps.chain.segment(after_seq, limit), limit));
    }),
  );

  return router;
}
