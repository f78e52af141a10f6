/**
 * Pure: the stack as Kubernetes manifests. Each service is a Deployment and a ClusterIP Service of
 * its name (so the injected URLs `http://auth-service:3002` resolve in the cluster); a task is a
 * Job. Non-secret variables go to a ConfigMap per service, secrets to a Secret per service (written
 * to a file of their own); readiness probes come from the devstack probes (httpGet, tcpSocket,
 * exec); dependencies become init containers that wait until each dependency's port answers;
 * databases keep their data in a PersistentVolumeClaim. The code reaches a service's pod as a
 * hostPath volume of the repository (a single-node development cluster: kind, minikube, Docker
 * Desktop); for a shared cluster, bake it into an image (`--node-image`).
 */
import type { ResolvedService } from '../config/resolved.js';
import {
  addVariables,
  databaseImageOf,
  hostsOf,
  insidePort,
  nodeCheckScript,
  readinessOf,
  repoServiceOf,
  type ExportInput,
  type Readiness,
} from './stack-model.js';

export interface K8sInput extends ExportInput {
  /** The repository's absolute path on the node, for the hostPath volume. */
  readonly repoPath: string;
}

export interface K8sExport {
  /** Deployments, Services, Jobs, ConfigMaps, PersistentVolumeClaims. */
  readonly manifests: readonly Record<string, unknown>[];
  /** The Secrets, kept apart (a file of their own, not to be committed). */
  readonly secrets: readonly Record<string, unknown>[];
  readonly notes: readonly string[];
}

/** Kubernetes names: lower case letters, digits and `-`. */
const k8sName = (name: string): string => name.toLowerCase().replace(/[^a-z0-9-]/g, '-');

function probeOf(readiness: Readiness): Record<string, unknown> {
  const { check } = readiness;
  const action =
    check.kind === 'http' && check.ok.every((range) => range.min >= 200 && range.max <= 399)
      ? { httpGet: { path: check.path, port: check.port } }
      : check.kind === 'tcp'
        ? { tcpSocket: { port: check.port } }
        : check.kind === 'http'
          ? { exec: { command: ['node', '-e', nodeCheckScript(check)] } } // statuses outside 200–399 (a 401 accepted)
          : check.kind === 'shell'
            ? { exec: { command: ['sh', '-c', check.script] } }
            : { exec: { command: [...check.argv] } };
  return {
    ...action,
    periodSeconds: Math.max(1, Math.round(readiness.intervalMs / 1000)),
    timeoutSeconds: Math.max(1, Math.round(readiness.timeoutMs / 1000)),
    initialDelaySeconds: Math.round(readiness.startPeriodMs / 1000),
    failureThreshold: readiness.retries,
  };
}

