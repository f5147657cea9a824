import { median, medianAbsoluteDeviation } from 'simple-statistics';
import type { ClusterHealth } from '../clusters/clusters.health.ts';
import type { NodeStatus, StatusCause } from '../liveness/liveness.types.ts';
import type { Target } from '../targets/targets.types.ts';
import type { AlertCondition, Observation, StatMetric } from './alerts.types.ts';

/** A node as conditions see it. */
export interface NodeInfo {
  id: string;
  name: string;
  role: 'MANAGER' | 'WORKER';
  clusterId: string;
  clusterName: string;
  status: NodeStatus;
  statusCause: StatusCause;
}

type StatColumn = 'cpuPercent' | 'memoryBytes' | 'diskPercent' | 'load1';

/** What alert conditions read from the other modules (wired in services.ts). */
export interface AlertSources {
  members(target: Target): Promise<NodeInfo[]>;
  withStatus(target: Target, statuses: readonly NodeStatus[]): Promise<NodeInfo[]>;
  /** The health of the given clusters, or of every cluster (null). */
  clusterHealth(clusterIds: readonly string[] | null): Promise<{ id: string; name: string; health: ClusterHealth; managerNodeId: string | null }[]>;
  averagesAbove(nodeIds: readonly string[] | null, metric: StatColumn, since: Date, above: number): Promise<{ nodeId: string; average: number }[]>;
  seriesOf(nodeIds: readonly string[] | null, metric: StatColumn, since: Date): Promise<{ nodeId: string; value: number }[]>;
  failedOperations(since: Date): Promise<{ id: string; kind: string; state: string; description: string; clusterIds: string[] }[]>;
  missedRuns(since: Date): Promise<{ id: string; name: string; scheduledFor: Date }[]>;
  /** Nodes a self-healing policy stopped healing (of one policy, or of all). */
  remediationHolds(
    policy: string | null,
  ): Promise<{ nodeId: string; nodeName: string; clusterId: string; clusterName: string; policyName: string; reason: string }[]>;
  /** How many of each node's files differ from what its baselines want (0 for a node no baseline covers). */
  filesOutOfSync(nodeIds: readonly string[]): Promise<number[]>;
  /** Each node's availability (planned maintenance not counted against it) over the window since `since`, or null where nothing was measured. */
  availabilityOf(target: Target, since: Date): Promise<{ nodeId: string; percent: number | null }[]>;
  /** The operation that holds each node in MAINTENANCE, by node id. */
  maintenanceOperations(nodeIds: readonly string[]): Promise<Map<string, string | null>>;
}

/**
 * The sources as one evaluation pass sees them: drift, the costliest read (each node's desired
 * state worked out), is read once per node per pass however many drift rules cover the node.
 */
export function sourcesForPass(sources: AlertSources): AlertSources {
  const outOfSync = new Map<string, number>();
  return {
    ...sources,
    async filesOutOfSync(nodeIds) {
      const unread = nodeIds.filter((id) => !outOfSync.has(id));
      if (unread.length > 0) {
        const counts = await sources.filesOutOfSync(unread);
        unread.forEach((id, index) => {
          outOfSync.set(id, counts[index]);
        });
      }
      return nodeIds.map((id) => outOfSync.get(id) ?? 0);
    },
  };
}

const COLUMN: Record<StatMetric, StatColumn> = { CPU: 'cpuPercent', MEMORY: 'memoryBytes', DISK: 'diskPercent', LOAD: 'load1' };
const UNIT: Record<StatMetric, string> = { CPU: '%', MEMORY: ' bytes', DISK: '%', LOAD: '' };
/** Below this many minutes of history a node has no behaviour of its own to compare with. */
export const ANOMALY_MIN_POINTS = 10;
/** Scales the median absolute deviation to the standard deviation of a normal distribution. */
const MAD_SCALE = 1.4826;

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * A robust z-score of a node's latest minute against its own earlier minutes: how many (scaled)
 * median absolute deviations it lies from their median. Robust, because one spike in the history
 * does not move the median the way it moves a mean. null when the history is too short or flat.
 */
