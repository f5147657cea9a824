import { createHash } from 'node:crypto';
import Mustache from 'mustache';
import type { Clock } from '../../clock.ts';
import type { Database, Executor } from '../../db/client.ts';
import { actorName, type RequestMeta } from '../../shared/actor.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/domain-error.ts';
import { checkPage, type Page, type PageArgs, pageInMemory, toPage } from '../../shared/pagination.ts';
import type { Transactor, UnitOfWork } from '../../shared/transactor.ts';
import { validateId, validateName, validateText } from '../../shared/validation.ts';
import type { ClustersService } from '../clusters/clusters.service.ts';
import type { ContentService } from '../content/content.service.ts';
import type { ContentItemRow } from '../content/content.types.ts';
import type { NodesService } from '../nodes/nodes.service.ts';
import type { TagsService } from '../tags/tags.service.ts';
import { targetRank, targetSelects } from '../targets/targets.rules.ts';
import type { TargetsService } from '../targets/targets.service.ts';
import type { TargetInput } from '../targets/targets.types.ts';
import { DuplicateItemNameError } from './baselines.errors.ts';
import { renderTemplate, type TemplateView } from './baselines.render.ts';
import type { BaselinesRepository, CurrentBaseline } from './baselines.repository.ts';
import { type Claim, resolveDesired } from './baselines.resolve.ts';
import type { BaselineRow, BaselineVersionRow } from './baselines.table.ts';

export interface BaselineInput {
  target: TargetInput;
  itemIds: string[];
  message: string;
}

export interface DesiredItem {
  item: ContentItemRow;
  baseline: { id: string; name: string };
  /** For a configuration file, the SHA-256 of the template rendered for this node: what the node must have. */
  sha256: string;
  /** A configuration file as rendered for this node; null for patches and artifacts. */
  rendered: string | null;
}

export interface DesiredState {
  items: DesiredItem[];
  conflicts: { kind: string; name: string; claims: { baseline: { id: string; name: string }; item: ContentItemRow }[] }[];
}

/** What goes with a baseline when it is deleted (its enforcement schedule), in the same transaction. */
export interface BaselineDependents {
  removed(work: UnitOfWork, baselineId: string): Promise<void>;
}

const MAX_ITEMS = 500;
const MAX_TEMPLATE_BYTES = 1024 * 1024;

export class BaselinesService {
  constructor(
    private readonly db: Database,
    private readonly repository: BaselinesRepository,
    private readonly targets: TargetsService,
    private readonly content: ContentService,
    private readonly nodes: NodesService,
    private readonly clusters: ClustersService,
    private readonly tags: TagsService,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
    private readonly dependents: BaselineDependents,
  ) {}

  find(idOrName: string): Promise<BaselineRow | undefined> {
    return this.repository.find(this.db, idOrName);
  }

  async list(pageArgs: PageArgs): Promise<Page<CurrentBaseline>> {
    const request = checkPage(pageArgs, 1);
    return pageInMemory(
      await this.repository.allCurrent(this.db),
      request,
      (row) => [row.name],
      (a, b) => String(a[0]).localeCompare(String(b[0])),
    );
  }

  version(baselineId: string, version: number): Promise<BaselineVersionRow | undefined> {
    return this.repository.version(this.db, baselineId, version);
  }

  /** A baseline's versions, newest first. */
  async versions(baseline: BaselineRow, pageArgs: PageArgs): Promise<Page<BaselineVersionRow>> {
    const request = checkPage(pageArgs, 1);
    const before = request.after ? Number(request.after[0]) : undefined;
    const rows = await this.repository.versions(this.db, baseline.id, request.first + 1, before);
    return toPage(
      rows,
      request,
      (row) => [row.version],
      async () => baseline.currentVersion,
    );
  }

  /** Names of the baselines that list a content item now (it may not be deleted while they do). */
  usingItem(itemId: string, db: Executor = this.db): Promise<string[]> {
    return this.repository.usingItem(db, itemId);
  }

  async create(meta: RequestMeta, name: string, input: BaselineInput): Promise<BaselineRow> {
    const baselineName = validateName(name);
    const version = await this.#checked(input);
    return this.transactor.run(meta, { action: 'baseline.create', targetType: 'baseline', args: { name: baselineName, ...version } }, async (work) => {
      if (await this.repository.findByName(work.tx, baselineName)) throw new ConflictError('NAME_TAKEN', `A baseline named "${baselineName}" already exists.`);
      const now = this.clock.now();
      const baseline = await this.repository.insert(work.tx, { name: baselineName, currentVersion: 1, createdAt: now, updatedAt: now });
      await this.#saveVersion(work, meta, baseline, 1, version);
      work.target(baseline.id);
      return baseline;
    });
  }

