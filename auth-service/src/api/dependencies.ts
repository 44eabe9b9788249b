import type { Sequelize } from 'sequelize';

import { RevocationStore } from '@secure-api/shared/auth';
import { createMetrics, revocationChecksCounter, type Metrics } from '@secure-api/shared/lifecycle';
import { UnitOfWork } from '@secure-api/shared/outbox';
import type { Redis } from '@secure-api/shared/redis';

import type { Config } from '../config.js';
import { CredentialRepository } from '../data/credential.repository.js';
import { RefreshTokenRepository } from '../data/refresh-token.repository.js';
import { SessionRepository } from '../data/session.repository.js';
import { keysFromEnvironment, SigningKeyRepository } from '../data/signing-key.repository.js';
import { UserDirectoryClient } from '../data/user-directory.client.js';
import { PasswordHasher } from '../domain/password-hasher.js';
import { TokenSigner } from '../domain/token-signer.js';
import { MfaChallengeStore } from '../data/mfa-challenge.store.js';
import { ApiKeyCache } from '../data/api-key-cache.js';
import { ApiKeyRepository } from '../data/api-key.repository.js';
import { TwoFactorRepository } from '../data/two-factor.repository.js';
import { DeviceCookies } from '../domain/device-cookies.js';
import { SecretBox } from '../domain/secret-box.js';
import { DEFAULT_GUARD_SETTINGS, LoginGuard } from '../domain/login-guard.js';
import type { SecurityPolicy } from '../domain/security-policy.js';
import { SecurityPolicyRepository } from '../data/security-policy.repository.js';
import { AccountTokenRepository } from '../data/account-token.repository.js';
import { MailOutbox } from '../data/mail-outbox.js';
import { RecoveryThrottle } from '../domain/recovery-throttle.js';
import { createHashQueueMetrics, createSecurityCounters } from '../data/security-metrics.js';

/** The policy in force until an admin changes it: the environment's initial values. */
export function defaultPolicy(config: Config): SecurityPolicy {
  return {
    max_login_attempts: config.lockout.maxAttempts,
    lockout_window_minutes: config.lockout.windowMinutes,
    lockout_duration_minutes: config.lockout.minutes,
    password_policy: 'composition',
    password_min_length: 8,
    login_rate_limit: {
      points: config.loginRateLimit.points,
      duration_seconds: config.loginRateLimit.durationSeconds,
    },
    device_trust: true,
    // On where mail reaches real people; off where a developer's mail stays in the local sink.
    require_verified_email: config.nodeEnv === 'production',
  };
}

/**
 * The concrete collaborators, built once (server and CLI alike). Routes hand this to the use
 * cases; each use case declares the narrow slice of it that it uses.
 */
export type AuthComponents = Awaited<ReturnType<typeof buildAuthComponents>>;

export async function buildAuthComponents(
  config: Config,
  sequelize: Sequelize,
  redis: Redis,
  uow: UnitOfWork = new UnitOfWork(sequelize),
  // The CLI serves no /metrics: its counts go to a registry of its own that nobody reads.
  metrics: Metrics = createMetrics('auth-service'),
) {
  const keys = config.jwtPrivateKeys
    ? await keysFromEnvironment(config.jwtPrivateKeys)
    : await new SigningKeyRepository(sequelize).ensureDevelopmentKeys();
  const signer = new TokenSigner(keys, config.accessTokenMinutes * 60);
  const twoFactor = new TwoFactorRepository(sequelize, uow);
  const totpKey =
    config.totpEncryptionKey ?? (await twoFactor.developmentKey('totp-encryption-key'));
  const policies = new SecurityPolicyRepository(
    sequelize,
    redis,
    defaultPolicy(config),
    uow,
    config.redisKeyPrefix,
  );
  const secretBox = new SecretBox(totpKey);
  const hasher: PasswordHasher = new PasswordHasher(
    config.argon2,
    config.hashing,
    createHashQueueMetrics(metrics, () => hasher.depth),
  );
  // Derived from the TOTP key like the device cookies: the mail outbox needs no secret of its own.
  const mailSeal = new SecretBox(secretBox.subkey('mail-outbox v1').toString('base64'));
  return {
    uow,
    apiKeys: new ApiKeyRepository(sequelize),
    apiKeyCache: new ApiKeyCache(redis, config.redisKeyPrefix),
    twoFactor,
    secretBox,
    mfa: new MfaChallengeStore(redis, config.redisKeyPrefix),
    // Derived from the TOTP key, so device cookies need no secret of their own to configure.
    devices: new DeviceCookies(secretBox.subkey('device-cookie v1')),
    policies,
    guard: new LoginGuard(redis, policies, {
      ...DEFAULT_GUARD_SETTINGS,
      ipFailuresPerDay: config.loginFailuresPerIpPerDay,
      keyPrefix: `${config.redisKeyPrefix}bf`,
    }),
    credentials: new CredentialRepository(sequelize),
    sessions: new SessionRepository(sequelize),
    refreshTokens: new RefreshTokenRepository(sequelize, uow),
    hasher,
    counters: createSecurityCounters(metrics),
    signer,
    revocation: new RevocationStore(redis, revocationChecksCounter(metrics)),
    tokens: new AccountTokenRepository(sequelize),
    mailbox: new MailOutbox(sequelize, mailSeal),
    recoveryThrottle: new RecoveryThrottle(redis, `${config.redisKeyPrefix}recovery`),
    recovery: {
      publicBaseUrl: config.mail.publicBaseUrl,
      passwordResetMinutes: config.tokens.passwordResetMinutes,
      emailVerificationHours: config.tokens.emailVerificationHours,
      emailChangeCancelHours: config.tokens.emailChangeCancelHours,
    },
    directory: new UserDirectoryClient(config.userServiceUrl, signer, config.userServiceTimeoutMs),
    settings: {
      refreshTokenDays: config.refreshTokenDays,
      refreshFamilyMaxDays: config.refreshFamilyMaxDays,
      refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
      apiKeyRotationGraceSeconds: config.apiKeyRotationGraceSeconds,
    },
  };
}
