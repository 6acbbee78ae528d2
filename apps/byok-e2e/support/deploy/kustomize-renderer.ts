import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { parseAllDocuments } from 'yaml';

import { strategicMerge } from './strategic-merge';

/** One Kubernetes object as rendered: plain JSON. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> } & Record<
    string,
    unknown
  >;
} & Record<string, unknown>;

type Json = Record<string, unknown>;

interface Kustomization {
  resources?: string[];
  namespace?: string;
  labels?: Array<{ pairs: Record<string, string>; includeTemplates?: boolean }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  replicas?: Array<{ name: string; count: number }>;
  patches?: Array<{ path: string }>;
  configMapGenerator?: Generator[];
  secretGenerator?: Generator[];
  generatorOptions?: { disableNameSuffixHash?: boolean };
}

interface Generator {
  name: string;
  files?: string[];
  literals?: string[];
}

// The fields this renderer understands; a kustomization using any other fails loudly rather
// than rendering something kustomize would not.
const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'labels',
  'images',
  'replicas',
  'patches',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
]);

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'Job', 'DaemonSet']);

// Kubernetes reads manifests as YAML 1.1 (so `defaultMode: 0400` is octal); so does this.
export function readYamlDocuments(file: string): Json[] {
  return parseAllDocuments(readFileSync(file, 'utf8'), { version: '1.1' })
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`);

      return document.toJSON() as Json | null;
    })
    .filter((value): value is Json => value !== null);
}

// Known gap: kustomize derives the suffix with its own hash; names match its shape, not its value.
function hashSuffix(object: Json): string {
  const content = JSON.stringify({ kind: object.kind, data: object.data ?? {} });

  return createHash('sha256').update(content).digest('hex').slice(0, 10);
}

function generate(directory: string, kind: 'ConfigMap' | 'Secret', generator: Generator): Json {
  const data: Record<string, string> = {};

  for (const entry of generator.files ?? []) {
    const [key, path] = entry.includes('=') ? entry.split('=', 2) : [entry.split('/').pop(), entry];

    data[key as string] = readFileSync(join(directory, path as string), 'utf8');
  }
  for (const literal of generator.literals ?? []) {
    const separator = literal.indexOf('=');

    data[literal.slice(0, separator)] = literal.slice(separator + 1);
  }

  const encoded =
    kind === 'Secret'
      ? Object.fromEntries(
          Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
        )
      : data;

  return {
    apiVersion: 'v1',
    kind,
    metadata: { name: generator.name },
    ...(kind === 'Secret' ? { type: 'Opaque' } : {}),
    data: encoded,
  };
}

function podSpecOf(object: Json): Json | undefined {
  if (!WORKLOADS.has(String(object.kind))) return undefined;

  return ((object.spec as Json)?.template as Json)?.spec as Json | undefined;
}

function containersOf(object: Json): Json[] {
  const spec = podSpecOf(object);

  return [...((spec?.initContainers as Json[]) ?? []), ...((spec?.containers as Json[]) ?? [])];
}

// Generated names carry a content hash; every reference from a pod template follows the rename.
function renameReferences(object: Json, renames: Map<string, string>): void {
  const rename = (kind: string, holder: Json | undefined, field: string) => {
    const name = holder?.[field];
    const renamed = typeof name === 'string' ? renames.get(`${kind}/${name}`) : undefined;
    if (renamed && holder) holder[field] = renamed;
  };
  const spec = podSpecOf(object);

  for (const volume of (spec?.volumes as Json[]) ?? []) {
    rename('ConfigMap', volume.configMap as Json, 'name');
    rename('Secret', volume.secret as Json, 'secretName');
  }
  for (const container of containersOf(object)) {
    for (const variable of (container.env as Json[]) ?? []) {
      const from = variable.valueFrom as Json | undefined;

      rename('ConfigMap', from?.configMapKeyRef as Json, 'name');
      rename('Secret', from?.secretKeyRef as Json, 'name');
    }
    for (const source of (container.envFrom as Json[]) ?? []) {
      rename('ConfigMap', source.configMapRef as Json, 'name');
      rename('Secret', source.secretRef as Json, 'name');
    }
  }
}

function applyLabels(object: Json, labels: Kustomization['labels']): void {
  for (const { pairs, includeTemplates } of labels ?? []) {
    const metadata = object.metadata as Json;

    metadata.labels = { ...(metadata.labels as Json), ...pairs };

    const template = (object.spec as Json | undefined)?.template as Json | undefined;
    if (includeTemplates && WORKLOADS.has(String(object.kind)) && template) {
      const templateMetadata = (template.metadata ??= {}) as Json;

      templateMetadata.labels = { ...(templateMetadata.labels as Json), ...pairs };
    }
  }
}

function applyImages(object: Json, images: Kustomization['images']): void {
  for (const container of containersOf(object)) {
    const image = String(container.image);
    const [name] = image.split(':');
    const rule = images?.find((candidate) => candidate.name === name);
    if (!rule) continue;

    const tag = rule.newTag ?? image.split(':')[1] ?? 'latest';

    container.image = `${rule.newName ?? name}:${tag}`;
  }
}

/**
 * Renders a kustomization directory the way `kustomize build` does, for the subset of features
 * the manifests of this repository use (resources, generators with hash suffixes, strategic
 * merge patches, namespace, labels, images, replicas). Anything else is refused.
 */