  /** Saves a new version; the old ones are kept. Saving what is already current changes nothing. */
  async update(meta: RequestMeta, id: string, input: BaselineInput): Promise<BaselineRow> {
    const version = await this.#checked(input);
    return this.#nextVersion(meta, 'baseline.update', id, version);
  }

  /** Makes an earlier version current again, as a new version (history only grows). */
  async restore(meta: RequestMeta, id: string, version: number, message: string): Promise<BaselineRow> {
    const baseline = await this.#existing(this.db, id);
    const old = await this.repository.version(this.db, baseline.id, version);
    if (!old) throw new NotFoundError('baseline version', `${baseline.name} v${version}`);
    await this.#items(old.itemIds);
    return this.#nextVersion(meta, 'baseline.restore', baseline.id, {
      target: old.target,
      itemIds: old.itemIds,
      message: validateText(message, 'message') || `Restored version ${version}`,
    });
  }

  async remove(meta: RequestMeta, id: string): Promise<{ id: string; name: string }> {
    return this.transactor.run(meta, { action: 'baseline.delete', targetType: 'baseline', targetId: id }, async (work) => {
      const baseline = await this.#existing(work.tx, id);
      await this.dependents.removed(work, baseline.id);
      await this.repository.delete(work.tx, baseline.id);
      work.target(baseline.id);
      return { id: baseline.id, name: baseline.name };
    });
  }

  /** What changed from one version to another: the target, and the items added and removed. */
  async diff(baselineId: string, from: number, to: number) {
    const [before, after] = await Promise.all([this.repository.version(this.db, baselineId, from), this.repository.version(this.db, baselineId, to)]);
    if (!before) throw new NotFoundError('baseline version', `v${from}`);
    if (!after) throw new NotFoundError('baseline version', `v${to}`);
    const items = new Map((await this.content.findMany([...before.itemIds, ...after.itemIds])).map((item) => [item.id, item]));
    const present = (ids: string[]) => ids.flatMap((itemId) => items.get(itemId) ?? []);
    return {
      from: before,
      to: after,
      targetChanged: JSON.stringify(before.target) !== JSON.stringify(after.target),
      added: present(after.itemIds.filter((itemId) => !before.itemIds.includes(itemId))),
      removed: present(before.itemIds.filter((itemId) => !after.itemIds.includes(itemId))),
    };
  }

  /**
   * What each worker must have by every baseline that selects it, its configuration files rendered
   * for it. For many nodes at once: the baselines and their items are read once, each template
   * once, and the clusters and every node's tags in one read each. With `givenItemIds`, what each
   * node must have is those items instead, where their product kinds include its cluster's (a
   * deploy of chosen items).
   */
  async desiredStates(nodeIds: readonly string[], givenItemIds: readonly string[] | null = null): Promise<Map<string, DesiredState>> {
    const nodes = await this.nodes.findMany([...nodeIds]);
    const given = givenItemIds === null ? null : await this.#items([...givenItemIds]);
    const baselines = given ? [] : await this.repository.allCurrent(this.db);
    const items = new Map(
      (await this.content.findMany([...new Set(baselines.flatMap((baseline) => baseline.current.itemIds))])).map((item) => [item.id, item]),
    );
    const GIVEN = { id: '', name: '(given items)' };
    const templates = new Map<string, Promise<string>>();
    const template = (item: ContentItemRow): Promise<string> => {
      let text = templates.get(item.id);
      if (!text) {
        text = this.#text(item);
        templates.set(item.id, text);
      }
      return text;
    };
    const states = new Map<string, DesiredState>();
    const clusters = new Map((await this.clusters.findMany([...new Set(nodes.map((node) => node.clusterId))])).map((cluster) => [cluster.id, cluster]));
    const tagsOf = await this.tags.effectiveTagsAcross(this.db, clusters, nodes);
    for (const node of nodes) {
      const cluster = clusters.get(node.clusterId);
      if (!cluster) continue;
      // Baselines describe workers: a manager runs the agent, which the OC does not deploy to.
      if (node.role === 'MANAGER') {
        states.set(node.id, { items: [], conflicts: [] });
        continue;
      }
      const tags = tagsOf.get(node.id) ?? [];
      const subject = { nodeId: node.id, clusterId: node.clusterId, tags };
      const applies = (item: ContentItemRow) => item.productKinds.length === 0 || item.productKinds.includes(cluster.productKind);
      const claims: Claim<ContentItemRow>[] = given
        ? given.filter(applies).map((item) => ({ baseline: GIVEN, rank: 0, item }))
        : baselines
            .filter((baseline) => targetSelects(baseline.current.target, subject))
            .flatMap((baseline) =>
              baseline.current.itemIds.flatMap((itemId) => {
                const item = items.get(itemId);
                return item ? [{ baseline: { id: baseline.id, name: baseline.name }, rank: targetRank(baseline.current.target), item }] : [];
              }),
            );
      const { desired, conflicts } = resolveDesired(claims);
      const view: TemplateView = {
        cluster: { name: cluster.name, productKind: cluster.productKind },
        node: { name: node.name, role: node.role, address: node.address },
        labels: node.labels,
        tags,
      };
      const rendered: DesiredItem[] = [];
      for (const { baseline, item } of desired) {
        // Only a configuration file waits for its template: a fleet of patches is judged without an await per node.
        const text = item.kind === 'CONFIG' ? renderTemplate(await template(item), view) : null;
        rendered.push({ item, baseline, sha256: text === null ? item.sha256 : sha256(text), rendered: text });
      }
      states.set(node.id, { items: rendered, conflicts });
    }
    return states;
  }

  async #nextVersion(meta: RequestMeta, action: string, id: string, version: Omit<BaselineVersionRow, 'baselineId' | 'version' | 'author' | 'createdAt'>) {
    return this.transactor.run(meta, { action, targetType: 'baseline', targetId: id, args: version }, async (work) => {
      const baseline = await this.#existing(work.tx, id, { forUpdate: true });
      work.target(baseline.id);
      const current = await this.repository.version(work.tx, baseline.id, baseline.currentVersion);
      if (current && JSON.stringify([current.target, current.itemIds]) === JSON.stringify([version.target, version.itemIds])) {
        work.message = `Unchanged: version ${baseline.currentVersion} is already this.`;
        return baseline;
      }
      const next = baseline.currentVersion + 1;
      await this.#saveVersion(work, meta, baseline, next, version);
      await this.repository.setCurrent(work.tx, baseline.id, next, this.clock.now());
      return { ...baseline, currentVersion: next };
    });
  }

  async #saveVersion(
    work: UnitOfWork,
    meta: RequestMeta,
    baseline: BaselineRow,
    version: number,
    values: Omit<BaselineVersionRow, 'baselineId' | 'version' | 'author' | 'createdAt'>,
  ) {
    await this.repository.insertVersion(work.tx, { ...values, baselineId: baseline.id, version, author: actorName(meta.actor), createdAt: this.clock.now() });
  }

  async #existing(db: Executor, id: string, options?: { forUpdate?: boolean }): Promise<BaselineRow> {
    const baseline = await this.repository.find(db, id, options);
    if (!baseline) throw new NotFoundError('baseline', id);
    return baseline;
  }

  /** Checks a version before anything is written: the target resolves, the items exist, fit together and parse. */
  async #checked(input: BaselineInput) {
    const message = validateText(input.message, 'message');
    if (message.trim() === '') throw new ValidationError('INVALID_ARGUMENT', 'Say why in the message: it is kept with the version.', 'message');
    if (input.itemIds.length > MAX_ITEMS) throw new ValidationError('BATCH_TOO_LARGE', `A baseline may list at most ${MAX_ITEMS} items.`, 'itemIds');
    const itemIds = [...new Set(input.itemIds.map((itemId) => validateId(itemId, 'itemIds')))];
    const items = await this.#items(itemIds);
    const names = new Set<string>();
    for (const item of items) {
      const key = `${item.kind}/${item.name}`;
      if (names.has(key)) throw new DuplicateItemNameError(item.kind, item.name);
      names.add(key);
      if (item.kind === 'CONFIG') {
        if (item.size > MAX_TEMPLATE_BYTES)
          throw new ValidationError(
            'INVALID_ARGUMENT',
            `The configuration template ${item.name} ${item.version} is larger than 1 MiB; templates are rendered in memory for each node.`,
            'itemIds',
          );
        try {
          Mustache.parse(await this.#text(item));
        } catch (error) {
          throw new ValidationError(
            'INVALID_ARGUMENT',
            `The configuration template ${item.name} ${item.version} does not parse: ${(error as Error).message}`,
            'itemIds',
          );
        }
      }
    }
    return { target: await this.targets.normalize(input.target), itemIds, message };
  }

  async #items(itemIds: string[]): Promise<ContentItemRow[]> {
    const found = await this.content.findMany(itemIds);
    const missing = itemIds.filter((itemId) => !found.some((item) => item.id === itemId));
    if (missing.length) throw new NotFoundError('content item', missing[0]);
    return itemIds.map((itemId) => found.find((item) => item.id === itemId) as ContentItemRow);
  }

  async #text(item: ContentItemRow): Promise<string> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.content.read(item)) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