export function robustScore(series: readonly number[]): number | null {
  if (series.length < ANOMALY_MIN_POINTS) return null;
  const history = series.slice(0, -1);
  const latest = series[series.length - 1];
  const spread = medianAbsoluteDeviation(history) * MAD_SCALE;
  const centre = median(history);
  if (spread === 0) return latest === centre ? 0 : null;
  return (latest - centre) / spread;
}

function nodeObservation(node: NodeInfo, value: number | null, summary: string): Observation {
  return {
    subjectKind: 'NODE',
    subjectId: node.id,
    subjectName: node.name,
    clusterId: node.clusterId,
    clusterName: node.clusterName,
    value,
    summary,
    inhibitedBy: null,
    status: node.status,
  };
}

/**
 * A manager that has registered but not yet reported (UNKNOWN since it joined) is starting up, not
 * unreachable: its cluster counts as PENDING, so a fresh enrolment or a slow first batch raises nothing.
 */
export async function startedUp<Cluster extends { health: ClusterHealth; managerNodeId: string | null }>(
  sources: AlertSources,
  clusters: Cluster[],
): Promise<Cluster[]> {
  const managerIds = clusters.flatMap((cluster) => (cluster.health === 'UNREACHABLE' && cluster.managerNodeId ? [cluster.managerNodeId] : []));
  if (managerIds.length === 0) return clusters;
  const starting = new Set(
    (await sources.members({ kind: 'NODES', nodeIds: managerIds }))
      .filter((manager) => manager.status === 'UNKNOWN' && (manager.statusCause === 'JOINED' || manager.statusCause === 'REJOINED'))
      .map((manager) => manager.id),
  );
  return clusters.map((cluster) => (cluster.managerNodeId && starting.has(cluster.managerNodeId) ? { ...cluster, health: 'PENDING' as const } : cluster));
}

