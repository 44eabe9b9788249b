import { pino, type DestinationStream, type Logger } from 'pino';

import { currentContext } from '../http/request-context.js';
import { activeSpanIds } from '../telemetry/spans.js';

export type { Logger } from 'pino';

// Field names whose values are credentials wherever they appear.
export const SECRET_FIELDS: readonly string[] = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'current_password',
  'new_password',
  'token',
  'access_token',
  'refresh_token',
  'mfa_token',
  'secret',
  'code',
  'api_key',
  'x-api-key',
];

// Hyphenated names need bracket notation: the redactor silently ignores `a."x-api-key"`.
const REDACT_PATHS = SECRET_FIELDS.flatMap((field) => {
  const key = /^[a-z_]+$/.test(field) ? `.${field}` : `["${field}"]`;
  return [key.replace(/^\./, ''), `*${key}`, `*.*${key}`, `req.headers${key}`, `res.headers${key}`];
});

export interface LoggerOptions {
  service: string;
  level?: string;
  destination?: DestinationStream;
}

export function createLogger({ service, level = 'info', destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      // The request ids, and the active span's ids so a log line leads to its trace.
      mixin: () => ({ ...requestIds(), ...activeSpanIds() }),
    },
    destination,
  );
}

function requestIds(): Record<string, string> | undefined {
  const context = currentContext();
  if (!context) return undefined;
  return context.clientRequestId
    ? { request_id: context.requestId, client_request_id: context.clientRequestId }
    : { request_id: context.requestId };
}

/**
 * A logger for lines whose every field is known in advance and none is named like a secret: the
 * access line (method, path, status, duration) and audit-service's SIEM line (a schema-checked
 * event, whose field names a test holds against SECRET_FIELDS). With its wildcard paths the
 * redactor costs ~20 times the rest of such a line (docs/performance.md); every other line of a
 * service is still redacted.
 */
export function fixedFieldLines(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [] } });
}
