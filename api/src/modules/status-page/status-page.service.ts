import type { Clock } from '../../clock.ts';
import type { Database, Executor } from '../../db/client.ts';
import { actorName, type RequestMeta } from '../../shared/actor.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/domain-error.ts';
import type { Transactor, UnitOfWork } from '../../shared/transactor.ts';
import { validateId } from '../../shared/validation.ts';
import { type AvailabilityService, availabilityPercent } from '../availability/availability.service.ts';
import type { NodesService } from '../nodes/nodes.service.ts';
import { InvalidTargetError } from '../targets/targets.errors.ts';
import { targetInput } from '../targets/targets.rules.ts';
import type { TargetsService } from '../targets/targets.service.ts';
import type { TargetInput } from '../targets/targets.types.ts';
import { ComponentTargetError, IncidentResolvedError, PublicTextError } from './status-page.errors.ts';
import type { StatusPageRepository } from './status-page.repository.ts';
import { type ComponentCondition, componentCondition, DAY_MS, DAYS_SHOWN, startOfDay } from './status-page.rules.ts';
import type {
  ComponentTarget,
  StatusComponentRow,
  StatusIncidentRow,
  StatusIncidentState,
  StatusIncidentUpdateRow,
  StatusPageSettingsRow,
} from './status-page.table.ts';

export interface StatusPageSettings {
  title: string;
  description: string | null;
}

export interface ComponentInput {
  name: string;
  target: TargetInput;
}

export interface IncidentInput {
  title: string;
  message: string;
  state?: StatusIncidentState | null;
  componentIds: readonly string[];
  /** The alert an operator makes public with this incident. */
  alertId?: string | null;
}

export type IncidentWithUpdates = StatusIncidentRow & { updates: StatusIncidentUpdateRow[] };

/** One day's bar: availability (planned maintenance not counted against it), or null when nothing was measured. */
export interface DayBar {
  day: Date;
  percent: number | null;
  /** The time measured (up, planned and unplanned downtime): the day's weight in a longer figure. */
  measuredMs: number;
}

/**
 * Everything the public page shows, and nothing else: public names and states, never ids, node,
 * cluster or tag names, nor who posted an update. The page is rendered from this alone.
 */
export interface PublicStatusPage {
  title: string;
  description: string | null;
  components: { name: string; condition: ComponentCondition; days: DayBar[] }[];
  incidents: {
    title: string;
    state: StatusIncidentState;
    createdAt: Date;
    resolvedAt: Date | null;
    components: string[];
    updates: { at: Date; state: StatusIncidentState; message: string }[];
  }[];
}

const DEFAULT_SETTINGS: StatusPageSettings = { title: 'System status', description: null };
const LIMITS = { name: 60, title: 100, description: 1000, incidentTitle: 200, message: 5000 };
const MAX_COMPONENTS = 50;
const MAX_TARGET_ITEMS = 20;
/** Resolved incidents stay on the page this long. */
const RESOLVED_SHOWN_MS = 14 * DAY_MS;
const MAX_INCIDENTS = 50;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

/** Public text: trimmed, not empty, bounded, one line unless `multiline`, and no invisible or control characters. */
function publicText(value: string, field: string, max: number, { multiline = false, optional = false } = {}): string {
  const text = value.trim();
  if (text === '' && !optional) throw new PublicTextError(field, `The ${field} must not be empty.`);
  if (text.length > max) throw new PublicTextError(field, `The ${field} must be at most ${max} characters (got ${text.length}).`);
  if (CONTROL.test(text) || (!multiline && /[\n\r\t]/.test(text)))
    throw new PublicTextError(field, `The ${field} must not contain ${multiline ? '' : 'line breaks, tabs, '}control or invisible characters.`);
  return text;
}

/**
 * The public status page: its title, the components the public sees (public names over clusters or
 * tags), and the incidents operators publish with their updates. What the page shows is computed
 * here (publicPage); rendering and caching it is the HTTP layer's job.
 */
export class StatusPageService {
  readonly #listeners: (() => void)[] = [];
  /** Per component: the bars of the days before today, which no longer change, and what they were computed for. */
  readonly #pastDays = new Map<string, { key: string; days: DayBar[] }>();