/** The subjects for which a rule's condition holds now. */
export async function observe(sources: AlertSources, target: Target, condition: AlertCondition, now: Date): Promise<Observation[]> {
  const since = (windowMs: number) => new Date(now.getTime() - windowMs);
  const targetIds = async () => (target.kind === 'ALL' ? null : (await sources.members(target)).map((node) => node.id));
  const infoOf = async (ids: string[]) => new Map((ids.length ? await sources.members({ kind: 'NODES', nodeIds: ids }) : []).map((node) => [node.id, node]));
  switch (condition.kind) {
    case 'NODE_STATUS': {
      const nodes = await sources.withStatus(target, condition.statuses);
      return nodes
        .filter((node) => !condition.causes || condition.causes.includes(node.statusCause))
        .map((node) => nodeObservation(node, null, `${node.name} is ${node.status} (${node.statusCause.toLowerCase().replaceAll('_', ' ')})`));
    }
    case 'CLUSTER_HEALTH': {
      const clusterIds =
        target.kind === 'ALL'
          ? null
          : target.kind === 'CLUSTERS'
            ? target.clusterIds
            : [...new Set((await sources.members(target)).map((node) => node.clusterId))];
      const clusters = await startedUp(sources, await sources.clusterHealth(clusterIds));
      return clusters
        .filter((cluster) => condition.healths.includes(cluster.health))
        .map((cluster) => ({
          subjectKind: 'CLUSTER',
          subjectId: cluster.id,
          subjectName: cluster.name,
          clusterId: cluster.id,
          clusterName: cluster.name,
          value: null,
          summary:
            cluster.health === 'UNREACHABLE'
              ? `cluster ${cluster.name} is UNREACHABLE: its manager is not reporting, so its workers' state is unknown`
              : `cluster ${cluster.name} is ${cluster.health}`,
          inhibitedBy: null,
        }));
    }
    case 'STATISTIC': {
      const above = await sources.averagesAbove(await targetIds(), COLUMN[condition.metric], since(condition.windowMs), condition.above);
      const info = await infoOf(above.map((row) => row.nodeId));
      return above.flatMap(({ nodeId, average }) => {
        const node = info.get(nodeId);
        if (!node) return [];
        const minutes = Math.round(condition.windowMs / 60_000);
        return [
          nodeObservation(
            node,
            round(average),
            `${node.name}: ${condition.metric} averaged ${round(average)}${UNIT[condition.metric]} over ${minutes} min, above ${condition.above}${UNIT[condition.metric]}`,
          ),
        ];
      });
    }
    case 'ANOMALY': {
      const series = new Map<string, number[]>();
      for (const row of await sources.seriesOf(await targetIds(), COLUMN[condition.metric], since(condition.windowMs))) {
        const values = series.get(row.nodeId) ?? [];
        values.push(row.value);
        series.set(row.nodeId, values);
      }
      const anomalous = [...series].flatMap(([nodeId, values]) => {
        const score = robustScore(values);
        return score !== null && Math.abs(score) >= condition.sensitivity ? [{ nodeId, score, latest: values[values.length - 1] }] : [];
      });
      const info = await infoOf(anomalous.map((row) => row.nodeId));
      return anomalous.flatMap(({ nodeId, score, latest }) => {
        const node = info.get(nodeId);
        return node
          ? [
              nodeObservation(
                node,
                round(score),
                `${node.name}: ${condition.metric} ${round(latest)}${UNIT[condition.metric]} is ${round(Math.abs(score))} deviations ${score > 0 ? 'above' : 'below'} its usual`,
              ),
            ]
          : [];
      });
    }
    case 'OPERATION_FAILED': {
      const clusters = target.kind === 'ALL' ? null : new Set((await sources.members(target)).map((node) => node.clusterId));
      return (await sources.failedOperations(since(condition.windowMs)))
        .filter((operation) => !clusters || operation.clusterIds.some((id) => clusters.has(id)))
        .map((operation) => ({
          subjectKind: 'OPERATION',
          subjectId: operation.id,
          subjectName: operation.description || `${operation.kind.toLowerCase().replaceAll('_', ' ')} ${operation.id.slice(0, 8)}`,
          clusterId: operation.clusterIds.length === 1 ? operation.clusterIds[0] : null,
          clusterName: null,
          value: null,
          summary: `operation ${operation.id.slice(0, 8)} (${operation.kind}) ended ${operation.state}`,
          inhibitedBy: null,
        }));
    }
    case 'REMEDIATION_STOPPED': {
      const covered = target.kind === 'ALL' ? null : new Set((await sources.members(target)).map((node) => node.id));
      return (await sources.remediationHolds(condition.policy))
        .filter((hold) => !covered || covered.has(hold.nodeId))
        .map((hold) => ({
          subjectKind: 'NODE',
          subjectId: hold.nodeId,
          subjectName: hold.nodeName,
          clusterId: hold.clusterId,
          clusterName: hold.clusterName,
          value: null,
          summary: `self-healing policy ${hold.policyName} stopped for ${hold.nodeName}: ${hold.reason}`,
          inhibitedBy: null,
        }));
    }
    case 'DRIFT': {
      const workers = (await sources.members(target)).filter((node) => node.role === 'WORKER');
      const counts = await sources.filesOutOfSync(workers.map((node) => node.id));
      return workers.flatMap((node, index) =>
        counts[index] >= condition.minFiles
          ? [nodeObservation(node, counts[index], `${node.name}: ${counts[index]} ${counts[index] === 1 ? 'file differs' : 'files differ'} from its baselines`)]
          : [],
      );
    }
    case 'AVAILABILITY': {
      const days = Math.round(condition.windowMs / 86_400_000);
      const below = (await sources.availabilityOf(target, since(condition.windowMs))).filter(
        (node): node is { nodeId: string; percent: number } => node.percent !== null && node.percent < condition.objective,
      );
      const info = await infoOf(below.map((node) => node.nodeId));
      return below.flatMap(({ nodeId, percent }) => {
        const node = info.get(nodeId);
        return node
          ? [
              nodeObservation(
                node,
                Math.round(percent * 1000) / 1000,
                `${node.name} was available ${Math.round(percent * 1000) / 1000}% over ${days >= 1 ? `${days} d` : `${Math.round(condition.windowMs / 3_600_000)} h`}, below the objective of ${condition.objective}%`,
              ),
            ]
          : [];
      });
    }
    case 'SCHEDULE_MISSED':
      return (await sources.missedRuns(since(condition.windowMs))).map((run) => ({
        subjectKind: 'SCHEDULE',
        subjectId: run.id,
        subjectName: run.name,
        clusterId: null,
        clusterName: null,
        value: null,
        summary: `schedule ${run.name} missed its run of ${run.scheduledFor.toISOString()} (the OC was down past its starting deadline)`,
        inhibitedBy: null,
      }));
  }
}
