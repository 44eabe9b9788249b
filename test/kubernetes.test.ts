import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';

import {
  isPinnedImage,
  ofKind,
  parseYamlDocuments,
  quantity,
  renderKustomization,
  repoRoot,
  selects,
  type Container,
  type Deployment,
  type HorizontalPodAutoscaler,
  type Ingress,
  type Job,
  type K8sObject,
  type LabelSelector,
  type Labels,
  type NetworkPolicy,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type NetworkPolicyRule,
  type PodDisruptionBudget,
  type PodSpec,
  type Service,
} from './support/kubernetes.js';

/** The Prometheus Operator's scrape target: the Services it selects, and which of their ports. */
interface ServiceMonitor extends K8sObject {
  spec: {
    selector: LabelSelector;
    endpoints: { port: string; path?: string; interval?: string; honorLabels?: boolean }[];
  };
}

const SERVICES = ['gateway', 'auth-service', 'user-service', 'audit-service'];
const DATABASE_SERVICES = ['auth-service', 'user-service', 'audit-service'];
const AUTOSCALED = ['gateway', 'auth-service'];
// auth-service's mail relay: submission with STARTTLS, and with TLS.
const SMTP_PORTS = [587, 465];
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
// Where each service serves /metrics: the gateway on its management port, the others on their own.
const METRICS_PORTS = new Map([
  ['gateway', 9080],
  ['auth-service', 8081],
  ['user-service', 8082],
  ['audit-service', 8083],
]);
const OTEL_COLLECTOR = 'monitoring/opentelemetry-collector:4318/TCP';
// Every request traced in dev; a tenth of them in production, decided at the gateway.
const TRACE_SAMPLING = new Map([
  ['dev', '1'],
  ['prod', '0.1'],
]);
const NAMESPACES = new Map([
  ['dev', 'secure-api-dev'],
  ['prod', 'secure-api'],
]);

/** A pod template and what owns it: a service's Deployment or a migration Job. */
interface Workload {
  title: string;
  kind: 'Deployment' | 'Job';
  app: string;
  labels: Labels;
  pod: PodSpec;
}

function workloadsOf(objects: K8sObject[]): Workload[] {
  const deployments = ofKind<Deployment>(objects, 'Deployment').map((d) => ({
    kind: 'Deployment' as const,
    object: d,
    template: d.spec.template,
  }));
  const jobs = ofKind<Job>(objects, 'Job').map((j) => ({
    kind: 'Job' as const,
    object: j,
    template: j.spec.template,
  }));
  return [...deployments, ...jobs].map(({ kind, template }) => {
    const labels = template.metadata.labels;
    const app = new Map(Object.entries(labels)).get('app.kubernetes.io/name') ?? '?';
    return {
      title: kind === 'Job' ? `${app} migration Job` : `${app} Deployment`,
      kind,
      app,
      labels,
      pod: template.spec,
    };
  });
}

const containersOf = (pod: PodSpec): Container[] => [
  ...(pod.initContainers ?? []),
  ...pod.containers,
];

/** A named port ("http") resolved against the container's ports. */
function portNumber(container: Container, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function secretNamesOf(pod: PodSpec): string[] {
  return containersOf(pod).flatMap((c) => [
    ...(c.envFrom ?? []).flatMap((e) => (e.secretRef ? [e.secretRef.name] : [])),
    ...(c.env ?? []).flatMap((e) =>
      e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [],
    ),
  ]);
}

// ---- network-policy evaluation (Kubernetes semantics, for pods in the rendered namespace) -------

interface PodPort {
  port: number;
  name?: string;
  protocol: string;
}

const podPorts = (w: Workload): PodPort[] =>
  containersOf(w.pod).flatMap((c) =>
    (c.ports ?? []).map((p) => ({
      port: p.containerPort,
      name: p.name,
      protocol: p.protocol ?? 'TCP',
    })),
  );

function policyTypes(policy: NetworkPolicy): string[] {
  return (
    policy.spec.policyTypes ?? ['Ingress', ...(policy.spec.egress === undefined ? [] : ['Egress'])]
  );
}

function portAllowed(ports: NetworkPolicyPort[] | undefined, port: PodPort): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some(
    (p) =>
      (p.protocol ?? 'TCP') === port.protocol &&
      (p.port === undefined || p.port === port.port || p.port === port.name),
  );
}

const isSameNamespacePeer = (peer: NetworkPolicyPeer) =>
  peer.podSelector !== undefined && !peer.namespaceSelector && !peer.ipBlock;

function peersSelect(peers: NetworkPolicyPeer[] | undefined, w: Workload): boolean {
  if (!peers || peers.length === 0) return true;
  return peers.some((peer) => isSameNamespacePeer(peer) && selects(peer.podSelector!, w.labels));
}

