import { z } from 'zod';

import { parseCidr, type Cidr } from '../http/client-ip.js';

// Parsers for one environment variable each: what a value may look like, and its default.

export const port = (fallback: number) =>
  z.coerce.number().int().min(0).max(65535).default(fallback);

const boolean = () => z.stringbool({ truthy: ['true', '1', 'yes'], falsy: ['false', '0', 'no'] });

export const flag = (fallback: boolean) => boolean().default(fallback);

/** A boolean whose default depends on other settings (e.g. NODE_ENV); undefined when unset. */
export const optionalFlag = () => boolean().optional();

export const csv = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    );

/** `TRUSTED_PROXIES`: comma-separated CIDRs (or single addresses), one error line per bad entry. */
export const cidrList = (fallback: string) =>
  csv(fallback).transform((entries, ctx): Cidr[] =>
    entries.flatMap((entry) => {
      const cidr = parseCidr(entry);
      if (!cidr) {
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(entry.slice(0, 64))} is not a CIDR (e.g. 10.0.0.0/8 or fd00::/8)`,
        });
      }
      return cidr ? [cidr] : [];
    }),
  );

export const positiveInt = (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().positive().max(max).default(fallback);

/** Zero allowed: a grace period or cache that 0 turns off. */
export const nonNegativeInt = (fallback: number, max: number) =>
  z.coerce.number().int().min(0).max(max).default(fallback);

const RATE = /^(\d{1,7})\/(second|minute|hour|day)$/;
const RATE_SECONDS = new Map([
  ['second', 1],
  ['minute', 60],
  ['hour', 3600],
  ['day', 86400],
]);

export interface Rate {
  points: number;
  durationSeconds: number;
}

/** `N/second`, `N/minute`, `N/hour` or `N/day`. */
export const rate = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx): Rate => {
      const match = RATE.exec(value.trim());
      const durationSeconds = RATE_SECONDS.get(match?.[2] ?? '');
      const points = Number(match?.[1]);
      if (durationSeconds === undefined || points < 1) {
        ctx.addIssue({ code: 'custom', message: 'expected N/second, N/minute, N/hour or N/day' });
        return z.NEVER;
      }
      return { points, durationSeconds };
    });

export const nodeEnv = z.enum(['development', 'production', 'test']).default('development');
export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

const urlWithProtocols = (fallback: string, protocols: string[]) =>
  z
    .string()
    .default(fallback)
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `expected a ${protocols.map((p) => p.replace(':', '://')).join(' or ')} URL`,
    );

export const databaseUrl = urlWithProtocols('postgres://postgres@127.0.0.1:5432', [
  'postgres:',
  'postgresql:',
]);
export const redisUrl = urlWithProtocols('redis://127.0.0.1:6379', ['redis:', 'rediss:']);
export const amqpUrl = urlWithProtocols('amqp://guest:guest@127.0.0.1:5672', ['amqp:', 'amqps:']);

/** Another service's address; add `.default(...)` or `.optional()`. */
export const httpUrl = z.url({ protocol: /^https?$/ });

/** Base URLs are joined with paths that start with `/`. */
export const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');
