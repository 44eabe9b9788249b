import { z } from 'zod';

import { Problems, requestIdHeaders, type AppError } from '@secure-api/shared/http';
import type { Logger } from '@secure-api/shared/logging';

import type { UserCountSource, UserCounts } from '../domain/stats.use-case.js';

export interface UserServiceClientOptions {
  baseUrl: string;
  timeoutMs: number;
  logger: Logger;
}

const count = z.number().int().min(0);
const countsSchema = z.strictObject({
  total: count,
  by_role: z.strictObject({ admin: count, moderator: count, user: count, viewer: count }),
  active: count,
  inactive: count,
});

/**
 * user-service's `GET /internal/users/stats`, called with the admin's own access token, so
 * user-service checks admin:read itself. Unreachable → 502, too slow → 504; its answer is used
 * only when it has exactly the expected shape.
 */
export class UserServiceClient implements UserCountSource {
  constructor(private readonly options: UserServiceClientOptions) {}

  async userCounts(callerToken: string): Promise<UserCounts> {
    const headers = new Headers({
      Authorization: `Bearer ${callerToken}`,
      Accept: 'application/json',
    });
    for (const [name, value] of Object.entries(requestIdHeaders())) headers.set(name, value);
    let response: Response;
    try {
      response = await fetch(`${this.options.baseUrl}/internal/users/stats`, {
        headers,
        // A redirect would carry the caller's token somewhere else.
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      this.options.logger.warn(
        { upstream: 'user-service', timed_out: timedOut },
        'user-service call failed',
      );
      throw timedOut ? Problems.gatewayTimeout() : Problems.badGateway();
    }
    switch (response.status) {
      case 200:
        return this.counts(response);
      case 401:
        await response.body?.cancel();
        throw Problems.unauthorized();
      case 403:
        await response.body?.cancel();
        throw Problems.forbidden();
      default:
        await response.body?.cancel();
        throw this.unexpected(`status ${response.status}`);
    }
  }

  private async counts(response: Response): Promise<UserCounts> {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw this.unexpected('not JSON');
    }
    const parsed = countsSchema.safeParse(body);
    if (!parsed.success) throw this.unexpected('unexpected shape');
    return parsed.data;
  }

  private unexpected(what: string): AppError {
    this.options.logger.warn(
      { upstream: 'user-service', what },
      'user-service answered unexpectedly',
    );
    return Problems.badGateway();
  }
}
