/**
 * Where one whole system's services listen and which stores each uses. The harnesses that boot all
 * four services (e2e/support/system.ts in-process, the fault stack through its TCP proxies, the
 * bench as child processes) pass only this and the settings their run changes; the wiring
 * between the services (who calls whom, which keys and queues they share) is written here once.
 */
import { closedPort } from './ports.js';

export interface SystemWiring {
  /** 0 lets the service pick (in-process only: a child process cannot tell its callers). */
  ports: { auth: number; users: number; audit: number; gateway: number; gatewayAdmin: number };
  databases: { auth: string; users: string; audit: string };
  redis: string;
  amqp: string;
  /** Shared by auth-service and the gateway, as in one deployment: the policy mirror, API keys. */
  redisKeyPrefix: string;
  /** audit-service's own queue (and `<queue>.dlq`), bound to the shared exchange. */
  auditQueue: string;
}

export type Env = Record<string, string>;

export interface SystemEnv {
  users: Env;
  audit: Env;
  auth: Env;
  gateway: Env;
}

// The services believe X-Forwarded-For only from the gateway, which connects from this machine.
const GATEWAY_HOP = { TRUSTED_PROXIES: '127.0.0.1/32' };

// Fast hashing keeps whole-system runs quick on two cores; the production parameters are pinned
// by auth-service/test/password-hasher.unit.test.ts.
export const FAST_ARGON2 = {
  ARGON2_TIME_COST: '2',
  ARGON2_MEMORY_COST: '8192',
  ARGON2_PARALLELISM: '1',
};

const local = (port: number) => `http://127.0.0.1:${port}`;

/**
 * Free ports for the three backends, which must be known before they start (each names the
 * others); the gateway's stay 0 unless a caller needs to know them in advance.
 */
export async function backendPorts(): Promise<SystemWiring['ports']> {
  return {
    auth: await closedPort(),
    users: await closedPort(),
    audit: await closedPort(),
    gateway: 0,
    gatewayAdmin: 0,
  };
}

/** Each service's environment for `wiring`; add a run's own settings on top of it. */
export function systemEnv(wiring: SystemWiring): SystemEnv {
  const { ports, databases, redis, amqp } = wiring;
  const auth = local(ports.auth);
  const users = local(ports.users);
  const jwks = `${auth}/.well-known/jwks.json`;
  return {
    users: {
      USERS_PORT: String(ports.users),
      DATABASE_URL: databases.users,
      REDIS_URL: redis,
      AMQP_URL: amqp,
      AUTH_JWKS_URL: jwks,
      AUTH_SERVICE_URL: auth,
      ...GATEWAY_HOP,
    },
    audit: {
      AUDIT_PORT: String(ports.audit),
      DATABASE_URL: databases.audit,
      REDIS_URL: redis,
      AMQP_URL: amqp,
      AUDIT_QUEUE: wiring.auditQueue,
      AUDIT_DEAD_LETTER_QUEUE: `${wiring.auditQueue}.dlq`,
      AUTH_JWKS_URL: jwks,
      USER_SERVICE_URL: users,
      ...GATEWAY_HOP,
    },
    auth: {
      AUTH_PORT: String(ports.auth),
      DATABASE_URL: databases.auth,
      REDIS_URL: redis,
      AMQP_URL: amqp,
      USER_SERVICE_URL: users,
      REDIS_KEY_PREFIX: wiring.redisKeyPrefix,
      ...GATEWAY_HOP,
    },
    gateway: {
      GATEWAY_PORT: String(ports.gateway),
      GATEWAY_ADMIN_PORT: String(ports.gatewayAdmin),
      AUTH_SERVICE_URL: auth,
      USER_SERVICE_URL: users,
      AUDIT_SERVICE_URL: local(ports.audit),
      AUTH_JWKS_URL: jwks,
      REDIS_URL: redis,
      AMQP_URL: amqp,
      REDIS_KEY_PREFIX: wiring.redisKeyPrefix,
    },
  };
}
