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

/** Lines wait for this many bytes before they are written (one write for ~20 access lines)… */
const BATCH_BYTES = 4096;
/** …but never longer than this. */
const BATCH_MAX_WAIT_MS = 250;
const WARN = 40;

/**
 * Standard output in batches: under load one write system call per ~4 KiB instead of one per
 * line (a small saving, measured in docs/performance.md). A line waits at most
 * BATCH_MAX_WAIT_MS; warnings and errors leave at once; pino writes what is left at exit.
 */
function batchedStdout(): DestinationStream & { flush(): void } {
  return pino.destination({
    dest: 1,
    sync: false,
    minLength: BATCH_BYTES,
    periodicFlush: BATCH_MAX_WAIT_MS,
  });
}

export function createLogger({ service, level = 'info', destination }: LoggerOptions): Logger {
  const batched = destination ? undefined : batchedStdout();
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      mixin: lineIds,
      ...(batched && {
        hooks: {
          logMethod(args, write, lineLevel) {
            write.apply(this, args);
            if (lineLevel >= WARN) batched.flush();
          },
        },
      }),
    },
    destination ?? batched,
  );
}

/**
 * The request ids, and the active span's ids so a log line leads to its trace. One fresh object
 * per line (pino merges the line's fields into it), built without spreads: it runs for every
 * line, the access line of every request included.
 */
function lineIds(): Record<string, string> {
  const ids: Record<string, string> = {};
  const context = currentContext();
  if (context) {
    ids.request_id = context.requestId;
    if (context.clientRequestId) ids.client_request_id = context.clientRequestId;
  }
  const span = activeSpanIds();
  if (span) {
    ids.trace_id = span.trace_id;
    ids.span_id = span.span_id;
  }
  return ids;
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
