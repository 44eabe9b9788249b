import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';

import amqp, { type Options } from 'amqplib';

import { SECURITY_EVENTS_EXCHANGE } from '@secure-api/shared/messaging';
import { testUrls } from '@secure-api/shared/testing';

const run = promisify(execFile);
const PROVISION = path.resolve(import.meta.dirname, '../../../deploy/rabbitmq/provision-users.sh');

export type BrokerService = 'auth' | 'users' | 'gateway' | 'audit';

/** The name part of the provisioning script's RABBITMQ_<NAME>_USER / _PASSWORD variables. */
const VARIABLE = new Map<BrokerService, string>([
  ['auth', 'AUTH_SERVICE'],
  ['users', 'USER_SERVICE'],
  ['gateway', 'GATEWAY'],
  ['audit', 'AUDIT_SERVICE'],
]);

interface Identity {
  user: string;
  password: string;
}

/**
 * Four broker users of this run (unique names, random passwords), provisioned on the local broker
 * by the deployment's own script, deploy/rabbitmq/provision-users.sh, so the permissions under
 * test are exactly the deployed ones. Needs `rabbitmqctl` on this machine.
 */
export class BrokerIdentities {
  private constructor(private readonly identities: Map<BrokerService, Identity>) {}

  static async provision(): Promise<BrokerIdentities> {
    const tag = randomBytes(4).toString('hex');
    const identities = new Map<BrokerService, Identity>();
    const env = new Map([['PATH', process.env.PATH ?? '/usr/bin:/bin']]);
    for (const [service, name] of VARIABLE) {
      const identity = { user: `t-${service}-${tag}`, password: randomBytes(16).toString('hex') };
      identities.set(service, identity);
      env.set(`RABBITMQ_${name}_USER`, identity.user);
      env.set(`RABBITMQ_${name}_PASSWORD`, identity.password);
    }
    await run('sh', [PROVISION], { env: Object.fromEntries(env) });
    return new BrokerIdentities(identities);
  }

  user(service: BrokerService): string {
    return this.identity(service).user;
  }

  /** The AMQP URL that service would be given: its own user and password. */
  url(service: BrokerService): string {
    const url = new URL(testUrls.amqp);
    url.username = this.identity(service).user;
    url.password = this.identity(service).password;
    return url.toString();
  }

  async remove(): Promise<void> {
    for (const { user } of this.identities.values()) {
      await run('rabbitmqctl', ['-q', 'delete_user', '--', user]).catch(() => undefined);
    }
  }

  private identity(service: BrokerService): Identity {
    const identity = this.identities.get(service);
    if (!identity) throw new Error(`no broker identity for ${service}`);
    return identity;
  }
}

/**
 * One operation on a fresh channel as some broker user: how it ended, or the broker's reason for
 * closing the channel ("403 (ACCESS-REFUSED) with message ...").
 */
export async function asBrokerUser(
  url: string,
  operation: (channel: amqp.ConfirmChannel) => Promise<unknown>,
): Promise<{ ok: true } | { ok: false; error: string }> {
  const connection = await amqp.connect(url);
  connection.on('error', () => undefined);
  try {
    const channel = await connection.createConfirmChannel();
    let closedWith: string | undefined;
    channel.on('error', (error: Error) => {
      closedWith = error.message;
    });
    const closed = new Promise((resolve) => channel.once('close', resolve));
    try {
      await operation(channel);
      return { ok: true };
    } catch (error) {
      // The broker's reason arrives with the channel's close, which may follow the failure.
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000))]);
      return { ok: false, error: closedWith ?? (error as Error).message };
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** A raw publish to `security.events`, resolved once the broker confirmed it (or closed on it). */
export function publishRaw(
  channel: amqp.ConfirmChannel,
  routingKey: string,
  body: unknown,
  options: Options.Publish,
): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.publish(
      SECURITY_EVENTS_EXCHANGE,
      routingKey,
      Buffer.from(JSON.stringify(body)),
      { persistent: true, contentType: 'application/json', ...options },
      (error) => {
        if (error) reject(error instanceof Error ? error : new Error('not confirmed'));
        else resolve();
      },
    );
  });
}
