import type { Clock } from '../../clock.ts';
import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import { SerialPass } from '../../shared/serial-pass.ts';
import type { Transactor, UnitOfWork } from '../../shared/transactor.ts';
import type { NotificationsService } from '../notifications/notifications.service.ts';
import type { NotificationMessage } from '../notifications/notifications.types.ts';
import { type AlertSources, observe, sourcesForPass, startedUp } from './alerts.conditions.ts';
import { alertChanged } from './alerts.events.ts';
import type { AlertsRepository } from './alerts.repository.ts';
import { describe, matches } from './alerts.rules.ts';
import type { AlertRow, AlertRuleRow, SilenceRow } from './alerts.table.ts';
import type { Observation } from './alerts.types.ts';

/** A notification lists at most this many alerts by name; the rest are counted. */
const LISTED = 50;

export interface EvaluatorOptions {
  intervalMs: number;
  /** Resolved alerts are kept this long for postmortems. */
  retentionMs: number;
}

function labelsOf(rule: AlertRuleRow, observation: Observation): Record<string, string> {
  const labels: Record<string, string> = { ...rule.labels, alertname: rule.name, severity: rule.severity.toLowerCase() };
  if (observation.clusterName) labels.cluster = observation.clusterName;
  labels[observation.subjectKind.toLowerCase()] = observation.subjectName;
  return labels;
}

/** Labels as stored (jsonb orders keys its own way) against labels as built. */
function sameLabels(stored: Record<string, string>, built: Record<string, string>): boolean {
  const keys = Object.keys(built);
  return keys.length === Object.keys(stored).length && keys.every((key) => stored[key] === built[key]);
}

const unreachableBecause = (clusterName: string | null) =>
  `cluster ${clusterName ?? ''} is unreachable: its manager is not reporting, and one alert for the cluster stands for its nodes`.replace('  ', ' ');

/**
 * Checks every enabled rule on a timer (and when tests call evaluate()). For each rule it reconciles
 * the subjects for which the condition holds with the rule's open alerts: new ones go PENDING, those
 * held for the rule's `for` go FIRING, those that no longer hold are RESOLVED. All of a rule's
 * changes, their history, their events and the notifications they cause commit together, so a
 * crash never leaves an alert changed but untold.
 */
