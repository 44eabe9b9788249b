import { Router, type RequestHandler } from 'express';
import type { z } from 'zod';

import { requirePermission } from '@secure-api/shared/auth';
import { validate } from '@secure-api/shared/http';

import type { UserAdminUseCases } from '../../domain/user-admin.use-case.js';
import { actorOf } from '../middleware/caller.js';
import { presentUser, type idParams } from '../schemas/user.schemas.js';
import {
  changeRoleSchemas,
  changeStatusSchemas,
  deleteUserSchemas,
  getUserSchemas,
  listUsersSchemas,
} from '../schemas/users.schemas.js';

type Id = z.output<typeof idParams>;

/** Mounted after the /me routes, so `me` is never taken for an id. */
export function usersRoutes(authenticated: RequestHandler, admin: UserAdminUseCases): Router {
  const router = Router();

  router.get(
    '/api/v1/users',
    authenticated,
    requirePermission('users:read'),
    validate(listUsersSchemas),
    async (req, res) => {
      const query = req.query as unknown as z.output<typeof listUsersSchemas.query>;
      const listing = await admin.list({ page: query.page, perPage: query.per_page });
      res.json({ ...listing, users: listing.users.map(presentUser) });
    },
  );

  router.get(
    '/api/v1/users/:id',
    authenticated,
    requirePermission('users:read'),
    validate(getUserSchemas),
    async (req, res) => {
      res.json(presentUser(await admin.get((req.params as Id).id)));
    },
  );

  router.patch(
    '/api/v1/users/:id/role',
    authenticated,
    requirePermission('admin:write'),
    validate(changeRoleSchemas),
    async (req, res) => {
      const { role } = req.body as z.output<typeof changeRoleSchemas.body>;
      res.json(presentUser(await admin.changeRole(actorOf(req), (req.params as Id).id, role)));
    },
  );

  router.patch(
    '/api/v1/users/:id/status',
    authenticated,
    requirePermission('users:write'),
    validate(changeStatusSchemas),
    async (req, res) => {
      const { is_active } = req.body as z.output<typeof changeStatusSchemas.body>;
      const id = (req.params as Id).id;
      res.json(presentUser(await admin.changeStatus(actorOf(req), id, is_active)));
    },
  );

  router.delete(
    '/api/v1/users/:id',
    authenticated,
    requirePermission('users:delete'),
    validate(deleteUserSchemas),
    async (req, res) => {
      await admin.delete(actorOf(req), (req.params as Id).id);
      res.status(204).end();
    },
  );

  return router;
}
