import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { parseAllDocuments } from 'yaml';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

// ---- the parts of the Kubernetes objects the assertions read ----------------------------------

export type Labels = Record<string, string>;

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type?: string };
}

export interface Probe {
  httpGet?: { path?: string; port?: number | string };
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string } } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  enableServiceLinks?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: { name: string; emptyDir?: Record<string, unknown> }[];
  topologySpreadConstraints?: { topologyKey: string; labelSelector?: LabelSelector }[];
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  [field: string]: unknown;
}

export interface Deployment extends K8sObject {
  spec: {
    replicas?: number;
    selector: LabelSelector;
    template: { metadata: { labels: Labels }; spec: PodSpec };
  };
}

export interface Job extends K8sObject {
  spec: { template: { metadata: { labels: Labels }; spec: PodSpec } };
}

export interface Service extends K8sObject {
  spec: {
    type?: string;
    selector?: Labels;
    ports?: { name?: string; port: number; targetPort?: number | string }[];
  };
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface NetworkPolicyPort {
  protocol?: string;
  port?: number | string;
}

export interface NetworkPolicyRule {
  from?: NetworkPolicyPeer[];
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicy extends K8sObject {
  spec: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: NetworkPolicyRule[];
    egress?: NetworkPolicyRule[];
  };
}

export interface IngressBackend {
  service?: { name: string; port: { name?: string; number?: number } };
}

export interface Ingress extends K8sObject {
  spec: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: { hosts?: string[]; secretName?: string }[];
    rules?: { host?: string; http?: { paths: { path?: string; backend: IngressBackend }[] } }[];
  };
}

export interface HorizontalPodAutoscaler extends K8sObject {
  spec: {
    scaleTargetRef: { kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: { type: string; resource?: { name: string } }[];
  };
}

export interface PodDisruptionBudget extends K8sObject {
  spec: {
    selector: LabelSelector;
    minAvailable?: number | string;
    maxUnavailable?: number | string;
  };
}

// ---- rendering --------------------------------------------------------------------------------

let kubectlChecked = false;

/**
 * `kubectl kustomize` (kustomize v4+ built in) renders an overlay exactly as `kubectl apply -k`
 * would. A missing or too old kubectl fails the run with one line: a skipped check is no check.
 */
function assertKubectl(): void {
  if (kubectlChecked) return;
  let version: string;
  try {
    version = execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  } catch {
    throw new Error(
      'kubectl is needed to render k8s/ (kubectl kustomize); install a kubectl of 1.21 or later.',
    );
  }
  const kustomize = /Kustomize Version: v(\d+)\./.exec(version);
  if (!kustomize || Number(kustomize[1]) < 4) {
    throw new Error(`kubectl's kustomize is too old for k8s/ (need v4 or later): ${version}`);
  }
  kubectlChecked = true;
}

export function renderKustomization(dir: string): K8sObject[] {
  assertKubectl();
  const output = execFileSync('kubectl', ['kustomize', path.join(repoRoot, dir)], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseYamlDocuments(output, dir);
}

export function parseYamlDocuments(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as K8sObject | null | undefined;
    return value === null || value === undefined ? [] : [value];
  });
}

export function ofKind<T extends K8sObject>(objects: K8sObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as T[];
}

// ---- label selectors and quantities ---------------------------------------------------------

/** Kubernetes label-selector semantics; an empty selector selects everything. */
export function selects(selector: LabelSelector, labels: Labels): boolean {
  const has = (key: string) => Object.hasOwn(labels, key);
  const value = (key: string) => new Map(Object.entries(labels)).get(key);
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => value(k) === v);
  const byExpression = (selector.matchExpressions ?? []).every(({ key, operator, values }) => {
    switch (operator) {
      case 'In':
        return has(key) && (values ?? []).includes(value(key)!);
      case 'NotIn':
        return !has(key) || !(values ?? []).includes(value(key)!);
      case 'Exists':
        return has(key);
      case 'DoesNotExist':
        return !has(key);
      default:
        throw new Error(`unknown selector operator ${operator}`);
    }
  });
  return byLabel && byExpression;
}

const BINARY = new Map([
  ['Ki', 2 ** 10],
  ['Mi', 2 ** 20],
  ['Gi', 2 ** 30],
]);

/** CPU in cores ("250m" = 0.25), memory in bytes ("256Mi"). */
export function quantity(value: string): number {
  const match = /^([0-9.]+)([A-Za-z]*)$/.exec(value);
  const amount = Number(match?.[1]);
  const unit = match?.[2] ?? '?';
  if (Number.isNaN(amount) || !['', 'm', ...BINARY.keys()].includes(unit)) {
    throw new Error(`unsupported quantity ${value}`);
  }
  if (unit === '') return amount;
  if (unit === 'm') return amount / 1000;
  return amount * BINARY.get(unit)!;
}

/** `repo/name:tag` or `@sha256:` — never a missing tag, never `latest`. */
export function isPinnedImage(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon < 0) return false;
  const tag = lastSegment.slice(colon + 1);
  return tag.length > 0 && tag !== 'latest';
}