export function k8sOf(input: K8sInput): K8sExport {
  const { config } = input;
  const notes: string[] = [];
  const manifests: Record<string, unknown>[] = [];
  const secrets: Record<string, unknown>[] = [];
  const hosts = hostsOf(config.services, input.ports);
  const watched: string[] = [];

  for (const service of config.services) {
    const name = k8sName(service.name);
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'devstack' };
    const ports = input.ports.get(service.name) ?? new Map<string, number>();
    const inside = [...ports].map(([portName, port]) => ({
      name: k8sName(portName).slice(0, 15),
      port: insidePort(service, portName, port),
    }));
    const served = inside.filter((_entry, index) => service.ports[index]?.container !== 0);
    const environment: Record<string, string> = {};
    const secret: Record<string, string> = {};
    const volumes: Record<string, unknown>[] = [];
    const mounts: Record<string, unknown>[] = [];
    let image = input.nodeImage;
    let command: string[] | undefined;
    let workingDir: string | undefined;

    if (service.database !== undefined) {
      const database = databaseImageOf(service, ports);
      image = database.image;
      Object.assign(environment, database.environment);
      Object.assign(secret, database.secret);
      if (database.command.length > 0) command = [...database.command];
      manifests.push({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: `${name}-data`, labels },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      });
      volumes.push({ name: 'data', persistentVolumeClaim: { claimName: `${name}-data` } });
      mounts.push({ name: 'data', mountPath: database.dataPath });
      if (service.database.init !== undefined)
        notes.push(`${service.name}: its init scripts are not part of the manifests (mount them at /docker-entrypoint-initdb.d)`);
    } else if (service.container !== undefined) {
      image = service.container.image;
      if (service.container.command !== undefined) command = [...service.container.command];
      addVariables({ environment, secret }, service.env, hosts);
      if (service.container.volumes.length > 0) notes.push(`${service.name}: its volumes are emptyDir in the manifests`);
      for (const volume of service.container.volumes) {
        volumes.push({ name: k8sName(volume.name), emptyDir: {} });
        mounts.push({ name: k8sName(volume.name), mountPath: volume.path });
      }
    } else {
      ({ workingDir, command } = repoServiceOf(service, config.root));
      volumes.push({ name: 'repo', hostPath: { path: input.repoPath, type: 'Directory' } });
      mounts.push({ name: 'repo', mountPath: '/app' });
      environment['HOST'] = '0.0.0.0';
      addVariables({ environment, secret }, input.envOf(service), hosts);
      if (service.watch !== undefined) watched.push(service.name);
    }

    const envFrom: Record<string, unknown>[] = [];
    if (Object.keys(environment).length > 0) {
      manifests.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-env`, labels }, data: sortedRecord(environment) });
      envFrom.push({ configMapRef: { name: `${name}-env` } });
    }
    if (Object.keys(secret).length > 0) {
      secrets.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `${name}-secrets`, labels },
        type: 'Opaque',
        stringData: sortedRecord(secret),
      });
      envFrom.push({ secretRef: { name: `${name}-secrets` } });
    }
    const readiness = readinessOf(service, served[0]?.port, notes, 'Kubernetes');
    const container: Record<string, unknown> = {
      name,
      image,
      ...(command === undefined ? {} : { command }),
      ...(workingDir === undefined ? {} : { workingDir }),
      ...(envFrom.length > 0 ? { envFrom } : {}),
      ...(served.length > 0 ? { ports: served.map((entry) => ({ name: entry.name, containerPort: entry.port })) } : {}),
      ...(readiness === undefined ? {} : { readinessProbe: probeOf(readiness) }),
      ...(mounts.length > 0 ? { volumeMounts: mounts } : {}),
    };
    // Kubernetes starts every pod at once: each waits in an init container until its dependencies answer.
    const initContainers = service.dependsOn.flatMap((dependency) => {
      const target = config.services.find((candidate) => candidate.name === dependency)!;
      const port = insidePortOf(target, input.ports);
      if (target.type === 'task') {
        notes.push(
          `${service.name}: waits for the task ${dependency} only through its own retries (Kubernetes has no "after this Job" for a Deployment)`,
        );
        return [];
      }
      if (port === undefined) return [];
      const host = k8sName(dependency);
      const script = `const c=()=>{const s=require('net').connect(${port},'${host}');s.on('connect',()=>s.destroy());s.on('error',()=>setTimeout(c,1000))};c()`;
      return [{ name: `wait-for-${host}`.slice(0, 63), image: input.nodeImage, command: ['node', '-e', script] }];
    });
    const podSpec: Record<string, unknown> = {
      ...(initContainers.length > 0 ? { initContainers } : {}),
      containers: [container],
      ...(volumes.length > 0 ? { volumes } : {}),
      terminationGracePeriodSeconds: Math.max(1, Math.round(service.stopTimeoutMs / 1000)),
    };
    if (service.type === 'task') {
      manifests.push({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name, labels },
        spec: { backoffLimit: 0, template: { metadata: { labels }, spec: { ...podSpec, restartPolicy: 'Never' } } },
      });
      continue;
    }
    manifests.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': name } },
        strategy: service.database !== undefined ? { type: 'Recreate' } : { type: 'RollingUpdate' },
        template: { metadata: { labels }, spec: podSpec },
      },
    });
    if (served.length > 0) {
      manifests.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, labels },
        spec: {
          selector: { 'app.kubernetes.io/name': name },
          ports: served.map((entry) => ({ name: entry.name, port: entry.port, targetPort: entry.port })),
        },
      });
    }
  }
  if (watched.length > 0) notes.push(`hot restart (watch) is not exported (${watched.join(', ')})`);
  return { manifests, secrets, notes };
}

function insidePortOf(service: ResolvedService, ports: ReadonlyMap<string, ReadonlyMap<string, number>>): number | undefined {
  const planned = ports.get(service.name);
  const first = planned === undefined ? undefined : [...planned][0];
  return first === undefined ? undefined : insidePort(service, first[0], first[1]);
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
