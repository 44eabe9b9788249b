import net from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import amqp from 'amqplib';

import {
  captureLogger,
  createTestDatabase,
  eventually,
  systemEnv,
  testUrls,
  uniqueName,
  type SystemEnv,
  type TestDatabase,
} from '@secure-api/shared/testing';
import { startServer as startAudit } from '@secure-api/audit-service/api/server.js';
import { readConfig as readAuditConfig } from '@secure-api/audit-service/config.js';
import { startServer as startAuth } from '@secure-api/auth-service/api/server.js';
import { readConfig as readAuthConfig } from '@secure-api/auth-service/config.js';
import { startServer as startGateway } from '@secure-api/gateway/api/server.js';
import { readConfig as readGatewayConfig } from '@secure-api/gateway/config.js';
import { startServer as startUsers } from '@secure-api/user-service/api/server.js';
import { readConfig as readUsersConfig } from '@secure-api/user-service/config.js';

// Each service opens its database, Redis and broker before it listens. When listen() fails (the
// port is taken) start-up must close all of them again: an orchestrator that restarts the process
// in place, or a test that retries, would otherwise pile up connections.
const TEST_MODE = { NODE_ENV: 'test', CORS_ORIGINS: 'https://app.example.com' };

/** Client sockets this process holds open (the blocker below is a server, not counted). */
const openSockets = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'TCPSocketWrap').length;

describe('a service whose port is already taken', () => {
  let blocker: net.Server;
  let databases: TestDatabase[];
  let env: SystemEnv;

  beforeAll(async () => {
    blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    databases = [
      await createTestDatabase('port_in_use_auth'),
      await createTestDatabase('port_in_use_users'),
      await createTestDatabase('port_in_use_audit'),
    ];
    const [auth, users, audit] = databases.map((db) => db.url) as [string, string, string];
    env = systemEnv({
      ports: { auth: taken, users: taken, audit: taken, gateway: taken, gatewayAdmin: 0 },
      databases: { auth, users, audit },
      redis: testUrls.redis,
      amqp: testUrls.amqp,
      redisKeyPrefix: `${uniqueName('port_in_use')}:`,
      auditQueue: uniqueName('port_in_use_q'),
    });
  });

  afterAll(async () => {
    blocker.close();
    for (const db of databases) await db.drop();
    const connection = await amqp.connect(testUrls.amqp);
    const channel = await connection.createChannel();
    for (const queue of [env.audit.AUDIT_QUEUE, env.audit.AUDIT_DEAD_LETTER_QUEUE]) {
      if (queue) await channel.deleteQueue(queue);
    }
    await connection.close();
  });

  const logger = () => captureLogger('port-in-use').logger;
  const starts = {
    'user-service': () =>
      startUsers(
        { ...readUsersConfig({ ...TEST_MODE, ...env.users }), autoMigrate: true },
        logger(),
      ),
    'audit-service': () => startAudit(readAuditConfig({ ...TEST_MODE, ...env.audit }), logger()),
    'auth-service': () =>
      startAuth({ ...readAuthConfig({ ...TEST_MODE, ...env.auth }), autoMigrate: true }, logger()),
    gateway: () => startGateway(readGatewayConfig({ ...TEST_MODE, ...env.gateway }), logger()),
  };

  for (const [name, start] of Object.entries(starts)) {
    it(`${name}: start-up rejects with EADDRINUSE and closes every connection it opened`, async () => {
      const before = openSockets();

      await expect(start()).rejects.toMatchObject({ code: 'EADDRINUSE' });

      // Sockets finish closing on a later tick.
      expect(await eventually(() => Promise.resolve(openSockets() <= before), 5000)).toBe(true);
    });
  }
});
