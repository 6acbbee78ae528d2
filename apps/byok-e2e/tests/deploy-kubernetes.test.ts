import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { z } from 'zod';

import {
  environmentProblems,
  NATS_CONFIG_FILE,
  natsUsers,
  schemaOf,
  SERVICES,
  type ContainerEnvironment,
} from '../support/deploy/environment-check';
import {
  K8S_DIRECTORY,
  type K8sObject,
  overlayDirectory,
  readYamlDocuments,
  renderKustomization,
} from '../support/deploy/kustomize-renderer';
import {
  allContainers,
  type Container,
  named,
  ofKind,
  podLabelsOf,
  podSpecOf,
  selects,
  serviceOfImage,
  workloads,
} from '../support/deploy/manifest-queries';
import { schemaProblems } from '../support/deploy/schema-validation';

type Json = Record<string, unknown>;

const OVERLAYS = { dev: 'liya-byok-dev', prod: 'liya-byok' } as const;

const rendered = Object.fromEntries(
  Object.keys(OVERLAYS).map((overlay) => [overlay, renderKustomization(overlayDirectory(overlay))]),
) as Record<keyof typeof OVERLAYS, K8sObject[]>;

function environmentOf(where: string, container: Container): ContainerEnvironment {
  const literals: Record<string, string> = {};
  const injected: string[] = [];

  for (const variable of container.env ?? []) {
    if (variable.valueFrom) injected.push(variable.name);
    else literals[variable.name] = String(variable.value ?? '');
  }

  return { where, literals, injected };
}