function rulesFor(policies: NetworkPolicy[], w: Workload, type: 'Ingress' | 'Egress') {
  return policies
    .filter((p) => policyTypes(p).includes(type) && selects(p.spec.podSelector, w.labels))
    .flatMap((p) => (type === 'Ingress' ? (p.spec.ingress ?? []) : (p.spec.egress ?? [])));
}

/** Every "source -> destination:port" connection that both ends' policies allow. */
function podToPodConnections(policies: NetworkPolicy[], workloads: Workload[]): string[] {
  const connections: string[] = [];
  for (const source of workloads) {
    for (const target of workloads) {
      for (const port of podPorts(target)) {
        const out = rulesFor(policies, source, 'Egress').some(
          (r) => peersSelect(r.to, target) && portAllowed(r.ports, port),
        );
        const into = rulesFor(policies, target, 'Ingress').some(
          (r) => peersSelect(r.from, source) && portAllowed(r.ports, port),
        );
        if (out && into) connections.push(`${source.title} -> ${target.app}:${port.port}`);
      }
    }
  }
  return connections.sort();
}

const namespaceOf = (peer: NetworkPolicyPeer) =>
  new Map(Object.entries(peer.namespaceSelector?.matchLabels ?? {})).get(
    'kubernetes.io/metadata.name',
  ) ?? '*';
const podNameOf = (peer: NetworkPolicyPeer) =>
  new Map(Object.entries(peer.podSelector?.matchLabels ?? {})).get('app.kubernetes.io/name') ??
  new Map(Object.entries(peer.podSelector?.matchLabels ?? {})).get('k8s-app') ??
  '*';

/** Ingress into a pod from other namespaces: "namespace/pod:port". */
function ingressFromOutside(policies: NetworkPolicy[], w: Workload): string[] {
  const allowed = new Set<string>();
  for (const rule of rulesFor(policies, w, 'Ingress')) {
    for (const peer of (rule.from ?? []).filter((p) => p.namespaceSelector ?? p.ipBlock)) {
      for (const port of podPorts(w).filter((p) => portAllowed(rule.ports, p))) {
        const from = peer.ipBlock ? peer.ipBlock.cidr : `${namespaceOf(peer)}/${podNameOf(peer)}`;
        allowed.add(`${from}:${port.port}`);
      }
    }
  }
  return [...allowed].sort();
}

/** Egress out of the namespace: ports to address ranges, and "namespace/pod:port/protocol". */
function egressToOutside(policies: NetworkPolicy[], w: Workload) {
  const ipPorts = new Set<number>();
  const namespaced = new Set<string>();
  for (const rule of rulesFor(policies, w, 'Egress')) {
    for (const peer of rule.to ?? []) {
      for (const p of rule.ports ?? []) {
        if (peer.ipBlock) ipPorts.add(Number(p.port));
        else if (peer.namespaceSelector) {
          namespaced.add(
            `${namespaceOf(peer)}/${podNameOf(peer)}:${String(p.port)}/${p.protocol ?? 'TCP'}`,
          );
        }
      }
    }
  }
  return { ipPorts: [...ipPorts].sort((a, b) => a - b), namespaced: [...namespaced].sort() };
}

const allRules = (
  policy: NetworkPolicy,
): { rule: NetworkPolicyRule; peers?: NetworkPolicyPeer[] }[] => [
  ...(policy.spec.ingress ?? []).map((rule) => ({ rule, peers: rule.from })),
  ...(policy.spec.egress ?? []).map((rule) => ({ rule, peers: rule.to })),
];

// ---- the rendered overlays ----------------------------------------------------------------------

const rendered = new Map(
  [...NAMESPACES.keys()].map((overlay) => [
    overlay,
    renderKustomization(path.join('k8s', 'overlays', overlay)),
  ]),
);
const render = (overlay: string) => rendered.get(overlay)!;

const secretsExample = parseYamlDocuments(
  readFileSync(path.join(repoRoot, 'k8s/base/secrets.example.yaml'), 'utf8'),
  'secrets.example.yaml',
);

