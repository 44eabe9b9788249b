import { isIP } from 'node:net';

import { z } from 'zod';

import { callService, currentContext, Problems, type ServiceTarget } from '@secure-api/shared/http';
import type { Logger } from '@secure-api/shared/logging';

import type { CredentialsGateway } from '../domain/user.js';
import { UserProblems } from '../domain/user-problems.js';

export interface AuthServiceClientOptions {
  baseUrl: string;
  timeoutMs: number;
  logger: Logger;
}

// auth-service's refusal is passed on word for word, but only if it looks like a public detail;
// otherwise the refusal stands without it.
const refusal = z
  .object({
    detail: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^\p{Cc}]*$/u),
  })
  .optional()
  .catch(undefined);

function retryAfterOf(headers: Headers): number | undefined {
  const seconds = Number(headers.get('retry-after'));
  return Number.isInteger(seconds) && seconds > 0 && seconds <= 86_400 ? seconds : undefined;
}

/**
 * auth-service's internal credential endpoints, called on the caller's behalf with their own access
 * token, so auth-service makes its own decision about the caller. Upstream text never reaches a
 * client except a 400's `detail`, which auth-service writes for clients; any other failure is
 * callService's 502 (504 when too slow).
 */
export class AuthServiceClient implements CredentialsGateway {
  private readonly target: ServiceTarget;

  constructor(options: AuthServiceClientOptions) {
    this.target = { name: 'auth-service', ...options };
  }

  async changeEmail(input: { callerToken: string; currentPassword: string; email: string }) {
    const answer = await callService(this.target, {
      method: 'POST',
      path: '/internal/credentials/email',
      headers: this.headers(input.callerToken),
      json: { current_password: input.currentPassword, email: input.email },
      expect: { 202: null, 400: refusal, 401: null, 429: null },
    });
    switch (answer.status) {
      case 202:
        return;
      case 400:
        throw UserProblems.updateRejected(answer.body?.detail);
      case 401:
        throw Problems.unauthorized();
      case 429:
        // Too many email changes this hour: auth-service's wait, or a full hour if it named none.
        throw Problems.tooManyRequests(retryAfterOf(answer.headers) ?? 3600);
    }
  }

  async deleteCredentials(input: { callerToken: string; userId: string }) {
    const path = `/internal/credentials/${encodeURIComponent(input.userId)}`;
    await this.onBehalfOf('DELETE', path, input.callerToken);
  }

  async endSessions(input: { callerToken: string; userId: string }) {
    const path = `/internal/credentials/${encodeURIComponent(input.userId)}/sessions/end`;
    await this.onBehalfOf('POST', path, input.callerToken);
  }

  /** An admin's action on someone else's credentials: auth-service re-checks the permission. */
  private async onBehalfOf(method: 'POST' | 'DELETE', path: string, token: string) {
    const answer = await callService(this.target, {
      method,
      path,
      headers: this.headers(token),
      expect: { 204: null, 401: null, 403: null },
    });
    switch (answer.status) {
      case 204:
        return;
      case 401:
        throw Problems.unauthorized();
      case 403:
        throw Problems.forbidden();
    }
  }

  /** The caller's token, and who the client is, for auth-service's own events about the change. */
  private headers(token: string): Record<string, string> {
    const context = currentContext();
    return {
      authorization: `Bearer ${token}`,
      // Only a well-formed address: auth-service's event for the change would refuse any other.
      ...(context?.clientIp && isIP(context.clientIp) !== 0
        ? { 'x-forwarded-for': context.clientIp }
        : {}),
      ...(context?.userAgent ? { 'user-agent': context.userAgent } : {}),
    };
  }
}
