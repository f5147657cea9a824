import type { Clock } from '../../clock.ts';
import type { Database } from '../../db/client.ts';
import type { RequestMeta } from '../../shared/actor.ts';
import { NotFoundError, ValidationError } from '../../shared/domain-error.ts';
import { checkPage, type Page, type PageArgs, toPage } from '../../shared/pagination.ts';
import type { Transactor } from '../../shared/transactor.ts';
import { validateName } from '../../shared/validation.ts';
import type { BaselinesService } from '../baselines/baselines.service.ts';
import type { ClustersService } from '../clusters/clusters.service.ts';
import { isSha256, validateContentName } from '../content/content.rules.ts';
import type { ContentItemRow, ContentKind } from '../content/content.types.ts';
import type { LivenessService } from '../liveness/liveness.service.ts';
import type { NodesService } from '../nodes/nodes.service.ts';
import type { NodeRow } from '../nodes/nodes.types.ts';
import type { TagsService } from '../tags/tags.service.ts';
import type { TargetsService } from '../targets/targets.service.ts';
import type { TargetInput } from '../targets/targets.types.ts';
import { type Drift, type DriftState, deriveDrift, type FileRef } from './inventory.drift.ts';
import { DuplicateInventoryEntryError, InventoryTooLargeError } from './inventory.errors.ts';
import { inventoryChanged } from './inventory.events.ts';
import type { ContentQuery, InventoryRepository, NodeWithContentRow, NodeWithTenantRow } from './inventory.repository.ts';
import { combine, diffInventory, type InstalledItem, type ItemState, type LoadedItem } from './inventory.rules.ts';
import type { InventoryRow, TenantRow } from './inventory.table.ts';
import { cleanTenants, diffTenants, type TenantState } from './inventory.tenants.ts';

/** Items one list of one node may carry: far more than a product server has patches. */
export const MAX_ITEMS_PER_NODE = 2_000;
/** Items one report may carry over all its nodes: one call stays a small transaction, and its body well within the OC's body limit. */
export const MAX_ITEMS_PER_REPORT = 10_000;

export interface NodeInventoryReport {
  name: string;
  installed: readonly { kind: ContentKind; name: string; sha256: string; size: number; modifiedAt?: Date | null }[];
  /** What the running process loaded; null or absent when the worker does not say (nothing counts as loaded). */
  loaded?: readonly LoadedItem[] | null;
  /** The tenants it hosts; null or absent when the worker does not report tenants (the stored ones stay). */
  tenants?: readonly { name: string; status?: string | null }[] | null;
}

export interface InventoryReceipt {
  /** Nodes whose inventory changed. */
  changed: string[];
  unchanged: number;
  /** Nodes refused: not in the manager's cluster. The rest of the report is applied. */
  refused: { node: string; code: 'UNKNOWN_NODE'; message: string }[];
}

function checkItem(item: { kind: ContentKind; name: string; sha256: string }, field: string) {
  validateContentName(item.name, `${field} name`);
  if (!isSha256(item.sha256)) throw new ValidationError('INVALID_ARGUMENT', `The ${field} sha256 must be 64 lower-case hex digits.`, field);
}

function uniqueItems<Item extends { kind: ContentKind; name: string }>(items: readonly Item[], node: string, field: string): Item[] {
  if (items.length > MAX_ITEMS_PER_NODE) throw new InventoryTooLargeError(`The ${field} list of one node`, MAX_ITEMS_PER_NODE, 'item', field);
  const keys = new Set<string>();
  for (const item of items) {
    const key = `${item.kind}/${item.name}`;
    if (keys.has(key)) throw new DuplicateInventoryEntryError(`${item.kind} ${item.name} of ${node} in ${field}`, field);
    keys.add(key);
  }
  return [...items];
}

