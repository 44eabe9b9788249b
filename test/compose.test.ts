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
const OBSERVABILITY = ['grafana', 'otel-collector', 'prometheus'];
const METRICS_TARGETS = [
  'gateway:9080',
  'auth-service:8081',
  'user-service:8082',
  'audit-service:8083',
];

const observabilityFile = (file: string) =>
  parse(readFileSync(path.join(repoRoot, 'deploy/observability', file), 'utf8')) as unknown;
/** `./host/path:/container/path:ro` -> the container path the host path is mounted at. */
const mountOf = (s: ComposeService, source: string) =>
  (s.volumes ?? []).find((v) => v.split(':')[0] === source)?.split(':')[1];

describe('docker-compose.yml', () => {
  it('defines the full stack without a profile, the TLS front and the dev dependencies in profiles', () => {
    expect(fullStack.sort()).toEqual(
      [...APPS, ...MIGRATIONS.values(), ...DATASTORES, MAIL_SINK].sort(),
    );
    expect(inProfile('tls')).toEqual(['nginx']);
    // `docker compose up -d postgres redis rabbitmq` starts npm start's dependencies.
    expect(inProfile('dev').sort()).toEqual(['postgres', 'rabbitmq', 'redis']);
    expect(inProfile('observability').sort()).toEqual(OBSERVABILITY);
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

  it.each([...OUR_CONTAINERS, ...OBSERVABILITY])(
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
  describe('observability profile', () => {
    const prometheusConfig = observabilityFile('prometheus/prometheus.yml') as {
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };

    it('publishes Grafana, Prometheus and the collector’s OTLP/HTTP port on loopback only', () => {
      expect(Object.fromEntries(OBSERVABILITY.map((n) => [n, service(n).ports]))).toEqual({
        grafana: ['127.0.0.1:3000:3000'],
        'otel-collector': ['127.0.0.1:4318:4318'],
        prometheus: ['127.0.0.1:9090:9090'],
      });
    });

    it('runs pinned images', () => {
      expect(OBSERVABILITY.map((n) => service(n).image)).toEqual([
        expect.stringMatching(/^grafana\/grafana:\d+\.\d+\.\d+$/),
        expect.stringMatching(/^otel\/opentelemetry-collector:\d+\.\d+\.\d+$/),
        expect.stringMatching(/^prom\/prometheus:v\d+\.\d+\.\d+$/),
      ]);
    });

    it('has Prometheus scrape every service where it serves /metrics, on the backend network it joins', () => {
      const targets = prometheusConfig.scrape_configs.flatMap((c) =>
        c.static_configs.flatMap((s) => s.targets),
      );
      expect(targets.sort()).toEqual([...METRICS_TARGETS, 'otel-collector:8888'].sort());
      expect(networksOf(service('prometheus')).sort()).toEqual(['backend', 'observability']);
      // The gateway's management listener binds its backend address: Prometheus reaches it there,
      // nginx on the edge network does not.
      expect(env('gateway').get('GATEWAY_ADMIN_HOST')).toBe(
        (service('gateway').networks as Record<string, { ipv4_address?: string }>).backend
          ?.ipv4_address,
      );
    });

    it('has Prometheus evaluate the alert rules, mounted where its configuration looks for them', () => {
      const prometheus = service('prometheus');
      expect(mountOf(prometheus, './deploy/observability/prometheus/prometheus.yml')).toBe(
        '/etc/prometheus/prometheus.yml',
      );
      expect(mountOf(prometheus, './deploy/observability/prometheus/rules')).toBe(
        '/etc/prometheus/rules',
      );
      expect(prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
      expect(prometheusConfig.rule_files).toEqual(['rules/*.yml']);
    });

    it('provisions Grafana with Prometheus as its data source and the dashboard, read-only', () => {
      const grafana = service('grafana');
      const provisioning = mountOf(grafana, './deploy/observability/grafana/provisioning');
      const dashboards = mountOf(grafana, './deploy/observability/grafana/dashboards');
      const datasources = observabilityFile('grafana/provisioning/datasources/prometheus.yaml') as {
        datasources: { type: string; url: string }[];
      };
      const providers = observabilityFile('grafana/provisioning/dashboards/secure-api.yaml') as {
        providers: { options: { path: string }; allowUiUpdates: boolean }[];
      };

      expect(provisioning).toBe('/etc/grafana/provisioning');
      expect(datasources.datasources).toEqual([
        expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' }),
      ]);
      expect(providers.providers.map((p) => [p.options.path, p.allowUiUpdates])).toEqual([
        [dashboards, false],
      ]);
      expect(env('grafana').get('GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH')).toBe(
        `${dashboards}/secure-api.json`,
      );
      expect(networksOf(grafana)).toEqual(['observability']);
    });

    it('lets anonymous visitors view Grafana and nobody log in: no admin password to leak or default', () => {
      expect(Object.fromEntries(env('grafana'))).toMatchObject({
        GF_AUTH_ANONYMOUS_ENABLED: 'true',
        GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer',
        GF_AUTH_DISABLE_LOGIN_FORM: 'true',
        GF_AUTH_BASIC_ENABLED: 'false',
      });
      expect(env('grafana').has('GF_SECURITY_ADMIN_PASSWORD')).toBe(false);
    });

    it('has every service send spans to the endpoint .env.compose names, off when it names none', () => {
      for (const name of [...APPS, ...MIGRATIONS.values()]) {
        expect([name, env(name).get('OTEL_EXPORTER_OTLP_ENDPOINT')]).toEqual([
          name,
          '${OTEL_EXPORTER_OTLP_ENDPOINT:-}',
        ]);
      }
      // The collector listens for OTLP/HTTP on the backend network, where the services are.
      const collector = observabilityFile('otel-collector/config.yaml') as {
        receivers: { otlp: { protocols: { http: { endpoint: string } } } };
        service: { pipelines: { traces: { receivers: string[] } } };
      };
      expect(collector.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
      expect(collector.service.pipelines.traces.receivers).toEqual(['otlp']);
      expect(networksOf(service('otel-collector')).sort()).toEqual(['backend', 'observability']);
    });
  });
});
