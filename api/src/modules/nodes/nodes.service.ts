import { counted } from '@opscenter/agent/shared/text';
import type { Clock } from '../../clock.ts';
import type { Database } from '../../db/client.ts';
import type { RequestMeta } from '../../shared/actor.ts';
import { NotFoundError, ValidationError } from '../../shared/domain-error.ts';
import { checkPage, type Page, type PageArgs, toPage } from '../../shared/pagination.ts';
import { type TopologyEventType, topologyEvent } from '../../shared/topology-events.ts';
import type { Transactor, UnitOfWork } from '../../shared/transactor.ts';
import { validateId, validateLabels, validateName, validateText, validateUrl } from '../../shared/validation.ts';
import type { ClustersService } from '../clusters/clusters.service.ts';
import type { ClusterRow } from '../clusters/clusters.types.ts';
import type { LivenessService, NamedStatusChange } from '../liveness/liveness.service.ts';
import type { NodeStatus } from '../liveness/liveness.types.ts';
import type { TagsService } from '../tags/tags.service.ts';
import type { TargetsService } from '../targets/targets.service.ts';
import type { Target, TargetInput } from '../targets/targets.types.ts';
import { DuplicateNodeError, ManagerNameTakenError, NodeIsManagerError } from './nodes.errors.ts';
import type { NodeListRow, NodesRepository, NodeValues } from './nodes.repository.ts';
import type { NodeRow } from './nodes.table.ts';

export interface NodeReport {
  name: string;
  address?: string | null;
  version?: string | null;
  labels?: unknown;
  consoleUrl?: string | null;
}

/** A manager's view of its cluster: a full snapshot, or what joined and left since the last one. */
export interface MembershipReport {
  snapshot?: readonly NodeReport[] | null;
  joined?: readonly NodeReport[] | null;
  left?: readonly string[] | null;
}

export interface MembershipReceipt {
  joined: NodeRow[];
  rejoined: NodeRow[];
  updated: NodeRow[];
  left: NodeRow[];
  unchanged: number;
}