/** Checks a whole report before anything is written: a bad report changes nothing. */
function cleanReport(nodes: readonly NodeInventoryReport[], maxNodes: number): { name: string; items: ItemState[]; tenants: TenantState[] | null }[] {
  if (nodes.length > maxNodes) throw new InventoryTooLargeError('An inventory report', maxNodes, 'node', 'nodes');
  const total = nodes.reduce((sum, node) => sum + node.installed.length + (node.loaded?.length ?? 0) + (node.tenants?.length ?? 0), 0);
  if (total > MAX_ITEMS_PER_REPORT) throw new InventoryTooLargeError('An inventory report', MAX_ITEMS_PER_REPORT, 'item', 'nodes');
  const names = new Set<string>();
  return nodes.map((node) => {
    const name = validateName(node.name, 'node name');
    if (names.has(name)) throw new DuplicateInventoryEntryError(`the node "${name}"`, 'nodes');
    names.add(name);
    const installed: InstalledItem[] = uniqueItems(node.installed, name, 'installed').map((item) => {
      checkItem(item, 'installed');
      if (!Number.isSafeInteger(item.size) || item.size < 0)
        throw new ValidationError('INVALID_ARGUMENT', 'An installed item’s size must be a whole number of bytes.', 'installed');
      return { kind: item.kind, name: item.name, sha256: item.sha256, size: item.size, modifiedAt: item.modifiedAt ?? null };
    });
    const loaded = uniqueItems(node.loaded ?? [], name, 'loaded').map((item) => {
      checkItem(item, 'loaded');
      return { kind: item.kind, name: item.name, sha256: item.sha256 };
    });
    return { name, items: combine(installed, loaded), tenants: node.tenants ? cleanTenants(node.tenants, name) : null };
  });
}

/** One file of a node against its baselines, with the item and baseline that want it. */
export type NodeDrift = Drift<FileRef & { item: ContentItemRow; baselineName: string; rendered: string | null }>;

export type DriftCounts = Record<'inSync' | 'missing' | 'unexpected' | 'different' | 'installedNotLoaded', number>;

export interface DriftSummary {
  nodeCount: number;
  total: DriftCounts;
  clusters: ({ clusterName: string } & DriftCounts)[];
  items: ({ kind: string; name: string } & DriftCounts)[];
}

const COUNT_OF: Record<DriftState, keyof DriftCounts> = {
  IN_SYNC: 'inSync',
  MISSING: 'missing',
  UNEXPECTED: 'unexpected',
  DIFFERENT: 'different',
  INSTALLED_NOT_LOADED: 'installedNotLoaded',
};

const emptyCounts = (): DriftCounts => ({ inSync: 0, missing: 0, unexpected: 0, different: 0, installedNotLoaded: 0 });

/** Nodes one drift summary may cover: each needs its desired state worked out. */
const MAX_DRIFT_NODES = 5_000;

export class InventoryService {
  constructor(
    private readonly db: Database,
    private readonly repository: InventoryRepository,
    private readonly clusters: ClustersService,
    private readonly nodes: NodesService,
    private readonly tags: TagsService,
    private readonly liveness: LivenessService,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
    private readonly maxNodes: number,
    private readonly baselines: BaselinesService,
    private readonly targets: TargetsService,
  ) {}

