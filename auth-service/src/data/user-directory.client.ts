import { USER_SERVICE_AUDIENCE } from '@secure-api/shared/auth';
import { userProfileSchema } from '@secure-api/shared/contracts';
import {
  callService,
  type Expected,
  type ServiceRequest,
  type ServiceTarget,
} from '@secure-api/shared/http';

import {
  ProfileConflictError,
  type NewProfile,
  type UserDirectory,
  type UserProfile,
} from '../domain/ports.js';
import type { TokenSigner } from '../domain/token-signer.js';

/**
 * auth-service's view of user-service: its /internal routes, with a 60-second service JWT. Login,
 * refresh and registration cannot decide without the profile, so any failure is a 503 (fail
 * closed, retry later), never a guess.
 */
export class UserDirectoryClient implements UserDirectory {
  private readonly target: ServiceTarget;

  constructor(
    baseUrl: string,
    private readonly signer: TokenSigner,
    timeoutMs: number,
  ) {
    this.target = {
      name: 'user-service',
      baseUrl,
      timeoutMs,
      failClosed: { detail: 'The service is temporarily unavailable' },
    };
  }

  private async call<const E extends Expected>(request: ServiceRequest<E>) {
    const token = await this.signer.serviceToken(USER_SERVICE_AUDIENCE);
    return callService(this.target, {
      ...request,
      headers: { authorization: `Bearer ${token}` },
    });
  }

  async create(profile: NewProfile): Promise<UserProfile> {
    const answer = await this.call({
      method: 'POST',
      path: '/internal/users',
      json: profile,
      expect: { 200: userProfileSchema, 201: userProfileSchema, 409: null },
    });
    if (answer.status === 409) throw new ProfileConflictError();
    return answer.body;
  }

  async get(userId: string): Promise<UserProfile | undefined> {
    const answer = await this.call({
      method: 'GET',
      path: `/internal/users/${encodeURIComponent(userId)}`,
      expect: { 200: userProfileSchema, 404: null },
    });
    return answer.status === 200 ? answer.body : undefined;
  }

  async setEmail(userId: string, email: string, verified: boolean): Promise<UserProfile> {
    const answer = await this.call({
      method: 'PUT',
      path: `/internal/users/${encodeURIComponent(userId)}/email`,
      json: { email, email_verified: verified },
      expect: { 200: userProfileSchema, 404: null, 409: null },
    });
    if (answer.status !== 200) throw new ProfileConflictError();
    return answer.body;
  }

  /** Idempotent: the registration saga's compensation. */
  async remove(userId: string): Promise<void> {
    await this.call({
      method: 'DELETE',
      path: `/internal/users/${encodeURIComponent(userId)}`,
      expect: { 204: null, 404: null },
    });
  }
}
