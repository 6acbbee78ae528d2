import type { K8sObject } from './kustomize-renderer';

type Json = Record<string, unknown>;

export interface Container {
  name: string;
  image: string;
  env?: Array<{ name: string; value?: string; valueFrom?: Json }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: Json & { capabilities?: { drop?: string[] } };
  livenessProbe?: Json;
  readinessProbe?: Json;
  startupProbe?: Json;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  args?: string[];
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Array<Json & { name: string; secret?: { secretName: string } }>;
  securityContext?: Json;
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'Job'];

export function workloads(objects: K8sObject[]): K8sObject[] {
  return objects.filter((object) => WORKLOAD_KINDS.includes(object.kind));
}

export function podSpecOf(workload: K8sObject): PodSpec {
  return ((workload.spec as Json).template as Json).spec as PodSpec;
}

export function podLabelsOf(workload: K8sObject): Record<string, string> {
  return (((workload.spec as Json).template as Json).metadata as Json).labels as Record<
    string,
    string
  >;
}

export function allContainers(workload: K8sObject): Container[] {
  const spec = podSpecOf(workload);

  return [...(spec.initContainers ?? []), ...spec.containers];
}

export function ofKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((object) => object.kind === kind);
}

export function named(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} named ${name}`);

  return found;
}

export function selects(selector: Json | undefined, labels: Record<string, string>): boolean {
  const matchLabels = (selector?.matchLabels ?? {}) as Record<string, string>;

  return Object.entries(matchLabels).every(([key, value]) => labels[key] === value);
}

/** The service an image belongs to (`liya/byok-<service>:<tag>`), or undefined for others. */
export function serviceOfImage(image: string): string | undefined {
  return /^(?:.*\/)?byok-([a-z-]+):/.exec(image)?.[1];
}
