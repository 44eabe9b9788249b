import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

import { repoRoot } from './support/kubernetes.js';

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  command?: string[] | string;
  profiles?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  volumes?: string[];
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  cap_add?: string[];
  security_opt?: string[];
  healthcheck?: { disable?: boolean; test?: string[] };
  configs?: { source: string; target: string }[];
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  configs?: Record<string, { file?: string }>;
  networks?: Record<
    string,
    { internal?: boolean; ipam?: { config?: { subnet?: string }[] } } | null
  >;
  volumes?: Record<string, unknown>;
}

const text = readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8');
const compose = parse(text, { merge: true }) as ComposeFile;
const services = new Map(Object.entries(compose.services));
const service = (name: string) => services.get(name)!;
const env = (name: string) => new Map(Object.entries(service(name).environment ?? {}));

/** What compose substitutes when a variable is unset: `${X:-d}` -> d, `${X}` -> '', `$$` -> `$`. */
const withDefaults = (value: string) =>
  value
    .replace(/\$\{([^}]*)\}/g, (_m, inner: string) =>
      inner.includes('-') ? inner.slice(inner.indexOf('-') + 1) : '',
    )
    .replaceAll('$$', '$');

/** The networks a service joins, in either of compose's spellings. */
const networksOf = (s: ComposeService) =>
  Array.isArray(s.networks) ? s.networks : Object.keys(s.networks ?? {});

const fullStack = [...services.entries()].filter(([, s]) => !s.profiles).map(([n]) => n);
const inProfile = (profile: string) =>
  [...services.entries()].filter(([, s]) => s.profiles?.includes(profile)).map(([n]) => n);

const APPS = ['gateway', 'auth-service', 'user-service', 'audit-service'];
const MIGRATIONS = new Map([
  ['auth-service', 'auth-migrate'],
  ['user-service', 'users-migrate'],
  ['audit-service', 'audit-migrate'],
]);
const DATASTORES = ['db', 'cache', 'broker'];
const MAIL_SINK = 'mailpit';
const OUR_CONTAINERS = [...APPS, ...MIGRATIONS.values(), 'nginx'];

