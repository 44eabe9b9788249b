import type { RevocationStore, UnitOfWork } from '@secure-api/shared';

import type { ApiKeyCache } from '../data/api-key-cache.js';
import type { ApiKeyRepository } from '../data/api-key.repository.js';

import type { CredentialRepository } from '../data/credential.repository.js';
import type { SecurityPolicyRepository } from '../data/security-policy.repository.js';
import type { SessionRepository } from '../data/session.repository.js';
import type { UserDirectoryClient } from '../data/user-directory.client.js';
import type { MfaChallengeStore } from '../data/mfa-challenge.store.js';
import type { TwoFactorRepository } from '../data/two-factor.repository.js';
import type { DeviceCookies, PresentedCookies } from './device-cookies.js';
import type { LoginGuard } from './login-guard.js';
import type { SecretBox } from './secret-box.js';
import type { PasswordHasher } from './password-hasher.js';
import type { TokenSigner } from './token-signer.js';

/** Everything the use cases need, built once in api/server.ts. */
export interface AuthDeps {
  /** A change and its security events, committed together. */
  uow: UnitOfWork;
  credentials: CredentialRepository;
  sessions: SessionRepository;
  hasher: PasswordHasher;
  signer: TokenSigner;
  revocation: RevocationStore;
  directory: UserDirectoryClient;
  guard: LoginGuard;
  apiKeys: ApiKeyRepository;
  apiKeyCache: ApiKeyCache;
  twoFactor: TwoFactorRepository;
  secretBox: SecretBox;
  mfa: MfaChallengeStore;
  devices: DeviceCookies;
  policies: SecurityPolicyRepository;
  settings: {
    refreshTokenDays: number;
    refreshFamilyMaxDays: number;
    refreshReuseGraceSeconds: number;
    apiKeyRotationGraceSeconds: number;
    redisKeyPrefix: string;
  };
}

export interface ClientInfo {
  ip: string | undefined;
  userAgent: string | undefined;
}

/** A client logging in: also the device cookies it presented. */
export interface LoginClient extends ClientInfo {
  deviceCookies: PresentedCookies;
}