  constructor(
    private readonly db: Database,
    private readonly repository: StatusPageRepository,
    private readonly targets: TargetsService,
    private readonly nodes: NodesService,
    private readonly availability: AvailabilityService,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
    /** Whether an alert exists (wired in services.ts), for incidents opened from one. */
    private readonly alertExists: (id: string) => Promise<boolean>,
  ) {}

  /** Called after every committed change, so that a cached copy of the page can be dropped. */
  onChanged(listener: () => void): void {
    this.#listeners.push(listener);
  }

  async settings(): Promise<StatusPageSettings> {
    const row = await this.repository.settings(this.db);
    return row ? { title: row.title, description: row.description } : DEFAULT_SETTINGS;
  }

  components(): Promise<StatusComponentRow[]> {
    return this.repository.components(this.db);
  }

  /** What the component's nodes say now; a summary by status, so no node is named on the way. */
  async condition(component: StatusComponentRow): Promise<ComponentCondition> {
    return componentCondition(await this.nodes.statusCounts(component.target));
  }

  /** Open incidents and those resolved in the last 14 days, newest first, each with its updates (newest first). */
  async incidents(): Promise<IncidentWithUpdates[]> {
    const incidents = await this.repository.incidents(this.db, new Date(this.clock.now().getTime() - RESOLVED_SHOWN_MS), MAX_INCIDENTS);
    const updates = await this.repository.updatesOf(
      this.db,
      incidents.map((incident) => incident.id),
    );
    return incidents.map((incident) => ({ ...incident, updates: updates.filter((update) => update.incidentId === incident.id) }));
  }