describe('docker-compose.yml', () => {
  it('defines the full stack without a profile, the TLS front and the dev dependencies in profiles', () => {
    expect(fullStack.sort()).toEqual(
      [...APPS, ...MIGRATIONS.values(), ...DATASTORES, MAIL_SINK].sort(),
    );
    expect(inProfile('tls')).toEqual(['nginx']);
    // `docker compose up -d postgres redis rabbitmq` starts npm start's dependencies.
    expect(inProfile('dev').sort()).toEqual(['postgres', 'rabbitmq', 'redis']);
  });

  it('publishes only the gateway and the mail sink’s web UI from the full stack, on loopback', () => {
    const published = fullStack.filter((n) => (service(n).ports ?? []).length > 0);
    expect(published.sort()).toEqual(['gateway', MAIL_SINK]);
    expect(service('gateway').ports?.map(withDefaults)).toEqual(['127.0.0.1:8080:8080']);
    // Its SMTP port stays unpublished: only auth-service sends to it.
    expect(service(MAIL_SINK).ports).toEqual(['127.0.0.1:8025:8025']);
  });

  it('publishes the dev dependencies on 127.0.0.1 only, each on its standard port', () => {
    const ports = Object.fromEntries(
      inProfile('dev').map((n) => [n, service(n).ports?.map(withDefaults)]),
    );
    expect(ports).toEqual({
      postgres: ['127.0.0.1:5432:5432'],
      redis: ['127.0.0.1:6379:6379'],
      rabbitmq: ['127.0.0.1:5672:5672'],
    });
  });

  it.each(OUR_CONTAINERS)(
    '%s runs read-only with a /tmp tmpfs, no capabilities and no privilege gain',
    (name) => {
      const s = service(name);
      expect(s.read_only).toBe(true);
      expect(s.tmpfs?.some((t) => t.split(':')[0] === '/tmp')).toBe(true);
      expect(s.cap_drop).toEqual(['ALL']);
      expect(s.cap_add).toBeUndefined();
      expect(s.security_opt).toContain('no-new-privileges:true');
    },
  );

  it.each(DATASTORES)(
    '%s drops capabilities, gains no privilege, stays on the internal network in a named volume',
    (name) => {
      const s = service(name);
      expect(s.cap_drop).toEqual(['ALL']);
      expect(s.security_opt).toContain('no-new-privileges:true');
      expect(s.networks).toEqual(['backend']);
      expect(s.ports).toBeUndefined();
      for (const volume of s.volumes ?? []) {
        const source = volume.split(':')[0]!;
        expect(Object.keys(compose.volumes ?? {})).toContain(source);
      }
    },
  );

  describe('mail', () => {
    it('sends auth-service’s mail to the mail sink by default, to the relay SMTP_URL names when set', () => {
      expect(env('auth-service').get('SMTP_URL')).toBe('${SMTP_URL:-smtp://mailpit:1025}');
      expect(withDefaults(env('auth-service').get('SMTP_URL')!)).toBe(`smtp://${MAIL_SINK}:1025`);
      expect(withDefaults(env('auth-service').get('MAIL_FROM')!)).toBe(
        'Secure API <no-reply@localhost>',
      );
      // The links in mail lead to the gateway as published.
      expect(withDefaults(env('auth-service').get('PUBLIC_BASE_URL')!)).toBe(
        'http://localhost:8080',
      );
    });

    it('gives the mail settings to auth-service (and its migration, same settings) only', () => {
      const holders = [...services.entries()]
        .filter(([, s]) => Object.keys(s.environment ?? {}).some((k) => k === 'SMTP_URL'))
        .map(([n]) => n);
      expect(holders.sort()).toEqual(['auth-migrate', 'auth-service']);
    });

    it('runs the mail sink pinned and hardened, sharing only the mail network with auth-service', () => {
      const sink = service(MAIL_SINK);
      expect(sink.image).toMatch(/^axllent\/mailpit:v\d+\.\d+\.\d+$/);
      expect(sink.read_only).toBe(true);
      expect(sink.cap_drop).toEqual(['ALL']);
      expect(sink.security_opt).toContain('no-new-privileges:true');
      expect(networksOf(sink)).toEqual(['mail']);
      const onMail = [...services.entries()]
        .filter(([, s]) => networksOf(s).includes('mail'))
        .map(([n]) => n);
      expect(onMail.sort()).toEqual(['auth-service', MAIL_SINK]);
    });
  });

  it('keeps the backend network internal, with only the gateway also on the edge', () => {
    expect(compose.networks?.backend?.internal).toBe(true);
    const onEdge = [...services.entries()]
      .filter(([, s]) => networksOf(s).includes('edge'))
      .map(([n]) => n);
    expect(onEdge.sort()).toEqual(['gateway', 'nginx']);
  });

  it('has the services believe X-Forwarded-For from the gateway’s fixed address and no other', () => {
    const gatewayNetworks = service('gateway').networks as Record<
      string,
      { ipv4_address?: string }
    >;
    const address = gatewayNetworks.backend?.ipv4_address;
    const subnet = compose.networks?.backend?.ipam?.config?.[0]?.subnet ?? '';

    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(address?.startsWith(subnet.split('.').slice(0, 3).join('.'))).toBe(true);
    for (const name of ['auth-service', 'user-service', 'audit-service']) {
      expect([name, service(name).environment?.TRUSTED_PROXIES]).toEqual([name, `${address}/32`]);
    }
  });

  it.each([...MIGRATIONS.entries()])(
    'migrates %s once with %s (same image, same settings) before the service starts',
    (app, migration) => {
      const m = service(migration);
      const s = service(app);
      expect(m.command).toEqual(['node', `${app}/dist/migrate.js`]);
      expect(m.image).toBe(s.image);
      expect(m.environment).toEqual(s.environment);
      expect(m.depends_on).toEqual({ db: { condition: 'service_healthy' } });
      expect(new Map(Object.entries(s.depends_on ?? {})).get(migration)).toEqual({
        condition: 'service_completed_successfully',
      });
    },
  );

  it('starts in health order: every dependency is waited for, never merely started', () => {
    for (const name of fullStack) {
      for (const [, dependency] of Object.entries(service(name).depends_on ?? {})) {
        expect(['service_healthy', 'service_completed_successfully']).toContain(
          dependency.condition,
        );
      }
    }
    expect(Object.keys(service('gateway').depends_on ?? {}).sort()).toEqual(
      ['audit-service', 'auth-service', 'cache', 'user-service'].sort(),
    );
  });

  it('starts every service that checks bearer tokens only once Redis, which holds the revocation marks, is healthy', () => {
    for (const name of APPS) {
      expect({ name, cache: service(name).depends_on?.cache }).toEqual({
        name,
        cache: { condition: 'service_healthy' },
      });
    }
  });

  it.each(APPS)(
    '%s runs in production mode, listening on all interfaces of its container',
    (name) => {
      const env = service(name).environment ?? {};
      expect(env).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0' });
      expect(service(name).build?.dockerfile).toBe(`${name}/Dockerfile`);
    },
  );

  it('takes every password and key from the git-ignored env file, never from this file', () => {
    const secretLike = /PASSWORD|SECRET|PRIVATE|_KEY|TOKEN/;
    for (const [name, s] of services) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (secretLike.test(key) && !(name === 'postgres' && key === 'POSTGRES_HOST_AUTH_METHOD')) {
          expect({ name, key, value }).toEqual({
            name,
            key,
            value: expect.stringMatching(/^\$\{[A-Z0-9_]+(:-)?\}$/),
          });
        }
        // A URL's password must be interpolated too.
        const credentials = /^[a-z]+:\/\/[^:/@]*:([^@]*)@/.exec(value);
        if (credentials) {
          expect({ name, key, password: credentials[1] }).toEqual({
            name,
            key,
            password: expect.stringMatching(/^\$\{[A-Z0-9_]+(:-)?\}$/),
          });
        }
      }
    }
  });

  it('connects the full stack with passwords everywhere and non-guest broker credentials', () => {
    for (const name of ['auth-service', 'user-service', 'audit-service']) {
      expect(env(name).get('DATABASE_URL')).toMatch(
        /^postgres:\/\/secure_api:\$\{POSTGRES_PASSWORD/,
      );
    }
    for (const name of ['gateway', 'auth-service', 'user-service', 'audit-service']) {
      expect(env(name).get('REDIS_URL')).toMatch(/^redis:\/\/:\$\{REDIS_PASSWORD/);
    }
    expect(text).not.toMatch(/guest:guest/);
  });

  describe('broker identities', () => {
    const provisioning = readFileSync(
      path.join(repoRoot, 'deploy/rabbitmq/provision-users.sh'),
      'utf8',
    );
    const BROKER_USERS = [
      ['gateway', 'gateway', 'GATEWAY'],
      ['auth-service', 'auth_service', 'AUTH_SERVICE'],
      ['user-service', 'user_service', 'USER_SERVICE'],
      ['audit-service', 'audit_service', 'AUDIT_SERVICE'],
    ] as const;

    it.each(BROKER_USERS)(
      '%s logs in to the broker as its own user, %s, whom the broker provisions with that password',
      (name, user, variable) => {
        const password = `\${RABBITMQ_${variable}_PASSWORD:-}`;

        expect(env(name).get('AMQP_URL')).toBe(`amqp://${user}:${password}@broker:5672`);
        expect(env('broker').get(`RABBITMQ_${variable}_PASSWORD`)).toBe(password);
        expect(provisioning).toContain(`\${RABBITMQ_${variable}_USER:-${user}}`);
      },
    );

    it('lets audit-service store each source’s events only from that producer’s own user', () => {
      expect(env('audit-service').get('EVENT_PRODUCERS')).toBe(
        'auth_service:auth-service,user_service:user-service,gateway:gateway',
      );
    });

    it('provisions the users from the mounted scripts and is healthy only once they exist', () => {
      const broker = service('broker');

      expect(broker.command).toEqual(['sh', '/opt/secure-api/start-broker.sh']);
      expect(broker.configs).toEqual([
        { source: 'broker-start', target: '/opt/secure-api/start-broker.sh' },
        { source: 'broker-users', target: '/opt/secure-api/provision-users.sh' },
      ]);
      expect(compose.configs).toEqual({
        'broker-start': { file: './deploy/rabbitmq/start-broker.sh' },
        'broker-users': { file: './deploy/rabbitmq/provision-users.sh' },
      });
      expect(broker.healthcheck?.test).toEqual([
        'CMD-SHELL',
        'rabbitmq-diagnostics -q ping && test -f /tmp/users-provisioned',
      ]);
      const start = readFileSync(path.join(repoRoot, 'deploy/rabbitmq/start-broker.sh'), 'utf8');
      expect(start).toContain('sh "$here/provision-users.sh" && touch /tmp/users-provisioned');
    });
  });

  it('gives the signing and TOTP keys to auth-service (and its migration) only', () => {
    const holders = [...services.entries()]
      .filter(([, s]) =>
        Object.keys(s.environment ?? {}).some((k) => /JWT_PRIVATE_KEYS|TOTP/.test(k)),
      )
      .map(([n]) => n);
    expect(holders.sort()).toEqual(['auth-migrate', 'auth-service']);
  });

  it('gives the audit checkpoint keys to audit-service (and its migration) only', () => {
    const holders = [...services.entries()]
      .filter(([, s]) => Object.keys(s.environment ?? {}).includes('AUDIT_SIGNING_KEYS'))
      .map(([n]) => n);
    expect(holders.sort()).toEqual(['audit-migrate', 'audit-service']);
  });
});
