import { Router, type RequestHandler } from 'express';

import { requirePermission } from '@secure-api/shared/auth';
import { validated } from '@secure-api/shared/http';

import type { UserAdminUseCases } from '../../domain/user-admin.use-case.js';
import { actorOf } from '../middleware/caller.js';
import { presentUser } from '../schemas/user.schemas.js';
import {
  changeRoleSchemas,
  changeStatusSchemas,
  deleteUserSchemas,
  getUserSchemas,
  listUsersSchemas,
} from '../schemas/users.schemas.js';

/** Mounted after the /me routes, so `me` is never taken for an id. */
export function usersRoutes(authenticated: RequestHandler, admin: UserAdminUseCases): Router {
  const router = Router();

  router.get(
    '/api/v1/users',
    authenticated,
    requirePermission('users:read'),
    validated(listUsersSchemas, async (req, res) => {
      const listing = await admin.list({ page: req.query.page, perPage: req.query.per_page });
      res.json({ ...listing, users: listing.users.map(presentUser) });
    }),
  );

  router.get(
    '/api/v1/users/:id',
    authenticated,
    requirePermission('users:read'),
    validated(getUserSchemas, async (req, res) => {
      res.json(presentUser(await admin.get(req.params.id)));
    }),
  );

  router.patch(
    '/api/v1/users/:id/role',
    authenticated,
    requirePermission('admin:write'),
    validated(changeRoleSchemas, async (req, res) => {
      const user = await admin.changeRole(actorOf(req), req.params.id, req.body.role);
      res.json(presentUser(user));
    }),
  );

  router.patch(
    '/api/v1/users/:id/status',
    authenticated,
    requirePermission('users:write'),
    validated(changeStatusSchemas, async (req, res) => {
      const user = await admin.changeStatus(actorOf(req), req.params.id, req.body.is_active);
      res.json(presentUser(user));
    }),
  );

  router.delete(
    '/api/v1/users/:id',
    authenticated,
    requirePermission('users:delete'),
    validated(deleteUserSchemas, async (req, res) => {
      await admin.delete(actorOf(req), req.params.id);
      res.status(204).end();
    }),
  );

  return router;
}
