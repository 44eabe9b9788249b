import { userCountsSchema, type UserCounts } from '@secure-api/shared/contracts';
import { callService, Problems, type ServiceTarget } from '@secure-api/shared/http';
import type { Logger } from '@secure-api/shared/logging';

import type { UserCountSource } from '../domain/stats.use-case.js';

export interface UserServiceClientOptions {
  baseUrl: string;
  timeoutMs: number;
  logger: Logger;
}

/**
 * user-service's `GET /internal/users/stats`, called with the admin's own access token, so
 * user-service checks admin:read itself. Its answer is used only when it has exactly the expected
 * shape; any other failure is callService's 502 (504 when too slow).
 */
export class UserServiceClient implements UserCountSource {
  private readonly target: ServiceTarget;

  constructor(options: UserServiceClientOptions) {
    this.target = { name: 'user-service', ...options };
  }

  async userCounts(callerToken: string): Promise<UserCounts> {
    const answer = await callService(this.target, {
      method: 'GET',
      path: '/internal/users/stats',
      headers: { authorization: `Bearer ${callerToken}` },
      expect: { 200: userCountsSchema, 401: null, 403: null },
    });
    switch (answer.status) {
      case 200:
        return answer.body;
      case 401:
        throw Problems.unauthorized();
      case 403:
        throw Problems.forbidden();
    }
  }
}