  /**
   * Applies a manager's inventory report for nodes of its own cluster: each node's items become
   * what it reports (new and changed ones written, missing ones deleted) with an
   * INVENTORY_CHANGED event per node that changed, in one transaction. A node's tenants become
   * the reported ones when the report carries them, and stay as they were when it does not. A
   * report that changes nothing writes nothing. Nodes not in the cluster are refused, and audited
   * once per report.
   */
  async apply(meta: RequestMeta, clusterId: string, nodes: readonly NodeInventoryReport[]): Promise<InventoryReceipt> {
    const reports = cleanReport(nodes, this.maxNodes);
    const receipt: InventoryReceipt = { changed: [], unchanged: 0, refused: [] };
    await this.liveness.exclusive(clusterId, async () => {
      const cluster = await this.clusters.find(clusterId);
      if (!cluster) throw new NotFoundError('cluster', clusterId);
      const members = new Map((await this.nodes.ofCluster(clusterId)).map((node) => [node.name, node]));
      const known: { node: NodeRow; items: ItemState[]; tenants: TenantState[] | null }[] = [];
      for (const report of reports) {
        const node = members.get(report.name);
        if (node) known.push({ node, items: report.items, tenants: report.tenants });
        else
          receipt.refused.push({
            node: report.name,
            code: 'UNKNOWN_NODE',
            message: `No node named "${report.name}" in cluster ${cluster.name}; report membership first.`,
          });
      }
      const stored = this.#byNode(
        await this.repository.ofNodes(
          this.db,
          known.map(({ node }) => node.id),
        ),
      );
      const storedTenants = this.#byNode(
        await this.repository.tenantsOfNodes(
          this.db,
          known.filter(({ tenants }) => tenants !== null).map(({ node }) => node.id),
        ),
      );
      const changes = known
        .map(({ node, items, tenants }) => ({
          node,
          ...diffInventory(stored.get(node.id) ?? [], items),
          tenants: tenants ? diffTenants(storedTenants.get(node.id) ?? [], tenants) : { upserts: [], removals: [] },
        }))
        .filter((change) => change.upserts.length + change.removals.length + change.tenants.upserts.length + change.tenants.removals.length > 0);
      receipt.unchanged = known.length - changes.length;
      if (changes.length === 0) return;
      await this.transactor.run(null, null, async (work) => {
        const now = this.clock.now();
        await this.repository.upsert(
          work.tx,
          changes.flatMap(({ node, upserts }) => upserts.map((item) => ({ ...item, nodeId: node.id }))),
          now,
        );
        await this.repository.remove(
          work.tx,
          changes.flatMap(({ node, removals }) => removals.map((item) => ({ ...item, nodeId: node.id }))),
        );
        await this.repository.upsertTenants(
          work.tx,
          changes.flatMap(({ node, tenants }) => tenants.upserts.map((tenant) => ({ ...tenant, nodeId: node.id }))),
          now,
        );
        await this.repository.removeTenants(
          work.tx,
          changes.flatMap(({ node, tenants }) => tenants.removals.map((name) => ({ name, nodeId: node.id }))),
        );
        const changedNodes = changes.map(({ node }) => node);
        const tags = await this.tags.effectiveTags(work.tx, cluster, changedNodes);
        for (const node of changedNodes) work.emit(inventoryChanged(cluster, node, tags.get(node.id) ?? []));
      });
      receipt.changed = changes.map(({ node }) => node.name);
    });
    if (receipt.refused.length > 0) {
      const names = receipt.refused.map((refusal) => refusal.node);
      await this.transactor.recordOutcome(
        meta,
        { action: 'inventory.report', targetType: 'cluster', targetId: clusterId, args: { unknownNodes: names.slice(0, 20), count: names.length } },
        'DENIED',
        'NOT_IN_CLUSTER',
        `${names.length} inventory ${names.length === 1 ? 'entry names a node' : 'entries name nodes'} not in the manager’s cluster; refused`,
      );
    }
    return receipt;
  }

  /** The inventories of several nodes, for batching: in the order of `nodeIds`. */
  async ofNodes(nodeIds: readonly string[]): Promise<InventoryRow[][]> {
    const byNode = this.#byNode(await this.repository.ofNodes(this.db, nodeIds));
    return nodeIds.map((id) => byNode.get(id) ?? []);
  }

  /** The tenants of several nodes, for batching: in the order of `nodeIds`, each by name. */
  async tenantsOf(nodeIds: readonly string[]): Promise<TenantRow[][]> {
    const byNode = this.#byNode(await this.repository.tenantsOfNodes(this.db, nodeIds));
    return nodeIds.map((id) => byNode.get(id) ?? []);
  }

  /** Member nodes hosting a tenant of this name: "where does this customer run?". */
  async nodesWithTenant(name: string, pageArgs: PageArgs): Promise<Page<NodeWithTenantRow>> {
    const request = checkPage(pageArgs, 2);
    validateName(name, 'tenant name');
    const rows = await this.repository.withTenant(this.db, name, request.first + 1, request.after);
    return toPage(
      rows,
      request,
      (row) => [row.clusterName, row.nodeName],
      () => this.repository.countWithTenant(this.db, name),
    );
  }

  /** How many member nodes have each of these hashes installed, in their order. */
  async installedOn(sha256s: readonly string[]): Promise<number[]> {
    const counts = await this.repository.installedCounts(this.db, sha256s);
    return sha256s.map((sha256) => counts.get(sha256) ?? 0);
  }

  /** Member nodes that have an item installed, by hash, name or kind: "which servers have this patch?". */
  async nodesWithContent(query: ContentQuery, pageArgs: PageArgs): Promise<Page<NodeWithContentRow>> {
    const request = checkPage(pageArgs, 4);
    if (!query.sha256 && !query.name) throw new ValidationError('INVALID_ARGUMENT', 'Give the sha256 or the name of the item to look for (or both).', 'sha256');
    if (query.sha256 && !isSha256(query.sha256)) throw new ValidationError('INVALID_ARGUMENT', 'The sha256 must be 64 lower-case hex digits.', 'sha256');
    if (query.name) validateContentName(query.name);
    const rows = await this.repository.withContent(this.db, query, request.first + 1, request.after);
    return toPage(
      rows,
      request,
      (row) => [row.clusterName, row.nodeName, row.kind, row.name],
      () => this.repository.countWithContent(this.db, query),
    );
  }

  /** How each node's files compare with what its baselines want, in the order of `nodeIds`. */
  async drift(nodeIds: readonly string[]): Promise<NodeDrift[][]> {
    return (await this.driftWithConflicts(nodeIds)).map(({ drift }) => drift);
  }

  /**
   * Drift as a deploy needs it, in the order of `nodeIds`: against the nodes' baselines, or
   * against the given items, with configuration files rendered for each node, and the conflicts
   * between its baselines.
   */
  async driftWithConflicts(nodeIds: readonly string[], givenItemIds: readonly string[] | null = null) {
    const [desired, inventories] = await Promise.all([this.baselines.desiredStates(nodeIds, givenItemIds), this.ofNodes(nodeIds)]);
    return nodeIds.map((nodeId, index) => {
      const state = desired.get(nodeId);
      const wanted = (state?.items ?? []).map((entry) => ({
        kind: entry.item.kind,
        name: entry.item.name,
        sha256: entry.sha256,
        item: entry.item,
        baselineName: entry.baseline.name,
        rendered: entry.rendered,
      }));
      const rows = inventories[index];
      const drift: NodeDrift[] = deriveDrift(
        wanted,
        rows.filter((row) => row.installed),
        rows.filter((row) => row.loaded),
      );
      const conflicts = (state?.conflicts ?? []).map(
        (conflict) =>
          `${conflict.kind} ${conflict.name} is wanted as ${[...conflict.claims]
            .sort((a, b) => a.baseline.name.localeCompare(b.baseline.name))
            .map((claim) => `${claim.item.version} by "${claim.baseline.name}"`)
            .join(' and ')}`,
      );
      return { nodeId, drift, conflicts };
    });
  }

  /** Drift over the member nodes a target selects, counted by state, by cluster and by item. */
  async driftSummary(input: TargetInput): Promise<DriftSummary> {
    // Baselines describe workers; a manager has nothing to drift from.
    const members = (await this.nodes.members(await this.targets.normalize(input))).filter((member) => member.role === 'WORKER');
    if (members.length > MAX_DRIFT_NODES)
      throw new ValidationError(
        'BATCH_TOO_LARGE',
        `The target selects ${members.length} nodes; ask for at most ${MAX_DRIFT_NODES} at a time (by cluster or tag).`,
        'target',
      );
    const drifts = await this.drift(members.map((member) => member.id));
    const summary: DriftSummary = { nodeCount: members.length, total: emptyCounts(), clusters: [], items: [] };
    const clusters = new Map<string, DriftSummary['clusters'][number]>();
    const items = new Map<string, DriftSummary['items'][number]>();
    members.forEach((member, index) => {
      const cluster = clusters.get(member.clusterName) ?? { clusterName: member.clusterName, ...emptyCounts() };
      clusters.set(member.clusterName, cluster);
      for (const file of drifts[index]) {
        const key = `${file.kind}/${file.name}`;
        const item = items.get(key) ?? { kind: file.kind, name: file.name, ...emptyCounts() };
        items.set(key, item);
        for (const counts of [summary.total, cluster, item]) counts[COUNT_OF[file.state]] += 1;
      }
    });
    summary.clusters = [...clusters.values()];
    summary.items = [...items.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
    return summary;
  }

  #byNode<Row extends { nodeId: string }>(rows: Row[]): Map<string, Row[]> {
    const byNode = new Map<string, Row[]>();
    for (const row of rows) {
      const list = byNode.get(row.nodeId);
      if (list) list.push(row);
      else byNode.set(row.nodeId, [row]);
    }
    return byNode;
  }
}