describe.each([...NAMESPACES.entries()])('k8s/overlays/%s', (overlay, namespace) => {
  const objects = render(overlay);
  const workloads = workloadsOf(objects);
  const deployments = ofKind<Deployment>(objects, 'Deployment');
  const policies = ofKind<NetworkPolicy>(objects, 'NetworkPolicy');
  const deploymentOf = (name: string) => deployments.find((d) => d.metadata.name === name)!;

  it('renders a Deployment per service and a migration Job per database service', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([...SERVICES].sort());
    expect(
      workloads
        .filter((w) => w.kind === 'Job')
        .map((w) => w.app)
        .sort(),
    ).toEqual([...DATABASE_SERVICES].sort());
  });

  it('holds no Secret: secrets are referenced, never committed', () => {
    expect(ofKind(objects, 'Secret')).toEqual([]);
  });

  it('puts everything in its own namespace, which enforces the restricted pod security profile', () => {
    const namespaces = ofKind(objects, 'Namespace');
    expect(namespaces.map((n) => n.metadata.name)).toEqual([namespace]);
    expect(namespaces[0]!.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    const stray = objects.filter(
      (o) => o.kind !== 'Namespace' && o.metadata.namespace !== namespace,
    );
    expect(stray.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
  });

  describe.each(workloadsOf(render(overlay)).map((w) => [w.title, w] as const))(
    '%s',
    (_title, workload) => {
      const { pod } = workload;

      it('runs as a restricted pod: non-root, read-only root, no escalation, no capabilities, RuntimeDefault seccomp', () => {
        expect(pod.securityContext?.runAsNonRoot).toBe(true);
        expect(pod.securityContext?.runAsUser).toBeGreaterThanOrEqual(1000);
        expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
        for (const container of containersOf(pod)) {
          const sc = container.securityContext;
          expect(sc?.allowPrivilegeEscalation).toBe(false);
          expect(sc?.readOnlyRootFilesystem).toBe(true);
          expect(sc?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot).toBe(true);
          expect(sc?.runAsUser ?? pod.securityContext?.runAsUser).toBe(10001);
          expect(sc?.privileged ?? false).toBe(false);
          expect(sc?.capabilities?.drop).toContain('ALL');
          expect(sc?.capabilities?.add ?? []).toEqual([]);
          expect(sc?.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type).toBe(
            'RuntimeDefault',
          );
        }
      });

      it('mounts no service-account token, gets no service-link variables, shares no host namespace', () => {
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.enableServiceLinks).toBe(false);
        expect([pod.hostNetwork, pod.hostPID, pod.hostIPC].filter(Boolean)).toEqual([]);
        const account = ofKind(render(overlay), 'ServiceAccount').find(
          (a) => a.metadata.name === pod.serviceAccountName,
        );
        expect(account).toMatchObject({ automountServiceAccountToken: false });
      });

      it('requests and limits CPU and memory', () => {
        for (const container of containersOf(pod)) {
          const { requests, limits } = container.resources ?? {};
          for (const amounts of [requests, limits]) {
            const values = new Map(Object.entries(amounts ?? {}));
            expect([...values.keys()].sort()).toEqual(expect.arrayContaining(['cpu', 'memory']));
            expect(quantity(values.get('cpu')!)).toBeGreaterThan(0);
            expect(quantity(values.get('memory')!)).toBeGreaterThan(0);
          }
        }
      });

      it('runs an image pinned to a tag other than latest (or a digest)', () => {
        for (const container of containersOf(pod)) {
          expect({ image: container.image, pinned: isPinnedImage(container.image ?? '') }).toEqual({
            image: container.image,
            pinned: true,
          });
        }
      });

      it('can write only to a memory-backed emptyDir at /tmp', () => {
        const tmp = pod.volumes?.find((v) => v.emptyDir !== undefined);
        expect(tmp).toBeDefined();
        for (const container of containersOf(pod)) {
          expect(container.volumeMounts).toEqual([{ name: tmp!.name, mountPath: '/tmp' }]);
        }
      });

      it('takes its secrets only from Secrets that secrets.example.yaml describes', () => {
        const described = ofKind(secretsExample, 'Secret').map((s) => s.metadata.name);
        const referenced = secretNamesOf(pod);
        expect(referenced.length).toBeGreaterThan(0);
        expect(described).toEqual(expect.arrayContaining(referenced));
      });
    },
  );

  describe.each(SERVICES)('the %s Deployment', (name) => {
    const deployment = deploymentOf(name);
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0]!;
    const labels = deployment.spec.template.metadata.labels;

    it('probes /health/live at startup and for liveness, /health/ready for readiness', () => {
      expect(pod.containers).toHaveLength(1);
      const probe = (p: typeof container.livenessProbe) => ({
        path: p?.httpGet?.path,
        port: portNumber(container, p?.httpGet?.port),
      });
      const ports = podPorts({ pod } as Workload).map((p) => p.port);
      expect(probe(container.startupProbe).path).toBe('/health/live');
      expect(probe(container.livenessProbe).path).toBe('/health/live');
      expect(probe(container.readinessProbe).path).toBe('/health/ready');
      for (const p of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
        expect(ports).toContain(probe(p).port);
      }
    });

    it('is spread over zones and nodes', () => {
      const keys = (pod.topologySpreadConstraints ?? [])
        .filter((c) => c.labelSelector && selects(c.labelSelector, labels))
        .map((c) => c.topologyKey);
      expect(keys).toEqual(
        expect.arrayContaining(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']),
      );
    });

    it('is selected by its Service and by a PodDisruptionBudget', () => {
      const services = ofKind<Service>(objects, 'Service').filter(
        (s) => s.spec.selector && selects({ matchLabels: s.spec.selector }, labels),
      );
      // The gateway's management port has a Service of its own, for the ServiceMonitor.
      expect(services.map((s) => s.metadata.name).sort()).toEqual(
        name === 'gateway' ? ['gateway', 'gateway-metrics'] : [name],
      );
      const budgets = ofKind<PodDisruptionBudget>(objects, 'PodDisruptionBudget').filter((b) =>
        selects(b.spec.selector, labels),
      );
      expect(budgets).toHaveLength(1);
      // Its selector must not also catch the migration Job's pods.
      const caught = workloads.filter((w) => selects(budgets[0]!.spec.selector, w.labels));
      expect(caught.map((w) => w.title)).toEqual([`${name} Deployment`]);
    });
  });

  it('lets an HPA scale the gateway and auth-service on CPU, owning their replica count', () => {
    const hpas = ofKind<HorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual([...AUTOSCALED].sort());
    for (const hpa of hpas) {
      expect(hpa.spec.scaleTargetRef.kind).toBe('Deployment');
      expect(hpa.spec.metrics?.map((m) => m.resource?.name)).toEqual(['cpu']);
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(1);
      expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas!);
      // A replica count in the manifest would fight the autoscaler at every apply.
      expect(deploymentOf(hpa.spec.scaleTargetRef.name).spec.replicas).toBeUndefined();
    }
  });

  it('has the gateway ready on its management port, which listens beyond loopback', () => {
    const container = deploymentOf('gateway').spec.template.spec.containers[0]!;
    expect(portNumber(container, container.readinessProbe?.httpGet?.port)).toBe(9080);
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'GATEWAY_ADMIN_PORT', value: '9080' },
        { name: 'GATEWAY_ADMIN_HOST', value: '0.0.0.0' },
      ]),
    );
  });

  it.each(DATABASE_SERVICES)(
    "migrates %s with a Job running the service's image, entry point and Secret",
    (name) => {
      const jobs = ofKind<Job>(objects, 'Job').filter(
        (j) =>
          new Map(Object.entries(j.spec.template.metadata.labels)).get('app.kubernetes.io/name') ===
          name,
      );
      expect(jobs).toHaveLength(1);
      const job = jobs[0]!.spec.template.spec;
      const service = deploymentOf(name).spec.template.spec;
      expect(job.containers[0]!.command).toEqual(['node', `${name}/dist/migrate.js`]);
      expect(job.containers[0]!.image).toBe(service.containers[0]!.image);
      expect(secretNamesOf(job)).toEqual(secretNamesOf(service));
    },
  );

  it('gives auth-service its mail settings: SMTP_URL from its Secret, the sender and the link base from the ConfigMap', () => {
    const config = ofKind<K8sObject & { data?: Record<string, string> }>(objects, 'ConfigMap').find(
      (c) => c.metadata.name.startsWith('secure-api-config-'),
    );
    const data = new Map(Object.entries(config?.data ?? {}));
    const ingressHosts = ofKind<Ingress>(objects, 'Ingress').flatMap((i) =>
      (i.spec.tls ?? []).flatMap((t) => t.hosts ?? []),
    );
    const linkBase = new URL(data.get('PUBLIC_BASE_URL') ?? 'missing:');

    expect(data.get('MAIL_FROM')).toMatch(/^Secure API <no-reply@[a-z0-9.-]+>$/);
    // Links in mail lead to this overlay's Ingress host, over TLS.
    expect(linkBase.protocol).toBe('https:');
    expect(ingressHosts).toContain(linkBase.host);
    // The relay's URL carries its password: in the Secret, never the ConfigMap.
    expect(data.has('SMTP_URL')).toBe(false);
    expect(secretNamesOf(deploymentOf('auth-service').spec.template.spec)).toContain(
      'auth-service-secrets',
    );
    expect(exampleSecret('auth-service-secrets').get('SMTP_URL')).toMatch(
      /^smtps?:\/\/<[^>]+>:<[^>]+>@<[^>]+>:(587|465)$/,
    );
    for (const other of ['gateway', 'user-service', 'audit-service']) {
      expect({ other, smtp: exampleSecret(`${other}-secrets`).has('SMTP_URL') }).toEqual({
        other,
        smtp: false,
      });
    }
  });

  it('gives audit-service its checkpoint signing keys from its Secret, and no other service', () => {
    expect(secretNamesOf(deploymentOf('audit-service').spec.template.spec)).toContain(
      'audit-service-secrets',
    );
    expect(exampleSecret('audit-service-secrets').get('AUDIT_SIGNING_KEYS')).toBe(
      '<output of: node scripts/generate-secrets.mjs audit-keys>',
    );
    for (const other of ['gateway', 'auth-service', 'user-service']) {
      expect({ other, keys: exampleSecret(`${other}-secrets`).has('AUDIT_SIGNING_KEYS') }).toEqual({
        other,
        keys: false,
      });
    }
  });

  it('reaches the gateway from outside only through one Ingress, with TLS', () => {
    const ingresses = ofKind<Ingress>(objects, 'Ingress');
    expect(ingresses).toHaveLength(1);
    const { spec } = ingresses[0]!;
    expect(spec.defaultBackend).toBeUndefined();
    const backends = (spec.rules ?? []).flatMap((r) => r.http?.paths.map((p) => p.backend) ?? []);
    expect(backends.length).toBeGreaterThan(0);
    const gateway = ofKind<Service>(objects, 'Service').find((s) => s.metadata.name === 'gateway')!;
    for (const backend of backends) {
      expect(backend.service?.name).toBe('gateway');
      const port = gateway.spec.ports?.find(
        (p) => p.name === backend.service?.port.name || p.port === backend.service?.port.number,
      );
      expect(port?.port).toBe(8080);
    }
    const hosts = (spec.rules ?? []).map((r) => r.host);
    const tlsHosts = (spec.tls ?? []).flatMap((t) => t.hosts ?? []);
    expect(hosts.every((h) => h !== undefined && tlsHosts.includes(h))).toBe(true);
    expect((spec.tls ?? []).every((t) => (t.secretName ?? '') !== '')).toBe(true);

    const exposed = ofKind<Service>(objects, 'Service').filter((s) =>
      ['NodePort', 'LoadBalancer'].includes(s.spec.type ?? 'ClusterIP'),
    );
    expect(exposed).toEqual([]);
  });

  describe('observability', () => {
    const monitors = ofKind<ServiceMonitor>(objects, 'ServiceMonitor');
    const configData = () =>
      new Map(
        Object.entries(
          ofKind<K8sObject & { data?: Record<string, string> }>(objects, 'ConfigMap').find((c) =>
            c.metadata.name.startsWith('secure-api-config-'),
          )?.data ?? {},
        ),
      );

    it.each([...METRICS_PORTS])(
      'has Prometheus scrape %s through one ServiceMonitor, on port %i, which the scrape policy opens',
      (name, port) => {
        const pod = deploymentOf(name).spec.template;
        const container = pod.spec.containers[0]!;
        // ServiceMonitor -> the Services it selects -> their ports it names -> the pod's port.
        const scraped = monitors.flatMap((monitor) =>
          ofKind<Service>(objects, 'Service')
            .filter((s) => selects(monitor.spec.selector, s.metadata.labels ?? {}))
            .filter(
              (s) =>
                s.spec.selector && selects({ matchLabels: s.spec.selector }, pod.metadata.labels),
            )
            .flatMap((s) =>
              monitor.spec.endpoints.map((endpoint) => {
                const servicePort = s.spec.ports?.find((p) => p.name === endpoint.port);
                return {
                  monitor: monitor.metadata.name,
                  port: portNumber(container, servicePort?.targetPort),
                  path: endpoint.path,
                  honorLabels: endpoint.honorLabels,
                };
              }),
            ),
        );
        // honorLabels keeps the `service` label the alerts and the dashboard group by.
        expect(scraped).toEqual([{ monitor: name, port, path: '/metrics', honorLabels: true }]);
        expect(
          ingressFromOutside(
            policies,
            workloads.find((w) => w.title === `${name} Deployment`)!,
          ),
        ).toContain(`monitoring/prometheus:${port}`);
      },
    );

    it('carries the alert rules as a PrometheusRule identical to the plain rule file', () => {
      const rules = ofKind<K8sObject & { spec: { groups: unknown } }>(objects, 'PrometheusRule');
      const plain = parseYamlDocuments(
        readFileSync(
          path.join(repoRoot, 'deploy/observability/prometheus/rules/secure-api.rules.yml'),
          'utf8',
        ),
        'secure-api.rules.yml',
      )[0] as unknown as { groups: unknown };
      expect(rules.map((r) => r.metadata.name)).toEqual(['secure-api']);
      expect(rules[0]!.spec.groups).toEqual(plain.groups);
    });

    it('gives every service the trace export settings, to the collector its egress policy lets it reach', () => {
      const data = configData();
      const endpoint = new URL(data.get('OTEL_EXPORTER_OTLP_ENDPOINT') ?? 'missing:');
      expect(endpoint.protocol).toBe('http:');
      expect(endpoint.hostname).toMatch(/^[a-z0-9-]+\.monitoring\.svc\.cluster\.local$/);
      expect(endpoint.port).toBe('4318');
      expect(data.get('OTEL_EXPORTER_OTLP_PROTOCOL')).toBe('http/protobuf');
      expect(data.get('OTEL_TRACES_SAMPLER')).toBe('parentbased_traceidratio');
      expect(data.get('OTEL_TRACES_SAMPLER_ARG')).toBe(TRACE_SAMPLING.get(overlay));
      // Each service names itself: one shared OTEL_SERVICE_NAME would merge them all.
      expect(data.has('OTEL_SERVICE_NAME')).toBe(false);
      for (const name of SERVICES) {
        const envFrom = deploymentOf(name).spec.template.spec.containers[0]!.envFrom ?? [];
        expect(envFrom.map((e) => e.configMapRef?.name).filter(Boolean)).toEqual([
          expect.stringMatching(/^secure-api-config-/),
        ]);
        const workload = workloads.find((w) => w.title === `${name} Deployment`)!;
        expect(egressToOutside(policies, workload).namespaced).toContain(OTEL_COLLECTOR);
      }
    });
  });

  describe('network policies', () => {
    it('deny all ingress and egress of every pod by default', () => {
      const denyAll = policies.filter(
        (p) =>
          Object.keys(p.spec.podSelector).length === 0 &&
          policyTypes(p).includes('Ingress') &&
          policyTypes(p).includes('Egress') &&
          (p.spec.ingress ?? []).length === 0 &&
          (p.spec.egress ?? []).length === 0,
      );
      expect(denyAll).toHaveLength(1);
    });

    it('each select existing pods, name existing peers and ports, and allow nothing wholesale', () => {
      const problems: string[] = [];
      for (const policy of policies) {
        const name = policy.metadata.name;
        const selected = workloads.filter((w) => selects(policy.spec.podSelector, w.labels));
        if (selected.length === 0) problems.push(`${name} selects no pod`);
        for (const { rule, peers } of allRules(policy)) {
          if (!peers || peers.length === 0) problems.push(`${name} has a rule open to everyone`);
          if (!rule.ports || rule.ports.length === 0) problems.push(`${name} opens every port`);
          for (const peer of (peers ?? []).filter(isSameNamespacePeer)) {
            const matched = workloads.filter((w) => selects(peer.podSelector!, w.labels));
            if (matched.length === 0) problems.push(`${name} names a peer no pod matches`);
          }
        }
        for (const rule of policy.spec.ingress ?? []) {
          for (const port of rule.ports ?? []) {
            const open = selected.some((w) => podPorts(w).some((p) => portAllowed([port], p)));
            if (!open)
              problems.push(`${name} opens ${String(port.port)}, which none of its pods has`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('let pods reach each other exactly along gateway -> services, auth-service <-> user-service and audit-service -> both', () => {
      expect(podToPodConnections(policies, workloads)).toEqual([
        'audit-service Deployment -> auth-service:8081',
        'audit-service Deployment -> user-service:8082',
        'auth-service Deployment -> user-service:8082',
        'gateway Deployment -> audit-service:8083',
        'gateway Deployment -> auth-service:8081',
        'gateway Deployment -> user-service:8082',
        'user-service Deployment -> auth-service:8081',
      ]);
    });

    it('let in from other namespaces only the ingress controller (gateway:8080) and Prometheus (metrics ports)', () => {
      const inbound = Object.fromEntries(
        workloads.map((w) => [w.title, ingressFromOutside(policies, w)]),
      );
      expect(inbound).toEqual({
        'gateway Deployment': ['ingress-nginx/ingress-nginx:8080', 'monitoring/prometheus:9080'],
        'auth-service Deployment': ['monitoring/prometheus:8081'],
        'user-service Deployment': ['monitoring/prometheus:8082'],
        'audit-service Deployment': ['monitoring/prometheus:8083'],
        'auth-service migration Job': [],
        'user-service migration Job': [],
        'audit-service migration Job': [],
      });
    });

    it('let only auth-service out to an SMTP relay, on 587 and 465, never into the private ranges', () => {
      const smtpRules = policies.flatMap((policy) =>
        (policy.spec.egress ?? [])
          .filter((rule) =>
            (rule.ports ?? []).some((p) => [25, ...SMTP_PORTS].includes(Number(p.port))),
          )
          .map((rule) => ({ policy, rule })),
      );
      expect(smtpRules).toHaveLength(1);
      const { policy, rule } = smtpRules[0]!;

      expect(
        workloads.filter((w) => selects(policy.spec.podSelector, w.labels)).map((w) => w.title),
      ).toEqual(['auth-service Deployment']);
      expect(rule.ports).toEqual(SMTP_PORTS.map((port) => ({ protocol: 'TCP', port })));
      expect(rule.to?.length).toBeGreaterThan(0);
      for (const peer of rule.to ?? []) {
        // An address range outside the cluster, never pods or namespaces.
        expect(Object.keys(peer)).toEqual(['ipBlock']);
        if (peer.ipBlock?.cidr === '0.0.0.0/0') {
          expect(peer.ipBlock.except).toEqual(expect.arrayContaining(PRIVATE_RANGES));
        }
      }
    });

    it('let each pod out only to the datastores it uses (auth-service also to its SMTP relay), to kube-dns, and the services to the trace collector', () => {
      const dns = ['kube-system/kube-dns:53/TCP', 'kube-system/kube-dns:53/UDP'];
      // The services export their spans to the collector; the migration Jobs export nothing.
      const withCollector = [...dns, OTEL_COLLECTOR].sort();
      const outbound = Object.fromEntries(
        workloads.map((w) => [w.title, egressToOutside(policies, w)]),
      );
      const [postgres, redis, rabbitmq] = [5432, 6379, 5672];
      const sorted = (...ports: number[]) => ports.sort((a, b) => a - b);
      expect(outbound).toEqual({
        'gateway Deployment': { ipPorts: sorted(redis, rabbitmq), namespaced: withCollector },
        'auth-service Deployment': {
          ipPorts: sorted(postgres, redis, rabbitmq, ...SMTP_PORTS),
          namespaced: withCollector,
        },
        'user-service Deployment': {
          ipPorts: sorted(postgres, redis, rabbitmq),
          namespaced: withCollector,
        },
        'audit-service Deployment': {
          ipPorts: sorted(postgres, redis, rabbitmq),
          namespaced: withCollector,
        },
        'auth-service migration Job': { ipPorts: [postgres], namespaced: dns },
        'user-service migration Job': { ipPorts: [postgres], namespaced: dns },
        'audit-service migration Job': { ipPorts: [postgres], namespaced: dns },
      });
    });
  });
});

// ---- broker identities: one RabbitMQ user per service (Messaging Topology Operator resources) ------

interface BrokerSpec {
  importCredentialsSecret?: { name: string };
  userReference?: { name: string };
  vhost?: string;
  permissions?: Record<string, string>;
  rabbitmqClusterReference?: { connectionSecret?: { name: string } };
}

const ADMIN = { connectionSecret: { name: 'rabbitmq-topology-admin' } };
const PRODUCER_TOPICS = new Map([
  ['gateway', '^gateway\\.'],
  // An admin's new account is created in auth-service, which so also writes user.created.
  ['auth-service', '^(auth\\.|user\\.created$)'],
  ['user-service', '^user\\.'],
]);
const AUDIT_PERMISSIONS = {
  configure: '^(security\\.events|security\\.events\\.dlx|audit\\..+)$',
  write: '^(security\\.events\\.dlx|audit\\..+)$',
  read: '^(security\\.events|security\\.events\\.dlx|audit\\..+)$',
};

const exampleSecret = (name: string) =>
  new Map(
    Object.entries(
      (ofKind(secretsExample, 'Secret').find((s) => s.metadata.name === name)?.stringData ??
        {}) as Record<string, string>,
    ),
  );
const amqpUserOf = (service: string) =>
  /^amqps?:\/\/([^:@/]+):/.exec(exampleSecret(`${service}-secrets`).get('AMQP_URL') ?? '')?.[1];

describe.each([...NAMESPACES.keys()])('broker identities in k8s/overlays/%s', (overlay) => {
  const objects = render(overlay);
  const specs = (kind: string) =>
    new Map(
      ofKind<K8sObject & { spec: BrokerSpec }>(objects, kind).map((o) => [o.metadata.name, o.spec]),
    );
  const users = specs('User');
  const permissions = specs('Permission');
  const topics = specs('TopicPermission');
  const provisioning = readFileSync(
    path.join(repoRoot, 'deploy/rabbitmq/provision-users.sh'),
    'utf8',
  );

  it.each(SERVICES)('%s has its own broker user, the one its AMQP_URL names', (service) => {
    expect(users.get(service)).toEqual({
      importCredentialsSecret: { name: `${service}-broker-user` },
      rabbitmqClusterReference: ADMIN,
    });
    const credentials = exampleSecret(`${service}-broker-user`);
    expect(credentials.get('username')).toBe(amqpUserOf(service));
    expect(credentials.get('password')).toMatch(/<[^>]+>/);
  });

  it.each([...PRODUCER_TOPICS])(
    'the %s producer writes only to security.events with routing keys %s, and configures and reads nothing',
    (service, routingKeys) => {
      expect(permissions.get(service)).toEqual({
        vhost: '/',
        userReference: { name: service },
        permissions: { configure: '^$', write: '^security\\.events$', read: '^$' },
        rabbitmqClusterReference: ADMIN,
      });
      expect(topics.get(service)).toEqual({
        vhost: '/',
        userReference: { name: service },
        permissions: { exchange: 'security.events', write: routingKeys, read: '^$' },
        rabbitmqClusterReference: ADMIN,
      });
    },
  );

  it('audit-service configures, reads and writes only its exchanges and audit.* queues', () => {
    expect(permissions.get('audit-service')).toEqual({
      vhost: '/',
      userReference: { name: 'audit-service' },
      permissions: AUDIT_PERMISSIONS,
      rabbitmqClusterReference: ADMIN,
    });
  });

  it('grants nothing else, and the same as the docker compose provisioning', () => {
    expect([...users.keys()].sort()).toEqual([...SERVICES].sort());
    expect([...permissions.keys()].sort()).toEqual([...SERVICES].sort());
    expect([...topics.keys()].sort()).toEqual([...PRODUCER_TOPICS.keys()].sort());
    for (const pattern of [...PRODUCER_TOPICS.values(), ...Object.values(AUDIT_PERMISSIONS)]) {
      expect(provisioning).toContain(`'${pattern}'`);
    }
    expect([...exampleSecret('rabbitmq-topology-admin').keys()].sort()).toEqual([
      'password',
      'uri',
      'username',
    ]);
  });

  it('lets audit-service store each source’s events only from that producer’s own user', () => {
    const audit = ofKind<Deployment>(objects, 'Deployment').find(
      (d) => d.metadata.name === 'audit-service',
    )!;
    const env = audit.spec.template.spec.containers[0]!.env ?? [];

    expect(env.find((e) => e.name === 'EVENT_PRODUCERS')?.value).toBe(
      [
        `${amqpUserOf('auth-service')}:auth-service`,
        `${amqpUserOf('user-service')}:user-service`,
        `${amqpUserOf('gateway')}:gateway`,
      ].join(','),
    );
  });
});

describe('the overlays differ where environments do', () => {
  const replicas = (overlay: string) => {
    const objects = render(overlay);
    const hpas = ofKind<HorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
    return Object.fromEntries(
      ofKind<Deployment>(objects, 'Deployment').map((d) => [
        d.metadata.name,
        d.spec.replicas ??
          hpas.find((h) => h.spec.scaleTargetRef.name === d.metadata.name)?.spec.minReplicas,
      ]),
    );
  };
  const resources = (overlay: string, name: string) => {
    const container = ofKind<Deployment>(render(overlay), 'Deployment').find(
      (d) => d.metadata.name === name,
    )!.spec.template.spec.containers[0]!;
    const requests = new Map(Object.entries(container.resources?.requests ?? {}));
    const limits = new Map(Object.entries(container.resources?.limits ?? {}));
    return {
      cpu: quantity(requests.get('cpu')!),
      memory: quantity(limits.get('memory')!),
    };
  };

  it('dev runs one replica of each service', () => {
    expect(replicas('dev')).toEqual({
      gateway: 1,
      'auth-service': 1,
      'user-service': 1,
      'audit-service': 1,
    });
  });

  it('prod runs at least three of each, with more CPU and memory than dev', () => {
    for (const [name, count] of Object.entries(replicas('prod'))) {
      expect({ name, count: Number(count) >= 3 }).toEqual({ name, count: true });
      const prod = resources('prod', name);
      const dev = resources('dev', name);
      expect(prod.cpu).toBeGreaterThan(dev.cpu);
      expect(prod.memory).toBeGreaterThan(dev.memory);
    }
  });

  it('prod pulls every image from a registry, pinned', () => {
    const images = workloadsOf(render('prod')).flatMap((w) =>
      containersOf(w.pod).map((c) => c.image!),
    );
    for (const image of images) {
      expect(image.split('/')[0]).toMatch(/[.:]/);
      expect(isPinnedImage(image)).toBe(true);
    }
  });
});

describe('k8s/base/secrets.example.yaml', () => {
  it('is listed in no kustomization, so it can never be applied with an overlay', () => {
    const kustomizations: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name === 'kustomization.yaml') kustomizations.push(full);
      }
    };
    walk(path.join(repoRoot, 'k8s'));
    expect(kustomizations.length).toBeGreaterThanOrEqual(3);
    // Every path a kustomization names (resources, patches, generators...), comments aside.
    const strings = (value: unknown): string[] =>
      typeof value === 'string'
        ? [value]
        : typeof value === 'object' && value !== null
          ? Object.values(value).flatMap(strings)
          : [];
    for (const file of kustomizations) {
      const named = parseYamlDocuments(readFileSync(file, 'utf8'), file).flatMap(strings);
      expect(named.filter((s) => s.includes('secrets.example'))).toEqual([]);
    }
  });

  it('holds placeholders only', () => {
    for (const secret of ofKind(secretsExample, 'Secret')) {
      expect(secret.data).toBeUndefined();
      // A broker user's name is no secret: the password beside it is.
      const values = Object.entries((secret.stringData ?? {}) as Record<string, string>)
        .filter(([key]) => !(secret.metadata.name.endsWith('-broker-user') && key === 'username'))
        .map(([, value]) => value);
      expect(values.length).toBeGreaterThan(0);
      for (const value of values) expect(value).toMatch(/<[^>]+>/);
    }
  });
});
