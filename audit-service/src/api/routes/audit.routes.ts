import { Router, type RequestHandler } from 'express';

import { requirePermission } from '@secure-api/shared/auth';
import { validated } from '@secure-api/shared/http';

import type { AuditQueries } from '../../domain/audit-query.use-case.js';
import { encodeCursor, listAuditSchemas, presentEvent } from '../schemas/audit.schemas.js';

export function auditRoutes(authenticated: RequestHandler, queries: AuditQueries): Router {
  const router = Router();

  router.get(
    '/api/v1/admin/audit',
    authenticated,
    requirePermission('admin:read'),
    validated(listAuditSchemas, async (req, res) => {
      const q = req.query;
      const page = await queries.list({
        type: q.type,
        userId: q.user_id,
        since: q.since,
        until: q.until,
        beforeSeq: q.cursor,
        limit: q.limit,
      });
      res.json({
        events: page.events.map(presentEvent),
        next_cursor: page.nextBeforeSeq === undefined ? null : encodeCursor(page.nextBeforeSeq),
      });
    }),
  );

  return router;
}