function cleanReport(report: NodeReport): Omit<NodeValues, 'clusterId' | 'role'> {
  return {
    name: validateName(report.name, 'node name'),
    address: validateText(report.address ?? '', 'address', 255),
    version: validateText(report.version ?? '', 'version', 100),
    labels: validateLabels(report.labels),
    consoleUrl: report.consoleUrl ? validateUrl(report.consoleUrl, 'consoleUrl') : null,
  };
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

export class NodesService {
  constructor(
    private readonly db: Database,
    private readonly repository: NodesRepository,
    private readonly clusters: ClustersService,
    private readonly liveness: LivenessService,
    private readonly tags: TagsService,
    private readonly targets: TargetsService,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
    private readonly maxReport: number,
  ) {}

  find(id: string): Promise<NodeRow | undefined> {
    return this.repository.find(this.db, validateId(id));
  }

  findMany(ids: string[]): Promise<NodeRow[]> {
    return this.repository.findMany(this.db, ids);
  }

  async list(input: { target?: TargetInput | null; statuses?: NodeStatus[] | null }, pageArgs: PageArgs): Promise<Page<NodeListRow>> {
    const request = checkPage(pageArgs, 3);
    const target = input.target ? await this.targets.normalize(input.target) : { kind: 'ALL' as const };
    const statuses = input.statuses?.length ? input.statuses : null;
    const rows = await this.repository.list(this.db, target, statuses, request.first + 1, request.after);
    return toPage(
      rows,
      request,
      (row) => [row.clusterName, row.role, row.name],
      () => this.repository.count(this.db, target, statuses),
    );
  }

  async namesOf(ids: string[]): Promise<Map<string, string>> {
    return new Map((await this.repository.findMany(this.db, ids)).map((node) => [node.id, node.name]));
  }

  /** Every node of a cluster, members and nodes that have left, by name. */
  ofCluster(clusterId: string): Promise<NodeRow[]> {
    return this.repository.ofCluster(this.db, clusterId);
  }

  /** The members a target selects (not nodes that have left), with cluster and status. */
  members(target: Target) {
    return this.repository.matching(this.db, target, { includeLeft: false });
  }

  /** The members a target selects that have one of the statuses, with cluster and status. */
  withStatus(target: Target, statuses: readonly NodeStatus[]) {
    return this.repository.matching(this.db, target, { includeLeft: false, statuses });
  }

  /** How many members the target selects, by status: a summary that names no node. */
  statusCounts(target: Target) {
    return this.repository.statusCounts(this.db, target);
  }

  /** The first `limit` members a target selects, by cluster and name. */
  someMembers(target: Target, limit: number) {
    return this.repository.matching(this.db, target, { includeLeft: false, limit });
  }

  /** Every node a target selects, members or not, with cluster and status. */
  everMatching(target: Target) {
    return this.repository.matching(this.db, target, { includeLeft: true });
  }

  async remove(meta: RequestMeta, id: string): Promise<NodeRow> {
    const nodeId = validateId(id);
    const node = await this.repository.find(this.db, nodeId);
    if (!node) throw new NotFoundError('node', nodeId);
    return this.liveness.exclusive(node.clusterId, async () => {
      const removed = await this.transactor.run(meta, { action: 'node.remove', targetType: 'node', targetId: nodeId }, async (work) => {
        const current = await this.repository.find(work.tx, nodeId);
        if (!current) throw new NotFoundError('node', nodeId);
        if (current.role === 'MANAGER') throw new NodeIsManagerError(current.name);
        const cluster = (await this.clusters.find(current.clusterId, work.tx)) as ClusterRow;
        const tags = (await this.tags.effectiveTags(work.tx, cluster, [current])).get(current.id) ?? [];
        await this.repository.delete(work.tx, nodeId);
        work.emit(this.#nodeEvent('NODE_REMOVED', cluster, current, tags));
        return current;
      });
      this.liveness.nodesUntracked(removed.clusterId, [removed.id]);
      return removed;
    });
  }

  /**
   * Applies a manager's membership report to its own cluster. Repeating a report changes
   * nothing. Nodes absent from a snapshot (and named in `left`) become LEFT; they keep their
   * history and come back as the same node when reported again.
   */
  async applyMembership(meta: RequestMeta, clusterId: string, report: MembershipReport): Promise<MembershipReceipt> {
    const isSnapshot = report.snapshot !== null && report.snapshot !== undefined;
    const isDelta = (report.joined ?? null) !== null || (report.left ?? null) !== null;
    if (isSnapshot === isDelta)
      throw new ValidationError('INVALID_ARGUMENT', 'Send either a snapshot, or joined and left changes, not both and not neither.', 'snapshot');
    const reported = (isSnapshot ? report.snapshot : report.joined) ?? [];
    const leftNames = report.left ?? [];
    if (reported.length + leftNames.length > this.maxReport)
      throw new ValidationError('BATCH_TOO_LARGE', `A membership report may name at most ${counted(this.maxReport, 'node')}.`, 'snapshot');
    const clean = reported.map(cleanReport);
    const names = new Set<string>();
    for (const node of clean) {
      if (names.has(node.name)) throw new DuplicateNodeError(node.name);
      names.add(node.name);
    }
    for (const name of leftNames) validateName(name, 'left node name');

    return this.liveness.exclusive(clusterId, async () => {
      const receipt: MembershipReceipt = { joined: [], rejoined: [], updated: [], left: [], unchanged: 0 };
      await this.transactor.run(
        meta,
        {
          action: 'membership.report',
          targetType: 'cluster',
          targetId: clusterId,
          args: { snapshot: isSnapshot, reported: clean.length, left: leftNames.length },
        },
        async (work) => {
          const cluster = await this.clusters.find(clusterId, work.tx);
          if (!cluster) throw new NotFoundError('cluster', clusterId);
          const existing = new Map((await this.repository.ofCluster(work.tx, clusterId)).map((node) => [node.name, node]));
          const toLeave: NodeRow[] = [];
          const joined = await this.#join(
            work,
            cluster,
            clean.filter((values) => !existing.has(values.name)),
          );
          for (const values of clean) {
            const current = existing.get(values.name);
            const newcomer = joined.get(values.name);
            if (current) {
              await this.#applyReported(work, cluster, current, values, receipt);
            } else if (newcomer) {
              receipt.joined.push(newcomer.node);
              work.emit(this.#nodeEvent('NODE_JOINED', cluster, newcomer.node, newcomer.tags));
            }
          }
          const stillThere = (node: NodeRow) => node.role === 'WORKER' && node.leftAt === null;
          if (isSnapshot) {
            for (const node of existing.values()) if (stillThere(node) && !names.has(node.name)) toLeave.push(node);
          } else {
            for (const name of leftNames) {
              const node = existing.get(name);
              if (node && stillThere(node)) toLeave.push(node);
            }
          }
          await this.#leave(work, cluster, toLeave, receipt);
          work.message = `joined ${receipt.joined.length}, rejoined ${receipt.rejoined.length}, left ${receipt.left.length}, updated ${receipt.updated.length}`;
        },
      );
      this.liveness.nodesTracked(
        clusterId,
        [...receipt.joined, ...receipt.rejoined].map((node) => ({
          nodeId: node.id,
          name: node.name,
          role: node.role,
          status: 'UNKNOWN',
          cause: receipt.joined.includes(node) ? 'JOINED' : 'REJOINED',
          since: this.clock.now(),
        })),
      );
      this.liveness.nodesUntracked(
        clusterId,
        receipt.left.map((node) => node.id),
      );
      return receipt;
    });
  }

  /** Inserts the nodes new to the cluster all at once (a first snapshot may name tens of thousands), keyed by name with their tags. */
  /**
   * Makes `manager` the cluster's manager node in the registration's transaction: a node of that
   * name that left is taken back, and the manager it replaces leaves the cluster.
   */
  async installManager(work: UnitOfWork, cluster: ClusterRow, manager: Omit<NodeValues, 'clusterId' | 'role'>, now: Date) {
    const members = await this.repository.ofCluster(work.tx, cluster.id);
    const existing = members.find((node) => node.name === manager.name);
    if (existing && existing.role === 'WORKER' && existing.leftAt === null) throw new ManagerNameTakenError(manager.name);
    const node = existing
      ? await this.repository.update(work.tx, existing.id, { ...manager, role: 'MANAGER', leftAt: null })
      : (await this.repository.insert(work.tx, [{ ...manager, clusterId: cluster.id, role: 'MANAGER', joinedAt: now }]))[0];
    await this.liveness.initializeNodes(work.tx, [
      { nodeId: node.id, clusterId: cluster.id, status: 'UNKNOWN', cause: existing ? 'REJOINED' : 'JOINED', at: now },
    ]);
    const previous = members.find((member) => member.id === cluster.managerNodeId && member.id !== node.id && member.leftAt === null);
    if (previous) {
      const statuses = await this.liveness.statusesOf(work.tx, [previous.id]);
      await this.repository.markLeft(work.tx, [previous.id], now);
      work.emit(...(await this.liveness.recordTransitions(work.tx, [this.#change(previous, statuses.get(previous.id) ?? 'UNKNOWN', 'LEFT', now)])));
    }
    return { node, previous };
  }

  /** Announces a node's topology change with its tags, in the change's transaction. */
  announce(work: UnitOfWork, type: TopologyEventType, cluster: ClusterRow, node: NodeRow) {
    return this.#emitNode(work, type, cluster, node);
  }

  async #join(work: UnitOfWork, cluster: ClusterRow, reports: Omit<NodeValues, 'clusterId' | 'role'>[]) {
    if (reports.length === 0) return new Map<string, { node: NodeRow; tags: string[] }>();
    const now = this.clock.now();
    const nodes = await this.repository.insert(
      work.tx,
      reports.map((values) => ({ ...values, clusterId: cluster.id, role: 'WORKER' as const, joinedAt: now })),
    );
    await this.liveness.initializeNodes(
      work.tx,
      nodes.map((node) => ({ nodeId: node.id, clusterId: cluster.id, status: 'UNKNOWN' as const, cause: 'JOINED' as const, at: now })),
    );
    const tags = await this.tags.effectiveTags(work.tx, cluster, nodes);
    return new Map(nodes.map((node) => [node.name, { node, tags: tags.get(node.id) ?? [] }]));
  }

  async #applyReported(work: UnitOfWork, cluster: ClusterRow, current: NodeRow, values: Omit<NodeValues, 'clusterId' | 'role'>, receipt: MembershipReceipt) {
    const now = this.clock.now();
    const changed =
      current.address !== values.address ||
      current.version !== values.version ||
      !sameLabels(current.labels, values.labels) ||
      current.consoleUrl !== values.consoleUrl;
    if (current.leftAt !== null) {
      const node = await this.repository.update(work.tx, current.id, { ...values, leftAt: null, joinedAt: now });
      work.emit(...(await this.liveness.recordTransitions(work.tx, [this.#change(node, 'LEFT', 'UNKNOWN', now)])));
      receipt.rejoined.push(node);
      await this.#emitNode(work, 'NODE_JOINED', cluster, node);
    } else if (changed) {
      const node = await this.repository.update(work.tx, current.id, values);
      receipt.updated.push(node);
      await this.#emitNode(work, 'NODE_UPDATED', cluster, node);
    } else {
      receipt.unchanged += 1;
    }
  }

  async #leave(work: UnitOfWork, cluster: ClusterRow, nodes: NodeRow[], receipt: MembershipReceipt) {
    if (nodes.length === 0) return;
    const now = this.clock.now();
    const statuses = await this.liveness.statusesOf(
      work.tx,
      nodes.map((node) => node.id),
    );
    const left = await this.repository.markLeft(
      work.tx,
      nodes.map((node) => node.id),
      now,
    );
    const changes = left.map((node) => this.#change(node, statuses.get(node.id) ?? 'UNKNOWN', 'LEFT', now));
    work.emit(...(await this.liveness.recordTransitions(work.tx, changes)));
    const tags = await this.tags.effectiveTags(work.tx, cluster, left);
    for (const node of left) work.emit(this.#nodeEvent('NODE_LEFT', cluster, node, tags.get(node.id) ?? []));
    receipt.left.push(...left);
  }

  #change(node: NodeRow, from: NodeStatus, to: NodeStatus, at: Date): NamedStatusChange {
    return { nodeId: node.id, nodeName: node.name, role: node.role, clusterId: node.clusterId, from, to, cause: to === 'LEFT' ? 'LEFT' : 'REJOINED', at };
  }

  async #emitNode(work: UnitOfWork, type: TopologyEventType, cluster: ClusterRow, node: NodeRow) {
    const tags = (await this.tags.effectiveTags(work.tx, cluster, [node])).get(node.id) ?? [];
    work.emit(this.#nodeEvent(type, cluster, node, tags));
  }

  #nodeEvent(type: TopologyEventType, cluster: ClusterRow, node: NodeRow, tags: string[]) {
    return topologyEvent(type, { clusterId: cluster.id, clusterName: cluster.name, nodeId: node.id, nodeName: node.name, role: node.role, tags });
  }
}