  async setSettings(meta: RequestMeta, input: StatusPageSettings): Promise<StatusPageSettingsRow> {
    const title = publicText(input.title, 'title', LIMITS.title);
    const description = publicText(input.description ?? '', 'description', LIMITS.description, { multiline: true, optional: true }) || null;
    return this.#change(meta, { action: 'statusPage.setSettings', targetType: 'statusPage', args: { title, description } }, (work) =>
      this.repository.saveSettings(work.tx, { title, description, updatedAt: this.clock.now() }),
    );
  }

  async addComponent(meta: RequestMeta, input: ComponentInput): Promise<StatusComponentRow> {
    const name = publicText(input.name, 'name', LIMITS.name);
    const target = await this.#componentTarget(input.target);
    return this.#change(meta, { action: 'statusComponent.add', targetType: 'statusComponent', args: { name, target } }, async (work) => {
      const existing = await this.repository.components(work.tx);
      if (existing.length >= MAX_COMPONENTS)
        throw new ValidationError('BATCH_TOO_LARGE', `A status page may have at most ${MAX_COMPONENTS} components.`, 'name');
      await this.#nameFree(work.tx, name);
      const now = this.clock.now();
      const position = (await this.repository.lastPosition(work.tx)) + 1;
      const component = await this.repository.insertComponent(work.tx, { name, position, target, createdAt: now, updatedAt: now });
      work.target(component.id);
      return component;
    });
  }

  async updateComponent(meta: RequestMeta, id: string, input: ComponentInput): Promise<StatusComponentRow> {
    const componentId = validateId(id);
    const name = publicText(input.name, 'name', LIMITS.name);
    const target = await this.#componentTarget(input.target);
    return this.#change(
      meta,
      { action: 'statusComponent.update', targetType: 'statusComponent', targetId: componentId, args: { name, target } },
      async (work) => {
        const component = await this.#component(work.tx, componentId, { forUpdate: true });
        if (component.name !== name) await this.#nameFree(work.tx, name);
        return this.repository.updateComponent(work.tx, component.id, { name, target, updatedAt: this.clock.now() });
      },
    );
  }

  async removeComponent(meta: RequestMeta, id: string): Promise<{ id: string; name: string }> {
    const componentId = validateId(id);
    return this.#change(meta, { action: 'statusComponent.remove', targetType: 'statusComponent', targetId: componentId }, async (work) => {
      const component = await this.#component(work.tx, componentId, { forUpdate: true });
      await this.repository.deleteComponent(work.tx, component.id);
      return { id: component.id, name: component.name };
    });
  }

  /** Puts the components in the order given, which must name each of them once. */
  async reorderComponents(meta: RequestMeta, ids: readonly string[]): Promise<StatusComponentRow[]> {
    const order = ids.map((id) => validateId(id, 'ids'));
    if (new Set(order).size !== order.length) throw new ValidationError('INVALID_ARGUMENT', 'The order names a component twice.', 'ids');
    return this.#change(meta, { action: 'statusComponent.reorder', targetType: 'statusComponent', args: { ids: order } }, async (work) => {
      const components = await this.repository.components(work.tx);
      const known = new Set(components.map((component) => component.id));
      const unknown = order.find((id) => !known.has(id));
      if (unknown) throw new NotFoundError('status page component', unknown);
      if (order.length !== components.length) throw new ValidationError('INVALID_ARGUMENT', 'The order must name every component of the page once.', 'ids');
      const now = this.clock.now();
      const reordered: StatusComponentRow[] = [];
      for (const [index, id] of order.entries()) reordered.push(await this.repository.updateComponent(work.tx, id, { position: index + 1, updatedAt: now }));
      return reordered;
    });
  }

  async publishIncident(meta: RequestMeta, input: IncidentInput): Promise<IncidentWithUpdates> {
    const title = publicText(input.title, 'title', LIMITS.incidentTitle);
    const message = publicText(input.message, 'message', LIMITS.message, { multiline: true });
    const state = input.state ?? 'INVESTIGATING';
    if (state === 'RESOLVED') throw new ValidationError('INVALID_ARGUMENT', 'A new incident is not resolved; publish it, then resolve it.', 'state');
    if (input.componentIds.length > MAX_COMPONENTS)
      throw new ValidationError('BATCH_TOO_LARGE', `An incident may name at most ${MAX_COMPONENTS} components.`, 'componentIds');
    const componentIds = [...new Set(input.componentIds.map((id) => validateId(id, 'componentIds')))];
    const alertId = input.alertId ? validateId(input.alertId, 'alertId') : null;
    if (alertId && !(await this.alertExists(alertId))) throw new NotFoundError('alert', alertId);
    return this.#change(
      meta,
      { action: 'statusIncident.publish', targetType: 'statusIncident', args: { title, message, state, componentIds, alertId } },
      async (work) => {
        const known = new Set((await this.repository.components(work.tx)).map((component) => component.id));
        const unknown = componentIds.find((id) => !known.has(id));
        if (unknown) throw new NotFoundError('status page component', unknown);
        const now = this.clock.now();
        const incident = await this.repository.insertIncident(work.tx, { title, state, componentIds, alertId, createdAt: now });
        const update = await this.repository.insertUpdate(work.tx, { incidentId: incident.id, at: now, state, message, author: actorName(meta.actor) });
        work.target(incident.id);
        return { ...incident, updates: [update] };
      },
    );
  }

  /** Posts an update that moves the incident to `state`; RESOLVED closes it. */
  async postIncidentUpdate(meta: RequestMeta, id: string, state: StatusIncidentState, text: string): Promise<IncidentWithUpdates> {
    const incidentId = validateId(id);
    const message = publicText(text, 'message', LIMITS.message, { multiline: true });
    return this.#change(
      meta,
      {
        action: state === 'RESOLVED' ? 'statusIncident.resolve' : 'statusIncident.update',
        targetType: 'statusIncident',
        targetId: incidentId,
        args: { state, message },
      },
      async (work) => {
        const incident = await this.repository.incident(work.tx, incidentId, { forUpdate: true });
        if (!incident) throw new NotFoundError('status incident', incidentId);
        if (incident.state === 'RESOLVED') throw new IncidentResolvedError();
        const now = this.clock.now();
        await this.repository.insertUpdate(work.tx, { incidentId, at: now, state, message, author: actorName(meta.actor) });
        const updated = await this.repository.updateIncident(work.tx, incidentId, { state, resolvedAt: state === 'RESOLVED' ? now : null });
        return { ...updated, updates: await this.repository.updatesOf(work.tx, [incidentId]) };
      },
    );
  }

  /** The page as the public sees it (see PublicStatusPage for what it leaves out). */
  async publicPage(): Promise<PublicStatusPage> {
    const now = this.clock.now();
    const [settings, components, incidents] = await Promise.all([this.settings(), this.components(), this.incidents()]);
    const names = new Map(components.map((component) => [component.id, component.name]));
    for (const id of this.#pastDays.keys()) if (!names.has(id)) this.#pastDays.delete(id);
    const shown = [];
    for (const component of components) {
      shown.push({ name: component.name, condition: await this.condition(component), days: await this.#days(component, now) });
    }
    return {
      ...settings,
      components: shown,
      incidents: incidents.map((incident) => ({
        title: incident.title,
        state: incident.state,
        createdAt: incident.createdAt,
        resolvedAt: incident.resolvedAt,
        components: incident.componentIds.flatMap((id) => names.get(id) ?? []),
        updates: incident.updates.map(({ at, state, message }) => ({ at, state, message })),
      })),
    };
  }

  /** The last DAYS_SHOWN UTC days, today (so far) last. Days before today are computed once a day. */
  async #days(component: StatusComponentRow, now: Date): Promise<DayBar[]> {
    const today = startOfDay(now);
    const first = new Date(today.getTime() - (DAYS_SHOWN - 1) * DAY_MS);
    const key = `${first.toISOString()} ${JSON.stringify(component.target)}`;
    let past = this.#pastDays.get(component.id);
    if (past?.key !== key) {
      past = { key, days: await this.#measure(component.target, first, today, DAYS_SHOWN - 1) };
      this.#pastDays.set(component.id, past);
    }
    const [current] = now > today ? await this.#measure(component.target, today, now, 1) : [{ day: today, percent: null, measuredMs: 0 }];
    return [...past.days, current];
  }

  async #measure(target: ComponentTarget, since: Date, until: Date, days: number): Promise<DayBar[]> {
    try {
      const report = await this.availability.report(targetInput(target), since, until, days);
      return report.buckets.map((bucket) => ({
        day: bucket.from,
        percent: availabilityPercent(bucket),
        measuredMs: bucket.upMs + bucket.unplannedMs + bucket.plannedMs,
      }));
    } catch (error) {
      // A cluster deleted since the component was saved: nothing can be measured until an admin edits it.
      if (!(error instanceof InvalidTargetError)) throw error;
      return Array.from({ length: days }, (_, index) => ({ day: new Date(since.getTime() + index * DAY_MS), percent: null, measuredMs: 0 }));
    }
  }

  /** Clusters (that exist) or tags (that some node carries); never the whole system or named nodes. */
  async #componentTarget(input: TargetInput): Promise<ComponentTarget> {
    if ((input.all !== null && input.all !== undefined) || (input.nodes !== null && input.nodes !== undefined))
      throw new ComponentTargetError('A status page component covers clusters or tags; give clusters or tags, not all or nodes.');
    if ((input.clusters?.length ?? 0) > MAX_TARGET_ITEMS || (input.tags?.tags.length ?? 0) > MAX_TARGET_ITEMS)
      throw new ComponentTargetError(`A component may cover at most ${MAX_TARGET_ITEMS} clusters or tags.`);
    const target = await this.targets.normalize(input);
    if (target.kind !== 'CLUSTERS' && target.kind !== 'TAGS') throw new ComponentTargetError('A status page component covers clusters or tags.');
    if (target.kind === 'TAGS') {
      for (const tag of target.tags) {
        const counts = await this.nodes.statusCounts({ kind: 'TAGS', tags: [tag], match: 'ALL' });
        if (counts.size === 0) throw new ComponentTargetError(`No node carries the tag "${tag}".`);
      }
    }
    return target;
  }

  async #nameFree(tx: Executor, name: string): Promise<void> {
    if (await this.repository.componentNamed(tx, name)) throw new ConflictError('NAME_TAKEN', `The page already has a component named "${name}".`);
  }

  async #component(tx: Executor, id: string, options?: { forUpdate?: boolean }): Promise<StatusComponentRow> {
    const component = await this.repository.component(tx, id, options);
    if (!component) throw new NotFoundError('status page component', id);
    return component;
  }

  /** Runs an audited change; once it commits, whoever caches the page is told. */
  #change<T>(meta: RequestMeta, intent: Parameters<Transactor['run']>[1], change: (work: UnitOfWork) => Promise<T>): Promise<T> {
    return this.transactor.run(meta, intent, async (work) => {
      work.afterCommit.push(() => {
        for (const listener of this.#listeners) listener();
      });
      return change(work);
    });
  }
}
