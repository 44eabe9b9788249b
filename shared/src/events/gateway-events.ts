import { z } from 'zod';

import { count, method, permission, role, route } from './fields.js';

// Event data of the gateway, version 1. `route` is the matched pattern, never the raw path.

const request = { route, method };

export const gatewayEvents = {
  'gateway.rate_limited': {
    version: 1,
    data: z.strictObject({
      ...request,
      limit: z.enum([
        'global',
        'login',
        'register',
        'refresh',
        'api_key',
        'mfa',
        'password_forgot',
        'account_link',
      ]),
      retry_after_seconds: count,
    }),
  },
  'gateway.token_rejected': {
    version: 1,
    data: z.strictObject({
      ...request,
      reason: z.enum([
        'missing',
        'malformed',
        'invalid',
        'expired',
        'revoked',
        'api_key_invalid',
        'api_key_expired',
        'api_key_revoked',
      ]),
    }),
  },
  'gateway.access_denied': {
    version: 1,
    data: z.strictObject({ ...request, permission, role: role.optional() }),
  },
  /** actor.user_id = the key's owner, subject.key_id = the key. */
  'gateway.apikey.used': {
    version: 1,
    data: z.strictObject({ ...request, status: z.number().int().min(100).max(599) }),
  },
} as const;
