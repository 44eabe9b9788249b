import { isIP } from 'node:net';

import { z } from 'zod';

import { PERMISSIONS, ROLES } from '../auth/rbac.js';

// The building blocks of event data. Every field an event may carry is one of these: an id, a
// role, a count, an enum, a masked email, a route pattern. Free text that could carry a secret
// (a password, a token, a code, a full email, a raw path with a query string) has no field here.

// Control characters, separators and bidi overrides forge log lines; NUL and lone surrogates are
// also refused by PostgreSQL's jsonb, which would leave an event that can never be stored.
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069\uD800-\uDFFF]/u;
const CONTROL_ALL = /[\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069\uD800-\uDFFF]/gu;

/** What a client-supplied string (a user agent) becomes before it may enter an event. */
export function cleanText(value: string, max: number): string {
  const clean = value.replace(CONTROL_ALL, '');
  return clean.length <= max ? clean : clean.slice(0, max).replace(/[\uD800-\uDBFF]$/, '');
}

export const id = z.uuid();
export const role = z.enum(ROLES);
export const permission = z.enum(PERMISSIONS);
export const count = z.number().int().min(0).max(1_000_000_000);
export const timestamp = z.iso.datetime({ offset: true });

/** `j***@example.com`: the first character of the local part and the domain, nothing more. */
export const maskedEmail = z
  .string()
  .max(260)
  .regex(/^(?:[^\s@*]?\*\*\*@[^\s@]+|\*\*\*)$/u, 'Expected a masked email (j***@example.com)')
  .refine((value) => !CONTROL.test(value), 'Must not contain control characters');

export const ip = z
  .string()
  .max(45)
  .refine((value) => isIP(value) !== 0, 'Expected an IP address');

export const userAgent = z
  .string()
  .max(512)
  .refine((value) => !CONTROL.test(value), 'Must not contain control characters');

/** A matched route pattern (`/api/v1/users/:id`), never the raw path: no query, no values. */
export const route = z
  .string()
  .min(1)
  .max(200)
  .regex(/^\/[A-Za-z0-9/_.:{}*-]*$/, 'Expected a route pattern');

export const method = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** RFC 8176 authentication method reference values. */
export const amr = z
  .array(
    z.enum([
      'face',
      'fpt',
      'geo',
      'hwk',
      'iris',
      'kba',
      'mca',
      'mfa',
      'otp',
      'pin',
      'pwd',
      'rba',
      'retina',
      'sc',
      'sms',
      'swk',
      'tel',
      'user',
      'vbm',
      'wia',
    ]),
  )
  .max(8);

/** A setting name (`max_login_attempts`, `login_rate_limit.points`). */
export const settingName = z.string().regex(/^[a-z][a-z0-9_.]{0,127}$/);

/** A policy value: a number, a flag, a short enum-like word, or unset. */
export const settingValue = z.union([
  z.number(),
  z.boolean(),
  z.string().regex(/^[A-Za-z0-9_.:-]{0,64}$/),
  z.null(),
]);
