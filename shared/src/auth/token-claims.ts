import { z } from 'zod';

import { PERMISSIONS, ROLES } from './rbac.js';

export const TOKEN_ISSUER = 'secure-api-auth';
export const ACCESS_AUDIENCE = 'secure-api';
export const USER_SERVICE_AUDIENCE = 'user-service';

export const accessClaimsSchema = z.object({
  iss: z.literal(TOKEN_ISSUER),
  sub: z.uuid(),
  aud: z.union([
    z.literal(ACCESS_AUDIENCE),
    z.array(z.string()).refine((a) => a.includes(ACCESS_AUDIENCE)),
  ]),
  type: z.literal('access'),
  role: z.enum(ROLES),
  jti: z.uuid(),
  iat: z.number().int(),
  exp: z.number().int(),
  /** The refresh family (session) the token belongs to; absent for service-minted tokens. */
  sid: z.uuid().optional(),
  amr: z.array(z.string()).default([]),
  /** Present on tokens minted for an API key: the key's scopes, already cut to the role's. */
  scope: z.array(z.enum(PERMISSIONS)).optional(),
});
export type AccessClaims = z.infer<typeof accessClaimsSchema>;

export const serviceClaimsSchema = z.object({
  iss: z.literal(TOKEN_ISSUER),
  sub: z.string().min(1),
  type: z.literal('service'),
  iat: z.number().int(),
  exp: z.number().int(),
});
export type ServiceClaims = z.infer<typeof serviceClaimsSchema>;
