import type { Request } from 'express';

import { bearerToken, claimsOf } from '@secure-api/shared/auth';
import { Problems } from '@secure-api/shared/http';

import type { Actor } from '../../domain/user-admin.use-case.js';

/** Who is calling, from the verified token; only behind `authenticate`. */
export function actorOf(req: Request): Actor {
  const claims = claimsOf(req);
  const token = bearerToken(req);
  if (!token) throw Problems.unauthorized();
  return { id: claims.sub, role: claims.role, token };
}