export function renderKustomization(directory: string): K8sObject[] {
  return renderLevel(directory).objects as K8sObject[];
}

function renderLevel(directory: string): { objects: Json[]; renames: Map<string, string> } {
  const file = join(directory, 'kustomization.yaml');
  const [kustomization] = readYamlDocuments(file) as Kustomization[];
  if (!kustomization) throw new Error(`${file} is empty`);

  const unsupported = Object.keys(kustomization).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) throw new Error(`${file}: unsupported ${unsupported.join(', ')}`);

  let objects: Json[] = [];
  const renames = new Map<string, string>();
  for (const resource of kustomization.resources ?? []) {
    const path = join(directory, resource);
    if (!existsSync(path)) throw new Error(`${file}: ${resource} does not exist`);

    if (statSync(path).isDirectory()) {
      const base = renderLevel(path);

      objects.push(...base.objects);
      for (const [original, hashed] of base.renames) renames.set(original, hashed);
    } else {
      objects.push(...readYamlDocuments(path));
    }
  }

  const generated = [
    ...(kustomization.configMapGenerator ?? []).map((g) => generate(directory, 'ConfigMap', g)),
    ...(kustomization.secretGenerator ?? []).map((g) => generate(directory, 'Secret', g)),
  ];
  for (const object of generated) {
    const metadata = object.metadata as Json;
    if (!kustomization.generatorOptions?.disableNameSuffixHash) {
      const hashed = `${String(metadata.name)}-${hashSuffix(object)}`;

      renames.set(`${String(object.kind)}/${String(metadata.name)}`, hashed);
      metadata.name = hashed;
    }
    objects.push(object);
  }

  for (const patchEntry of kustomization.patches ?? []) {
    for (const patch of readYamlDocuments(join(directory, patchEntry.path))) {
      const patchName = (patch.metadata as Json).name;
      const matches = (object: Json) => {
        const name = String((object.metadata as Json).name);
        const original = [...renames.entries()].find(([, hashed]) => hashed === name)?.[0];

        return (
          object.kind === patch.kind &&
          (name === patchName || original === `${String(object.kind)}/${String(patchName)}`)
        );
      };
      if (!objects.some(matches)) {
        throw new Error(`${patchEntry.path}: no ${String(patch.kind)} named ${String(patchName)}`);
      }

      objects =
        patch.$patch === 'delete'
          ? objects.filter((object) => !matches(object))
          : objects.map((object) =>
              matches(object) ? (strategicMerge(object, patch) as Json) : object,
            );
    }
  }

  for (const object of objects) {
    if (kustomization.namespace) (object.metadata as Json).namespace = kustomization.namespace;
    applyLabels(object, kustomization.labels);
    applyImages(object, kustomization.images);
    renameReferences(object, renames);

    const replicas = kustomization.replicas?.find(
      (rule) => rule.name === (object.metadata as Json).name,
    );
    if (replicas && WORKLOADS.has(String(object.kind)))
      (object.spec as Json).replicas = replicas.count;
  }

  return { objects, renames };
}

export const K8S_DIRECTORY = join(__dirname, '..', '..', '..', '..', 'k8s');

export function overlayDirectory(overlay: string): string {
  return join(K8S_DIRECTORY, 'overlays', overlay);
}