describe.each(Object.entries(OVERLAYS))('the %s overlay', (overlay, namespace) => {
  const objects = rendered[overlay as keyof typeof OVERLAYS];
  const deployments = ofKind(objects, 'Deployment');
  const serviceDeployments = deployments.filter((d) => SERVICES.includes(d.metadata.name as never));

  it('renders the five services, NATS and the migration Job into its namespace', () => {
    expect(serviceDeployments.map((d) => d.metadata.name).sort()).toEqual([...SERVICES].sort());
    expect(named(objects, 'StatefulSet', 'nats')).toBeDefined();
    expect(named(objects, 'Job', 'db-migrations')).toBeDefined();
    expect(objects.filter((object) => object.metadata.namespace !== namespace)).toEqual([]);
  });

  it('validates every object against the Kubernetes schemas', () => {
    expect(schemaProblems(objects)).toEqual([]);
  });

  it('gives every long-running container startup, liveness and readiness probes', () => {
    for (const workload of [...deployments, ...ofKind(objects, 'StatefulSet')]) {
      for (const container of podSpecOf(workload).containers) {
        const portNames = (container.ports ?? []).map((port) => port.name);

        for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
          const httpGet = (container[probe] as Json | undefined)?.httpGet as Json | undefined;

          expect({
            container: container.name,
            probe,
            named: portNames.includes(httpGet?.port as string | undefined),
          }).toEqual({ container: container.name, probe, named: true });
        }
        expect((container.readinessProbe?.httpGet as Json).path).toMatch(/readyz|js-enabled/);
      }
    }
  });

  it('sets CPU and memory requests and limits on every container', () => {
    for (const workload of workloads(objects)) {
      for (const container of allContainers(workload)) {
        const { requests, limits } = container.resources ?? {};

        expect({ container: container.name, requests, limits }).toEqual({
          container: container.name,
          requests: { cpu: expect.anything(), memory: expect.anything() },
          limits: { cpu: expect.anything(), memory: expect.anything() },
        });
      }
    }
  });

  it('runs every pod restricted: non-root, read-only root, no escalation, no capabilities', () => {
    for (const workload of workloads(objects)) {
      const spec = podSpecOf(workload);

      expect({ workload: workload.metadata.name, pod: spec.securityContext }).toMatchObject({
        pod: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      });
      expect(spec.automountServiceAccountToken).toBe(false);
      expect([spec.hostNetwork, spec.hostPID, spec.hostIPC]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      expect((spec.volumes ?? []).filter((volume) => 'hostPath' in volume)).toEqual([]);

      for (const container of allContainers(workload)) {
        expect({ container: container.name, ...container.securityContext }).toMatchObject({
          container: container.name,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.securityContext?.privileged).not.toBe(true);
      }
    }
  });

  it('mounts the master key into crypto-service and into nothing else', () => {
    const holders = workloads(objects).filter((workload) => {
      const volumes = podSpecOf(workload).volumes ?? [];
      const mounted = volumes.some((volume) => volume.secret?.secretName === 'master-key');
      const referenced = JSON.stringify(allContainers(workload)).includes('"master-key"');
      const named = allContainers(workload).some((container) =>
        (container.env ?? []).some((variable) => variable.name.startsWith('MASTER_KEY')),
      );

      return mounted || referenced || named;
    });

    expect(holders.map((workload) => workload.metadata.name)).toEqual(['crypto-service']);
    const crypto = podSpecOf(named(objects, 'Deployment', 'crypto-service'));

    expect(crypto.containers[0]?.volumeMounts).toContainEqual(
      expect.objectContaining({ name: 'master-key', mountPath: '/etc/liya/master-key' }),
    );
  });

  it('denies all traffic by default and gives every workload a NetworkPolicy of its own', () => {
    const policies = ofKind(objects, 'NetworkPolicy');
    const denyAll = named(objects, 'NetworkPolicy', 'default-deny-all');

    expect(denyAll.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    for (const workload of workloads(objects)) {
      const own = policies.filter(
        (policy) =>
          policy !== denyAll &&
          selects((policy.spec as Json).podSelector as Json, podLabelsOf(workload)),
      );

      expect({ workload: workload.metadata.name, policies: own.length }).toEqual({
        workload: workload.metadata.name,
        policies: 1,
      });
    }
  });

  it('lets crypto-service reach NATS (and name resolution) only, and be reached by nothing', () => {
    const policy = named(objects, 'NetworkPolicy', 'crypto-service').spec as Json;
    const natsPod = { 'app.kubernetes.io/name': 'nats' };

    expect(policy.ingress).toEqual([
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
        ],
        ports: [{ protocol: 'TCP', port: 9102 }],
      },
    ]);
    expect(policy.egress).toEqual([
      { to: [{ podSelector: { matchLabels: natsPod } }], ports: [{ protocol: 'TCP', port: 4222 }] },
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ]);
    const opsPort = podSpecOf(named(objects, 'Deployment', 'crypto-service')).containers[0]
      ?.ports?.[0]?.containerPort;

    expect(opsPort).toBe(9102);
  });

  it('autoscales the gateway and the router, leaving their replica count to it', () => {
    const autoscalers = ofKind(objects, 'HorizontalPodAutoscaler');

    expect(autoscalers.map((hpa) => hpa.metadata.name).sort()).toEqual([
      'gateway',
      'inference-router',
    ]);
    for (const hpa of autoscalers) {
      const target = (hpa.spec as Json).scaleTargetRef as Json;
      const deployment = named(objects, 'Deployment', String(target.name));

      expect(target.kind).toBe('Deployment');
      expect((deployment.spec as Json).replicas).toBeUndefined();
    }
  });

  it('protects every service with a PodDisruptionBudget selecting its pods', () => {
    for (const deployment of serviceDeployments) {
      const budget = named(objects, 'PodDisruptionBudget', deployment.metadata.name);

      expect(selects((budget.spec as Json).selector as Json, podLabelsOf(deployment))).toBe(true);
    }
  });

  it('gives each service known variables, every required one, and secrets by reference', () => {
    const users = natsUsers();

    for (const workload of [...serviceDeployments, named(objects, 'Job', 'db-migrations')]) {
      for (const container of allContainers(workload)) {
        const service = serviceOfImage(container.image);
        if (!service) throw new Error(`${container.name} runs an image of no service`);

        const env = environmentOf(`${workload.metadata.name}/${container.name}`, container);

        expect(environmentProblems(schemaOf(service), env)).toEqual([]);
        if (env.literals.NATS_USER) expect(users.has(env.literals.NATS_USER)).toBe(true);
      }
    }
  });

  it('applies both services’ migrations in the Job, each from its own image', () => {
    const job = named(objects, 'Job', 'db-migrations');

    expect(
      allContainers(job).map((container) => [serviceOfImage(container.image), container.args]),
    ).toEqual([
      ['config-service', ['apps/config-service/dist/migrate.js']],
      ['audit-service', ['apps/audit-service/dist/migrate.js']],
    ]);
  });

  it('pins every image to a tag', () => {
    for (const workload of workloads(objects)) {
      for (const container of allContainers(workload)) {
        expect(container.image).toMatch(/:[\w.-]+$/);
        expect(container.image).not.toMatch(/:latest$/);
      }
    }
  });
});

