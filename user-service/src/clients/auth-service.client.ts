import { isIP } from 'node:net';

import { z } from 'zod';

import { currentContext, Problems, requestIdHeaders, type AppError } from '@secure-api/shared/http';
import type { Logger } from '@secure-api/shared/logging';

import type { CredentialsGateway } from '../domain/user.js';
import { UserProblems } from '../domain/user-problems.js';

export interface AuthServiceClientOptions {
  baseUrl: string;
  timeoutMs: number;
  logger: Logger;
}

// auth-service's refusal is passed on word for word, but only if it looks like a public detail.
const refusalSchema = z.object({
  detail: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\p{Cc}]*$/u),
});

type Outcome = { ok: true } | { ok: false; response: Response };

/**
 * auth-service's internal credential endpoints, called on the caller's behalf with their own access
 * token, so auth-service makes its own decision about the caller. Upstream text never reaches a
 * client except a 400's `detail`, which auth-service writes for clients.
 */
export class AuthServiceClient implements CredentialsGateway {
  constructor(private readonly options: AuthServiceClientOptions) {}

  async changeEmail(input: { callerToken: string; currentPassword: string; email: string }) {
    const outcome = await this.call('POST', '/internal/credentials/email', input.callerToken, {
      current_password: input.currentPassword,
      email: input.email,
    });
    if (outcome.ok) return;
    const { response } = outcome;
    switch (response.status) {
      case 400:
        throw UserProblems.updateRejected(await this.refusalDetail(response));
      case 401:
        throw Problems.unauthorized();
      default:
        throw this.unexpected('POST', '/internal/credentials/email', response);
    }
  }

  async deleteCredentials(input: { callerToken: string; userId: string }) {
    const path = `/internal/credentials/${encodeURIComponent(input.userId)}`;
    await this.onBehalfOf('DELETE', path, '/internal/credentials/:id', input.callerToken);
  }

  async endSessions(input: { callerToken: string; userId: string }) {
    const path = `/internal/credentials/${encodeURIComponent(input.userId)}/sessions/end`;
    await this.onBehalfOf(
      'POST',
      path,
      '/internal/credentials/:id/sessions/end',
      input.callerToken,
    );
  }

  /** An admin's action on someone else's credentials: auth-service re-checks the permission. */
  private async onBehalfOf(method: string, path: string, route: string, token: string) {
    const outcome = await this.call(method, path, token);
    if (outcome.ok) return;
    const { response } = outcome;
    switch (response.status) {
      case 401:
        throw Problems.unauthorized();
      case 403:
        throw Problems.forbidden();
      default:
        throw this.unexpected(method, route, response);
    }
  }

  private async call(
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ): Promise<Outcome> {
    const headers = new Headers({ Authorization: `Bearer ${token}`, Accept: 'application/json' });
    // One request id and one client across the call chain, for auth-service's logs and events.
    for (const [name, value] of Object.entries(requestIdHeaders())) headers.set(name, value);
    const context = currentContext();
    // Only a well-formed address: auth-service's event for the change would refuse any other.
    if (context?.clientIp && isIP(context.clientIp) !== 0) {
      headers.set('X-Forwarded-For', context.clientIp);
    }
    if (context?.userAgent) headers.set('User-Agent', context.userAgent);
    if (body !== undefined) headers.set('Content-Type', 'application/json');
    let response: Response;
    try {
      response = await fetch(`${this.options.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // A redirect would carry the caller's token somewhere else.
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      this.options.logger.warn(
        { upstream: 'auth-service', method, timed_out: timedOut },
        'auth-service call failed',
      );
      throw timedOut ? Problems.gatewayTimeout() : Problems.badGateway();
    }
    if (response.status === 204) {
      await response.body?.cancel();
      return { ok: true };
    }
    return { ok: false, response };
  }

  private async refusalDetail(response: Response): Promise<string | undefined> {
    try {
      const parsed = refusalSchema.safeParse(await response.json());
      return parsed.success ? parsed.data.detail : undefined;
    } catch {
      return undefined;
    }
  }

  private unexpected(method: string, path: string, response: Response): AppError {
    void response.body?.cancel();
    this.options.logger.warn(
      { upstream: 'auth-service', method, path, status: response.status },
      'auth-service answered unexpectedly',
    );
    return Problems.badGateway();
  }
}
