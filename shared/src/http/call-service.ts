import type { z } from 'zod';

import type { Logger } from '../logging/logger.js';
import { AppError, Problems } from './app-error.js';
import { requestIdHeaders } from './request-context.js';

/** A service this one calls. */
export interface ServiceTarget {
  /** For logs: `user-service`. */
  name: string;
  baseUrl: string;
  /** From the caller's config: there is no default, so no call can wait longer than intended. */
  timeoutMs: number;
  logger?: Logger | undefined;
  /**
   * Set when the answer is needed for a security decision (is this account active, whose API key
   * is this): a failure is then a 503 with this detail, closed and retryable, not a 502/504.
   */
  failClosed?: { detail: string } | undefined;
}

/**
 * The statuses a call accepts, each with the zod schema of its JSON body, or null when the body
 * does not matter. A body that is not JSON reaches the schema as `undefined`.
 */
export type Expected = Readonly<Record<number, z.ZodType | null>>;

/** One of the expected answers, its body parsed: narrow it with `switch (answer.status)`. */
export type Answer<E extends Expected> = {
  [S in keyof E & number]: {
    status: S;
    body: E[S] extends z.ZodType ? z.output<E[S]> : undefined;
    /** For what a caller passes on (Retry-After); never forwarded wholesale. */
    headers: Headers;
  };
}[keyof E & number];

export interface ServiceRequest<E extends Expected> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Appended to the base URL as it is: encode ids before. */
  path: string;
  headers?: Record<string, string> | undefined;
  json?: unknown;
  expect: E;
}

/**
 * Why a call failed: no connection, no answer in time, a redirect (which would carry the
 * caller's credentials elsewhere), a status the caller did not expect, or a body not of the shape.
 */
export type CallFailure = 'unreachable' | 'timeout' | 'redirect' | 'status' | 'body';

/**
 * Every failed service call, with its public face: 504 when the service was too slow, 502
 * otherwise, 503 for a security dependency (`failClosed`). Upstream text never reaches a client.
 */
export class ServiceCallError extends AppError {
  constructor(
    readonly service: string,
    readonly failure: CallFailure,
    options: { failClosed?: { detail: string } | undefined; cause?: unknown } = {},
  ) {
    const problem = options.failClosed
      ? Problems.unavailable(options.failClosed.detail)
      : failure === 'timeout'
        ? Problems.gatewayTimeout()
        : Problems.badGateway();
    super(problem.status, problem.code, problem.detail, { cause: options.cause });
    this.name = 'ServiceCallError';
  }
}

/**
 * The one way a service calls another: a deadline from config, the request ids of the current
 * request, redirects refused, the answer checked against the expected statuses and schemas. Runs
 * on the global fetch, whose pool keeps connections alive across calls.
 */
export async function callService<const E extends Expected>(
  target: ServiceTarget,
  request: ServiceRequest<E>,
): Promise<Answer<E>> {
  const fail = (failure: CallFailure, details: { status?: number; cause?: unknown } = {}) => {
    // The cause stays on the error, out of the log line: pino's redaction cannot walk a DOMException.
    target.logger?.warn(
      {
        upstream: target.name,
        method: request.method,
        path: request.path,
        failure,
        ...(details.status === undefined ? {} : { status: details.status }),
      },
      `${target.name} call failed`,
    );
    return new ServiceCallError(target.name, failure, {
      failClosed: target.failClosed,
      cause: details.cause,
    });
  };
  const signal = AbortSignal.timeout(target.timeoutMs);
  let response: Response;
  try {
    response = await fetch(`${target.baseUrl.replace(/\/+$/, '')}${request.path}`, {
      method: request.method,
      headers: {
        accept: 'application/json',
        ...(request.json === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
        // Last, so the callee always files its work under the ids of the request that caused it.
        ...requestIdHeaders(),
      },
      body: request.json === undefined ? undefined : JSON.stringify(request.json),
      redirect: 'manual',
      signal,
    });
  } catch (cause) {
    throw fail(signal.aborted ? 'timeout' : 'unreachable', { cause });
  }
  const { status } = response;
  const redirected = status >= 300 && status < 400;
  const schema = redirected
    ? undefined
    : Object.entries(request.expect).find(([code]) => Number(code) === status)?.[1];
  if (schema === undefined || schema === null) {
    // Cancelled, not left unread: the connection goes back to the pool.
    await response.body?.cancel().catch(() => undefined);
    if (schema === null) return { status, body: undefined, headers: response.headers } as Answer<E>;
    throw fail(redirected ? 'redirect' : 'status', { status });
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch (cause) {
    if (signal.aborted) throw fail('timeout', { status, cause });
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw fail('body', { status });
  return { status, body: parsed.data, headers: response.headers } as Answer<E>;
}
