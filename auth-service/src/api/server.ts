import { createLocalJWKSet } from 'jose';

import {
  accessTokenVerifier,
  authenticate,
  connectRedis,
  createLogger,
  createMetrics,
  createRedis,
  createServiceApp,
  databaseCheck,
  listen,
  openDatabase,
  Readiness,
  redisCheck,
  requireDependency,
  RevocationStore,
  type Logger,
} from '@secure-api/shared';

import type { Config } from '../config.js';
import { CredentialRepository } from '../data/credential.repository.js';
import { MIGRATION_TABLE, migrations } from '../data/migrations/index.js';
import { SessionRepository } from '../data/session.repository.js';
import { keysFromEnvironment, SigningKeyRepository } from '../data/signing-key.repository.js';
import { UserDirectoryClient } from '../data/user-directory.client.js';
import type { AuthDeps } from '../domain/auth-deps.js';
import { PasswordHasher } from '../domain/password-hasher.js';
import { TokenSigner } from '../domain/token-signer.js';
import { accountRoutes } from './routes/accounts.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { internalRoutes } from './routes/internal.routes.js';
import { jwksRoutes } from './routes/jwks.routes.js';
import { passwordRoutes } from './routes/password.routes.js';
import { sessionRoutes } from './routes/sessions.routes.js';

export interface RunningAuthService {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(
  config: Config,
  logger: Logger = createLogger({ service: 'auth-service', level: config.logLevel }),
): Promise<RunningAuthService> {
  const sequelize = await openDatabase({
    url: config.databaseUrl,
    migrations,
    migrationTable: MIGRATION_TABLE,
    autoMigrate: config.autoMigrate,
    logger,
  });
  const redis = createRedis(config.redisUrl, logger);
  try {
    await requireDependency('Redis', config.redisUrl, () => connectRedis(redis));
  } catch (error) {
    redis.disconnect();
    await sequelize.close();
    throw error;
  }

  const keys = config.jwtPrivateKeys
    ? await keysFromEnvironment(config.jwtPrivateKeys)
    : await new SigningKeyRepository(sequelize).ensureDevelopmentKeys();
  const signer = new TokenSigner(keys, config.accessTokenMinutes * 60);
  const revocation = new RevocationStore(redis);
  const deps: AuthDeps = {
    credentials: new CredentialRepository(sequelize),
    sessions: new SessionRepository(sequelize),
    hasher: new PasswordHasher(config.argon2, config.hashing),
    signer,
    revocation,
    directory: new UserDirectoryClient(config.userServiceUrl, signer),
    settings: {
      refreshTokenDays: config.refreshTokenDays,
      refreshFamilyMaxDays: config.refreshFamilyMaxDays,
      refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
    },
  };
  // auth-service verifies its own tokens against its own key ring, revocation included.
  const verifier = accessTokenVerifier(createLocalJWKSet(signer.jwks()));
  const bearer = authenticate(verifier, { revocation });

  const metrics = createMetrics('auth-service');
  const readiness = new Readiness({ database: databaseCheck(sequelize), redis: redisCheck(redis) });
  const app = createServiceApp({
    logger,
    metrics,
    readiness,
    routes: (app) => {
      app.use(jwksRoutes(signer));
      app.use(
        authRoutes({
          deps,
          verifier,
          bearer,
          cookieSecure: config.cookieSecure,
          corsOrigins: config.corsOrigins,
        }),
      );
      app.use(sessionRoutes(deps, bearer));
      app.use(passwordRoutes(deps, bearer));
      app.use(accountRoutes(deps, bearer));
      app.use(internalRoutes(deps, bearer));
    },
  });
  const server = await listen(app, { port: config.port, host: config.host });
  return {
    url: server.url,
    port: server.port,
    close: async () => {
      readiness.startDraining();
      await server.close();
      redis.disconnect();
      await sequelize.close();
    },
  };
}