describe('what differs between the overlays', () => {
  it('runs NATS with the per-service users of nats.conf, from a ConfigMap in development', () => {
    const config = ofKind(rendered.dev, 'ConfigMap').find((map) =>
      map.metadata.name.startsWith('nats-config-'),
    );
    const volume = podSpecOf(named(rendered.dev, 'StatefulSet', 'nats')).volumes?.find(
      (candidate) => candidate.name === 'config',
    );

    expect((config?.data as Json)['nats.conf']).toBe(readFileSync(NATS_CONFIG_FILE, 'utf8'));
    expect(volume?.configMap).toEqual({ name: config?.metadata.name });
  });

  it('gives development the NATS passwords of nats.conf, by a generated Secret', () => {
    const secret = ofKind(rendered.dev, 'Secret').find((candidate) =>
      candidate.metadata.name.startsWith('nats-credentials-'),
    );
    const passwords = Object.fromEntries(
      Object.entries(secret?.data as Record<string, string>).map(([user, encoded]) => [
        user,
        Buffer.from(encoded, 'base64').toString('utf8'),
      ]),
    );
    const users = natsUsers();

    for (const service of SERVICES) expect(passwords[service]).toBe(users.get(service));
    const gateway = podSpecOf(named(rendered.dev, 'Deployment', 'gateway')).containers[0];

    expect(JSON.stringify(gateway?.env)).toContain(`"name":"${secret?.metadata.name}"`);
  });

  it('keeps the development NATS passwords out of production', () => {
    const volume = podSpecOf(named(rendered.prod, 'StatefulSet', 'nats')).volumes?.find(
      (candidate) => candidate.name === 'config',
    );

    expect(volume).toEqual({
      name: 'config',
      secret: { secretName: 'nats-config', defaultMode: 0o400 },
    });
    expect(JSON.stringify(rendered.prod)).not.toContain('dev-crypto-service-nats');
  });

  it('serves TLS at the production gateway and verifies dashboard tokens with a public key', () => {
    const gateway = podSpecOf(named(rendered.prod, 'Deployment', 'gateway')).containers[0]!;
    const env = Object.fromEntries((gateway.env ?? []).map((v) => [v.name, v.value]));

    expect(env).toMatchObject({
      TLS_CERT_FILE: '/etc/liya/tls/tls.crt',
      TLS_KEY_FILE: '/etc/liya/tls/tls.key',
      DASHBOARD_JWT_ALGORITHM: 'RS256',
    });
    expect(env).not.toHaveProperty('DASHBOARD_JWT_SECRET');
    expect((gateway.readinessProbe?.httpGet as Json).scheme).toBe('HTTPS');
  });
});

describe('the manifest files', () => {
  function yamlFiles(directory: string, prefix = ''): string[] {
    return readdirSync(join(directory, prefix), { withFileTypes: true }).flatMap((entry) => {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;

      if (entry.isDirectory()) return yamlFiles(directory, path);

      return path.endsWith('.yaml') && entry.name !== 'kustomization.yaml' ? [path] : [];
    });
  }

  function kustomizationOf(directory: string): { resources?: string[]; patches?: Json[] } {
    return readYamlDocuments(join(directory, 'kustomization.yaml'))[0] ?? {};
  }

  it('are all part of the base or of an overlay: none is left out by mistake', () => {
    const base = join(K8S_DIRECTORY, 'base');

    expect(yamlFiles(base).sort()).toEqual([...(kustomizationOf(base).resources ?? [])].sort());
    for (const overlay of Object.keys(OVERLAYS)) {
      const directory = overlayDirectory(overlay);
      const patches = (kustomizationOf(directory).patches ?? []).map((patch) => patch.path);

      expect(yamlFiles(directory).sort()).toEqual([...patches].sort());
    }
  });
});

describe('the deployment checks themselves', () => {
  it('catch an object the Kubernetes schemas refuse', () => {
    const broken = structuredClone(named(rendered.prod, 'Deployment', 'gateway'));
    const container = podSpecOf(broken).containers[0]!;

    container.resources = { limits: { cpu: 'two cores' } };

    expect(schemaProblems([broken])).toEqual([
      expect.stringContaining('Deployment/gateway: data/spec/template/spec/containers/0'),
    ]);
  });

  it('catch a variable added to a schema and forgotten in a manifest, and an unknown one', () => {
    const schema = z.object({ ...schemaOf('crypto-service').shape, NEW_SETTING: z.string() });
    const env: ContainerEnvironment = {
      where: 'crypto-service',
      literals: { NATS_URL: 'nats://nats:4222', MASTER_KEY_FILE: '/k', UNKNOWN_SETTING: '1' },
      injected: ['NATS_PASSWORD'],
    };

    expect(environmentProblems(schema, env)).toEqual([
      'crypto-service: UNKNOWN_SETTING is not a variable of the service',
      'crypto-service: NEW_SETTING is required but not set',
      'crypto-service: the schema refuses NEW_SETTING',
    ]);
  });

  it('catch a secret written in clear', () => {
    const env: ContainerEnvironment = {
      where: 'gateway',
      literals: { DASHBOARD_JWT_SECRET: 'x'.repeat(40) },
      injected: [],
    };

    expect(environmentProblems(schemaOf('gateway'), env)).toEqual([
      'gateway: secret DASHBOARD_JWT_SECRET is written in the manifest',
    ]);
  });
});
