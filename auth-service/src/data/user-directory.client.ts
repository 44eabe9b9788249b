import { isRole, USER_SERVICE_AUDIENCE } from '@secure-api/shared/auth';
import { AppError, Problems, requestIdHeaders } from '@secure-api/shared/http';

import { ProfileConflictError, type UserDirectory, type UserProfile } from '../domain/ports.js';
import type { TokenSigner } from '../domain/token-signer.js';

const TIMEOUT_MS = 3000;

function isProfile(value: unknown): value is UserProfile {
  const v = value as Partial<UserProfile> | null;
  return typeof v?.id === 'string' && typeof v.is_active === 'boolean' && isRole(v.role);
}

/** auth-service's view of user-service: its /internal routes, with a 60-second service JWT. */
export class UserDirectoryClient implements UserDirectory {
  constructor(
    private readonly baseUrl: string,
    private readonly signer: TokenSigner,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          authorization: `Bearer ${await this.signer.serviceToken(USER_SERVICE_AUDIENCE)}`,
          // One request id (and the client's own) across the whole call chain, for logs and events.
          ...requestIdHeaders(),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new AppError(503, 'unavailable', 'The service is temporarily unavailable', {
        cause: error,
      });
    }
  }

  async create(profile: Omit<UserProfile, 'is_active' | 'created_at'>): Promise<UserProfile> {
    const res = await this.call('POST', '/internal/users', profile);
    if (res.status === 409) throw new ProfileConflictError();
    const body: unknown = await res.json().catch(() => undefined);
    if ((res.status === 201 || res.status === 200) && isProfile(body)) return body;
    throw Problems.unavailable();
  }

  async get(userId: string): Promise<UserProfile | undefined> {
    const res = await this.call('GET', `/internal/users/${encodeURIComponent(userId)}`);
    if (res.status === 404) return undefined;
    const body: unknown = await res.json().catch(() => undefined);
    if (res.status === 200 && isProfile(body)) return body;
    throw Problems.unavailable();
  }

  /** Idempotent: the registration saga's compensation. */
  async remove(userId: string): Promise<void> {
    const res = await this.call('DELETE', `/internal/users/${encodeURIComponent(userId)}`);
    if (res.status !== 204 && res.status !== 404) throw Problems.unavailable();
  }
}
