import type { Database } from '../../db/client.ts';
import { checkPage, type Page, type PageArgs, toPage } from '../../shared/pagination.ts';
import type { ContentItemRow, ContentKind } from '../content/content.types.ts';
import type { NodesService } from '../nodes/nodes.service.ts';
import type { TargetsService } from '../targets/targets.service.ts';
import type { TargetInput } from '../targets/targets.types.ts';
import type { AppliedContentRepository, InstalledFileRow, InstalledFilter, InstalledKey } from './inventory.applied.repository.ts';

// The applied-content report: what is installed on which node, since when, and which operation
// (requested by whom) put it there. Inventory knows the files; operations and content are asked,
// once per page, for the rest.

/** The DEPLOY that put a file on a node. */
export interface AppliedBy {
  operationId: string;
  requestedBy: string;
  /** When its step on the node succeeded. */
  appliedAt: Date | null;
  /** The version of the item it installed there. */
  version: string | null;
}

/** What the report asks other modules, wired in services.ts. */
export interface AppliedContentSources {
  /** For each file, the DEPLOY that last put these bytes under this name on its node; null when none did. In the order given. */
  deployedBy(files: readonly { nodeId: string; kind: string; name: string; sha256: string }[]): Promise<(AppliedBy | null)[]>;
  /** Uploaded items with any of these hashes, newest first. */
  itemsWithSha256s(sha256s: readonly string[]): Promise<ContentItemRow[]>;
}

export interface AppliedContentFilter {
  /** Which nodes; absent: every member node. */
  target?: TargetInput | null;
  kind?: ContentKind | null;
}

/** A file installed on a member node, since when, and what put it there. */
export interface AppliedContent extends InstalledFileRow {
  /** The uploaded item with these bytes (of the same kind, the same name preferred); null when none has them. */
  item: ContentItemRow | null;
  /** The item's version; for a configuration file rendered for its node, the version of the template deployed. */
  version: string | null;
  /** Null when no DEPLOY put these bytes there: installed by hand, or before the OC managed the node. */
  appliedBy: AppliedBy | null;
}

/** Rows an export reads at a time: the whole report is never held in memory. */
const EXPORT_BATCH = 500;

const keyOf = (row: InstalledFileRow): InstalledKey => [row.clusterName, row.nodeName, row.kind, row.name];

export class AppliedContentService {
  constructor(
    private readonly db: Database,
    private readonly repository: AppliedContentRepository,
    private readonly nodes: NodesService,
    private readonly targets: TargetsService,
    private readonly sources: AppliedContentSources,
  ) {}

  /** One page of the report, by cluster, node, kind and name. */
  async page(filter: AppliedContentFilter, pageArgs: PageArgs): Promise<Page<AppliedContent>> {
    const request = checkPage(pageArgs, 4);
    const installed = await this.#installedFilter(filter);
    const rows = await this.repository.installed(this.db, installed, request.first + 1, request.after);
    const page = toPage(rows, request, keyOf, () => this.repository.countInstalled(this.db, installed));
    const described = await this.#describe(page.edges.map((edge) => edge.node));
    return { ...page, edges: page.edges.map((edge, index) => ({ cursor: edge.cursor, node: described[index] })) };
  }

  /**
   * The whole report in the same order, read a batch at a time. The filter is checked before this
   * returns, so a caller can refuse bad input before it starts answering.
   */
  async export(filter: AppliedContentFilter): Promise<AsyncIterable<AppliedContent>> {
    return this.#allRows(await this.#installedFilter(filter));
  }

  async *#allRows(installed: InstalledFilter): AsyncGenerator<AppliedContent> {
    let after: InstalledKey | null = null;
    for (;;) {
      const rows = await this.repository.installed(this.db, installed, EXPORT_BATCH, after);
      yield* await this.#describe(rows);
      if (rows.length < EXPORT_BATCH) return;
      after = keyOf(rows[rows.length - 1]);
    }
  }

  async #installedFilter(filter: AppliedContentFilter): Promise<InstalledFilter> {
    const kind = filter.kind ?? null;
    if (!filter.target) return { nodeIds: null, kind };
    const target = await this.targets.normalize(filter.target);
    if (target.kind === 'ALL') return { nodeIds: null, kind };
    return { nodeIds: (await this.nodes.members(target)).map((member) => member.id), kind };
  }

  /** Adds each row's item and deploying operation: two queries for the whole batch. */
  async #describe(rows: InstalledFileRow[]): Promise<AppliedContent[]> {
    if (rows.length === 0) return [];
    const [deployments, items] = await Promise.all([this.sources.deployedBy(rows), this.sources.itemsWithSha256s([...new Set(rows.map((row) => row.sha256))])]);
    return rows.map((row, index) => {
      const sameBytes = items.filter((item) => item.sha256 === row.sha256 && item.kind === row.kind);
      const item = sameBytes.find((each) => each.name === row.name) ?? sameBytes[0] ?? null;
      const appliedBy = deployments[index];
      return { ...row, item, version: item?.version ?? appliedBy?.version ?? null, appliedBy };
    });
  }
}
