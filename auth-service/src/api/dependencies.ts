import type { Sequelize } from 'sequelize';

import { RevocationStore, type Redis } from '@secure-api/shared';

import type { Config } from '../config.js';
import { CredentialRepository } from '../data/credential.repository.js';
import { SessionRepository } from '../data/session.repository.js';
import { keysFromEnvironment, SigningKeyRepository } from '../data/signing-key.repository.js';
import { UserDirectoryClient } from '../data/user-directory.client.js';
import type { AuthDeps } from '../domain/auth-deps.js';
import { PasswordHasher } from '../domain/password-hasher.js';
import { TokenSigner } from '../domain/token-signer.js';

/** The one place the use cases' collaborators are built (server and CLI alike). */
export async function buildAuthDeps(
  config: Config,
  sequelize: Sequelize,
  redis: Redis,
): Promise<AuthDeps> {
  const keys = config.jwtPrivateKeys
    ? await keysFromEnvironment(config.jwtPrivateKeys)
    : await new SigningKeyRepository(sequelize).ensureDevelopmentKeys();
  const signer = new TokenSigner(keys, config.accessTokenMinutes * 60);
  return {
    credentials: new CredentialRepository(sequelize),
    sessions: new SessionRepository(sequelize),
    hasher: new PasswordHasher(config.argon2, config.hashing),
    signer,
    revocation: new RevocationStore(redis),
    directory: new UserDirectoryClient(config.userServiceUrl, signer),
    settings: {
      refreshTokenDays: config.refreshTokenDays,
      refreshFamilyMaxDays: config.refreshFamilyMaxDays,
      refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
    },
  };
}