export class AlertEvaluator {
  readonly #passes = new SerialPass(
    () => this.#pass(),
    (error) => this.logger.error({ err: error }, 'alert evaluation pass failed'),
  );

  constructor(
    private readonly db: Database,
    private readonly repository: AlertsRepository,
    private readonly sources: AlertSources,
    private readonly notifications: NotificationsService,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
    private readonly options: EvaluatorOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.#passes.every(this.options.intervalMs);
  }

  stop(): Promise<void> {
    return this.#passes.stop();
  }

  /** One pass over every enabled rule, started after this call. */
  evaluate(): Promise<void> {
    return this.#passes.run();
  }

  async #pass(): Promise<void> {
    const now = this.clock.now();
    const silences = await this.repository.activeSilences(this.db, now);
    const rules = await this.repository.rules(this.db, { enabledOnly: true });
    const unreachable = await this.#unreachableClusters(rules);
    const sources = sourcesForPass(this.sources);
    for (const rule of rules) {
      try {
        await this.#evaluateRule(rule, sources, silences, unreachable, now);
      } catch (error) {
        this.logger.error({ err: error, rule: rule.name }, 'alert rule evaluation failed');
      }
    }
    await this.repository.pruneResolved(this.db, new Date(now.getTime() - this.options.retentionMs));
  }

  async #evaluateRule(rule: AlertRuleRow, sources: AlertSources, silences: SilenceRow[], unreachableClusters: ReadonlySet<string>, now: Date): Promise<void> {
    const observations = await observe(sources, rule.target, rule.condition, now);
    const open = new Map((await this.repository.open(this.db, rule.id)).map((alert) => [alert.subjectId, alert]));
    const unreachable = await this.#unreachableFor(rule, observations, [...open.values()], unreachableClusters);
    await this.#inhibitMaintenance(observations);
    for (const observation of observations) {
      if (observation.subjectKind === 'NODE' && observation.clusterId && unreachable.has(observation.clusterId))
        observation.inhibitedBy = unreachableBecause(observation.clusterName);
    }

    await this.transactor.run(null, null, async (work) => {
      const history: { alertId: string; at: Date; kind: string; message: string }[] = [];
      const note = (alert: AlertRow, kind: string, message: string) => {
        history.push({ alertId: alert.id, at: now, kind, message });
        work.emit(alertChanged(rule, alert, kind));
      };
      const silenceOf = (labels: Record<string, string>) => silences.find((silence) => matches(silence.matchers, labels))?.id ?? null;

      const fresh = observations.filter((observation) => !open.has(observation.subjectId));
      const firesAtOnce = rule.forMs === 0;
      const inserted = await this.repository.insertAlerts(
        work.tx,
        fresh.map(({ status: _status, ...observation }) => {
          const labels = labelsOf(rule, observation);
          return {
            ruleId: rule.id,
            ...observation,
            labels,
            state: firesAtOnce ? ('FIRING' as const) : ('PENDING' as const),
            activeAt: now,
            firedAt: firesAtOnce ? now : null,
            silenceId: silenceOf(labels),
          };
        }),
      );
      for (const alert of inserted) note(alert, alert.state, this.#because(alert));

      for (const observation of observations) {
        const alert = open.get(observation.subjectId);
        if (!alert) continue;
        const labels = labelsOf(rule, observation);
        const changes: Partial<AlertRow> = { value: observation.value, summary: observation.summary, labels };
        const silenceId = silenceOf(labels);
        const kinds: [string, string][] = [];
        if (alert.state === 'PENDING' && now.getTime() - alert.activeAt.getTime() >= rule.forMs) {
          Object.assign(changes, { state: 'FIRING', firedAt: now });
          kinds.push(['FIRING', `held for ${Math.round((now.getTime() - alert.activeAt.getTime()) / 1000)} s: ${observation.summary}`]);
        }
        if (alert.inhibitedBy !== observation.inhibitedBy) {
          changes.inhibitedBy = observation.inhibitedBy;
          kinds.push(observation.inhibitedBy ? ['INHIBITED', `inhibited by ${observation.inhibitedBy}`] : ['UNINHIBITED', 'no longer inhibited']);
        }
        if (alert.silenceId !== silenceId) {
          changes.silenceId = silenceId;
          kinds.push(silenceId ? ['SILENCED', `silenced by ${silenceId}`] : ['UNSILENCED', 'no silence matches any more']);
        }
        // A steady condition changes nothing: at fleet scale most open alerts are steady, and rewriting each one every pass is most of the pass.
        if (kinds.length === 0 && alert.value === observation.value && alert.summary === observation.summary && sameLabels(alert.labels, labels)) continue;
        const updated = (await this.repository.updateAlert(work.tx, alert.id, changes)) as AlertRow;
        for (const [kind, message] of kinds) note(updated, kind, message);
      }

      const holding = new Set(observations.map((observation) => observation.subjectId));
      for (const alert of open.values()) {
        if (holding.has(alert.subjectId)) continue;
        if (alert.subjectKind === 'NODE' && alert.clusterId && unreachable.has(alert.clusterId)) {
          // Nothing is known of the node while its manager is unreachable: the alert stays as it was, held back.
          if (!alert.inhibitedBy) {
            const held = (await this.repository.updateAlert(work.tx, alert.id, { inhibitedBy: unreachableBecause(alert.clusterName) })) as AlertRow;
            note(held, 'INHIBITED', `inhibited by ${held.inhibitedBy}`);
          }
          continue;
        }
        const resolved = (await this.repository.updateAlert(work.tx, alert.id, { state: 'RESOLVED', resolvedAt: now })) as AlertRow;
        note(resolved, 'RESOLVED', alert.state === 'PENDING' ? 'the condition ended before the alert fired' : 'the condition no longer holds');
      }

      await this.#announce(work, rule, now, history);
      await this.repository.addHistory(work.tx, history);
    });
  }

  #because(alert: AlertRow): string {
    if (alert.inhibitedBy) return `${alert.summary}; inhibited by ${alert.inhibitedBy}`;
    return alert.summary;
  }

  /**
   * Clusters whose manager is unreachable, read once per pass for every rule: one health aggregate
   * over the fleet instead of one per rule.
   */
  async #unreachableClusters(rules: AlertRuleRow[]): Promise<Set<string>> {
    if (rules.every((rule) => rule.condition.kind === 'CLUSTER_HEALTH')) return new Set();
    return this.#unreachableAmong(null);
  }

  /**
   * Clusters whose manager is unreachable, for one rule. The pass's reading serves unless a node
   * alert is about to resolve or a node is UNKNOWN: then a manager lost since the pass began would
   * turn a held-back alert into a RESOLVED one (and a notification), so the rule's clusters are read again.
   */
  async #unreachableFor(rule: AlertRuleRow, observations: Observation[], open: AlertRow[], atPassStart: ReadonlySet<string>): Promise<ReadonlySet<string>> {
    // A cluster-health rule's own alerts are the ones that stand for an unreachable cluster: nothing holds them back.
    if (rule.condition.kind === 'CLUSTER_HEALTH') return new Set();
    const holding = new Set(observations.map((observation) => observation.subjectId));
    const uncertain =
      observations.some((observation) => observation.status === 'UNKNOWN') ||
      open.some((alert) => alert.subjectKind === 'NODE' && !holding.has(alert.subjectId));
    if (!uncertain) return atPassStart;
    const clusterIds = new Set(
      [...observations, ...open].flatMap((subject) => (subject.subjectKind === 'NODE' && subject.clusterId ? [subject.clusterId] : [])),
    );
    return clusterIds.size === 0 ? new Set() : this.#unreachableAmong([...clusterIds]);
  }

  async #unreachableAmong(clusterIds: string[] | null): Promise<Set<string>> {
    const health = await startedUp(this.sources, await this.sources.clusterHealth(clusterIds));
    return new Set(health.filter((cluster) => cluster.health === 'UNREACHABLE').map((cluster) => cluster.id));
  }

  /** A node taken down on purpose by an operation raises no alert: it is held back, naming the operation. */
  async #inhibitMaintenance(observations: Observation[]): Promise<void> {
    const inMaintenance = observations.filter((observation) => observation.subjectKind === 'NODE' && observation.status === 'MAINTENANCE');
    if (inMaintenance.length === 0) return;
    const operations = await this.sources.maintenanceOperations(inMaintenance.map((observation) => observation.subjectId));
    for (const observation of inMaintenance)
      observation.inhibitedBy = `planned maintenance: operation ${operations.get(observation.subjectId) ?? 'unknown'} holds ${observation.subjectName}`;
  }

  /**
   * Tells receivers what changed, one notification per rule and cluster per group interval, listing
   * every node of the group that fires: a datacenter going down sends a handful of messages.
   */
  async #announce(work: UnitOfWork, rule: AlertRuleRow, now: Date, history: { alertId: string; at: Date; kind: string; message: string }[]): Promise<void> {
    const unannounced = await this.repository.unannounced(work.tx, rule.id);
    const groups = new Map<string, AlertRow[]>();
    for (const alert of unannounced) groups.set(alert.clusterId ?? '', [...(groups.get(alert.clusterId ?? '') ?? []), alert]);
    for (const [groupKey, changed] of groups) {
      const last = await this.repository.groupNotifiedAt(work.tx, rule.id, groupKey);
      if (last && now.getTime() - last.getTime() < rule.groupIntervalMs) continue;
      const firing = await this.repository.firingInGroup(work.tx, rule.id, groupKey || null);
      const resolved = changed.filter((alert) => alert.state === 'RESOLVED').sort((a, b) => a.subjectName.localeCompare(b.subjectName));
      const message = this.#message(rule, firing, resolved, changed[0].clusterName, now);
      const [notification] = await this.notifications.enqueue(work, rule.channelIds, message, changed.length === 1 ? changed[0].id : null);
      await this.repository.markNotified(
        work.tx,
        firing.map((alert) => alert.id),
        'FIRING',
      );
      await this.repository.markNotified(
        work.tx,
        resolved.map((alert) => alert.id),
        'RESOLVED',
      );
      await this.repository.groupNotified(work.tx, rule.id, groupKey, now);
      const told = notification ? `notification ${notification.id}` : 'no channel to notify';
      for (const alert of changed) history.push({ alertId: alert.id, at: now, kind: 'NOTIFIED', message: `${alert.state.toLowerCase()}: ${told}` });
    }
  }

  #message(rule: AlertRuleRow, firing: AlertRow[], resolved: AlertRow[], clusterName: string | null, now: Date): NotificationMessage {
    const where = clusterName ? ` in ${clusterName}` : '';
    const title =
      firing.length > 0 ? `[FIRING:${firing.length}] ${rule.name}${where} (${rule.severity})` : `[RESOLVED] ${rule.name}${where} (${rule.severity})`;
    const line = (alert: AlertRow) => `- ${alert.subjectName}: ${describe(rule.description, alert)}`;
    const listed = (alerts: AlertRow[]) => [...alerts.slice(0, LISTED).map(line), ...(alerts.length > LISTED ? [`- and ${alerts.length - LISTED} more`] : [])];
    const text = [
      ...(firing.length > 0 ? [`Firing (${firing.length}):`, ...listed(firing)] : []),
      ...(resolved.length > 0 ? [`Resolved (${resolved.length}):`, ...listed(resolved)] : []),
    ].join('\n');
    const brief = (alert: AlertRow) => ({
      id: alert.id,
      subject: alert.subjectName,
      subjectKind: alert.subjectKind,
      cluster: alert.clusterName,
      state: alert.state,
      activeAt: alert.activeAt.toISOString(),
      firedAt: alert.firedAt?.toISOString() ?? null,
      resolvedAt: alert.resolvedAt?.toISOString() ?? null,
      value: alert.value,
      description: describe(rule.description, alert),
      labels: alert.labels,
    });
    return {
      type: firing.length > 0 ? 'alert.firing' : 'alert.resolved',
      title,
      text,
      data: {
        rule: { id: rule.id, name: rule.name, severity: rule.severity, labels: rule.labels },
        cluster: clusterName,
        at: now.toISOString(),
        firing: firing.map(brief),
        resolved: resolved.map(brief),
      },
    };
  }
}
