import type { Clock } from '../../clock.ts';
import type { Database } from '../../db/client.ts';
import { actorName, type RequestMeta } from '../../shared/actor.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/domain-error.ts';
import { checkPage, type Page, type PageArgs, toPage } from '../../shared/pagination.ts';
import type { Transactor, UnitOfWork } from '../../shared/transactor.ts';
import { isUuid, validateId, validateName, validateText } from '../../shared/validation.ts';
import type { NotificationsService } from '../notifications/notifications.service.ts';
import type { TargetsService } from '../targets/targets.service.ts';
import type { TargetInput } from '../targets/targets.types.ts';
import { alertChanged } from './alerts.events.ts';
import type { AlertFilter, AlertsRepository } from './alerts.repository.ts';
import { type ConditionInput, checkDuration, checkMatchers, conditionOf, ruleSettings } from './alerts.rules.ts';
import type { AlertHistoryRow, AlertRow, AlertRuleRow, AlertSeverity, AlertState, SilenceMatcher, SilenceRow } from './alerts.table.ts';

export interface RuleInput {
  name: string;
  description?: string | null;
  severity?: AlertSeverity | null;
  labels?: unknown;
  target: TargetInput;
  condition: ConditionInput;
  for?: number | null;
  groupInterval?: number | null;
  /** Channels to notify, by name or id. */
  channels?: readonly string[] | null;
  enabled?: boolean | null;
}

export interface SilenceInput {
  matchers: readonly SilenceMatcher[];
  startsAt?: Date | null;
  endsAt?: Date | null;
  duration?: number | null;
  comment: string;
}

const DAY = 86_400_000;
const MAX_SILENCE_MS = 90 * DAY;

export class AlertsService {
  constructor(
    private readonly db: Database,
    private readonly repository: AlertsRepository,
    private readonly targets: TargetsService,
    private readonly notifications: NotificationsService,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
  ) {}

  // --- rules ---

  async #ruleValues(input: RuleInput) {
    const name = validateName(input.name, 'name', 'rule name');
    const target = await this.targets.normalize(input.target);
    const condition = conditionOf(input.condition, target);
    const settings = ruleSettings(input);
    const channelIds = input.channels?.length ? [...new Set(await this.notifications.existingChannels(input.channels))] : [];
    return { name, target, condition, ...settings, channelIds, enabled: input.enabled ?? true };
  }

  async createRule(meta: RequestMeta, input: RuleInput): Promise<AlertRuleRow> {
    const values = await this.#ruleValues(input);
    return this.transactor.run(meta, { action: 'alertRule.create', targetType: 'alertRule', args: input }, async (work) => {
      if (await this.repository.ruleByName(work.tx, values.name)) throw new ConflictError('NAME_TAKEN', `An alert rule named "${values.name}" already exists.`);
      const now = this.clock.now();
      const row = await this.repository.insertRule(work.tx, { ...values, createdBy: actorName(meta.actor), createdAt: now, updatedAt: now });
      work.target(row.id);
      return row;
    });
  }

  /** Replaces a rule. Its open alerts stay and are judged by the new rule at the next evaluation. */
  async updateRule(meta: RequestMeta, id: string, input: RuleInput): Promise<AlertRuleRow> {
    const ruleId = validateId(id);
    const values = await this.#ruleValues(input);
    return this.transactor.run(meta, { action: 'alertRule.update', targetType: 'alertRule', targetId: ruleId, args: input }, async (work) => {
      if (!(await this.repository.rule(work.tx, ruleId))) throw new NotFoundError('alert rule', ruleId);
      const named = await this.repository.ruleByName(work.tx, values.name);
      if (named && named.id !== ruleId) throw new ConflictError('NAME_TAKEN', `An alert rule named "${values.name}" already exists.`);
      return (await this.repository.updateRule(work.tx, ruleId, { ...values, updatedAt: this.clock.now() })) as AlertRuleRow;
    });
  }

  /** Deletes a rule with its alerts and their history. */
  async deleteRule(meta: RequestMeta, id: string): Promise<AlertRuleRow> {
    const ruleId = validateId(id);
    return this.transactor.run(meta, { action: 'alertRule.delete', targetType: 'alertRule', targetId: ruleId }, async (work) => {
      const existing = await this.repository.rule(work.tx, ruleId);
      if (!existing) throw new NotFoundError('alert rule', ruleId);
      await this.repository.deleteRule(work.tx, ruleId);
      return existing;
    });
  }

  async setRuleEnabled(meta: RequestMeta, id: string, enabled: boolean): Promise<AlertRuleRow> {
    const ruleId = validateId(id);
    return this.transactor.run(
      meta,
      { action: enabled ? 'alertRule.enable' : 'alertRule.disable', targetType: 'alertRule', targetId: ruleId },
      async (work) => {
        const updated = await this.repository.updateRule(work.tx, ruleId, { enabled, updatedAt: this.clock.now() });
        if (!updated) throw new NotFoundError('alert rule', ruleId);
        return updated;
      },
    );
  }

  async findRule(reference: string): Promise<AlertRuleRow | undefined> {
    const text = validateText(reference, 'rule', 200);
    return isUuid(text) ? this.repository.rule(this.db, text.toLowerCase()) : this.repository.ruleByName(this.db, text);
  }

  rules(): Promise<AlertRuleRow[]> {
    return this.repository.rules(this.db);
  }

  /** Called with a channel's deletion, in its transaction: rules stop naming it. */
  forgetChannel(work: UnitOfWork, channelId: string): Promise<void> {
    return this.repository.forgetChannel(work.tx, channelId);
  }

  // --- alerts ---

  async list(
    filter: { states?: readonly AlertState[] | null; rule?: string | null; suppressed?: boolean | null },
    pageArgs: PageArgs,
  ): Promise<Page<AlertRow>> {
    const request = checkPage(pageArgs, 2);
    const rule = filter.rule ? await this.findRule(filter.rule) : undefined;
    if (filter.rule && !rule) throw new NotFoundError('alert rule', filter.rule);
    const clean: AlertFilter = { states: filter.states, ruleId: rule?.id ?? null, suppressed: filter.suppressed };
    const before = request.after ? { at: new Date(String(request.after[0])), id: String(request.after[1]) } : undefined;
    const rows = await this.repository.list(this.db, clean, request.first + 1, before);
    return toPage(
      rows,
      request,
      (row) => [row.activeAt.toISOString(), row.id],
      () => this.repository.count(this.db, clean),
    );
  }

  find(id: string): Promise<AlertRow | undefined> {
    return this.repository.alert(this.db, validateId(id));
  }

  history(alertId: string): Promise<AlertHistoryRow[]> {
    return this.repository.history(this.db, alertId);
  }

  /** Open alerts: firing and pending that notify, and those held back. */
  async counts() {
    const counts = { firing: 0, pending: 0, inhibited: 0, silenced: 0 };
    for (const row of await this.repository.openCounts(this.db)) {
      if (row.inhibited) counts.inhibited += row.count;
      else if (row.silenced) counts.silenced += row.count;
      else if (row.state === 'FIRING') counts.firing += row.count;
      else counts.pending += row.count;
    }
    return counts;
  }

  /** Marks an alert as being looked at, with a comment; recorded in its history. */
  async acknowledge(meta: RequestMeta, id: string, comment: string): Promise<AlertRow> {
    const alertId = validateId(id);
    const text = validateText(comment.trim(), 'comment', 1000);
    return this.transactor.run(meta, { action: 'alert.acknowledge', targetType: 'alert', targetId: alertId, args: { comment: text } }, async (work) => {
      const alert = await this.repository.alert(work.tx, alertId);
      if (!alert) throw new NotFoundError('alert', alertId);
      if (alert.state === 'RESOLVED') throw new ConflictError('INVALID_STATE', 'The alert is resolved; there is nothing to acknowledge.');
      const now = this.clock.now();
      const who = actorName(meta.actor);
      const updated = (await this.repository.updateAlert(work.tx, alertId, { acknowledgedBy: who, acknowledgedAt: now, acknowledgement: text })) as AlertRow;
      await this.repository.addHistory(work.tx, [{ alertId, at: now, kind: 'ACKNOWLEDGED', message: text || 'acknowledged', actor: who }]);
      const rule = (await this.repository.rule(work.tx, alert.ruleId)) as AlertRuleRow;
      work.emit(alertChanged(rule, updated, 'ACKNOWLEDGED'));
      return updated;
    });
  }

  /** Links the operation a self-healing policy started from the node's open alerts, in the policy's transaction. */
  async remediated(work: UnitOfWork, nodeId: string, operationId: string, policyName: string): Promise<void> {
    const linked = await this.repository.linkRemediation(work.tx, nodeId, operationId);
    await this.repository.addHistory(
      work.tx,
      linked.map((alertId) => ({
        alertId,
        at: this.clock.now(),
        kind: 'REMEDIATED',
        message: `policy ${policyName} started operation ${operationId}`,
        actor: `policy:${policyName}`,
      })),
    );
  }

  // --- silences ---

  async silence(meta: RequestMeta, input: SilenceInput): Promise<SilenceRow> {
    const matchers = checkMatchers(input.matchers);
    const comment = validateText(input.comment.trim(), 'comment', 1000);
    if (!comment)
      throw new ValidationError('INVALID_ARGUMENT', 'Say why (comment): a silence without a reason is a trap for the next person on call.', 'comment');
    const now = this.clock.now();
    const startsAt = input.startsAt ?? now;
    if (input.endsAt && input.duration) throw new ValidationError('INVALID_ARGUMENT', 'Give endsAt or duration, not both.', 'duration');
    const endsAt = input.endsAt ?? (input.duration ? new Date(startsAt.getTime() + checkDuration(input.duration, 'duration', 60_000, MAX_SILENCE_MS)) : null);
    if (!endsAt) throw new ValidationError('INVALID_ARGUMENT', 'A silence needs an end: give endsAt or duration.', 'endsAt');
    if (endsAt <= startsAt || endsAt <= now) throw new ValidationError('INVALID_ARGUMENT', 'A silence must end after it starts, and in the future.', 'endsAt');
    if (endsAt.getTime() - startsAt.getTime() > MAX_SILENCE_MS) throw new ValidationError('INVALID_ARGUMENT', 'A silence may last at most 90 days.', 'endsAt');
    return this.transactor.run(meta, { action: 'silence.create', targetType: 'silence', args: { matchers, startsAt, endsAt, comment } }, async (work) => {
      const row = await this.repository.insertSilence(work.tx, { matchers, startsAt, endsAt, comment, createdBy: actorName(meta.actor), createdAt: now });
      work.target(row.id);
      return row;
    });
  }

  /** Ends a silence now; alerts it held back notify at the next evaluation. */
  async expireSilence(meta: RequestMeta, id: string): Promise<SilenceRow> {
    const silenceId = validateId(id);
    return this.transactor.run(meta, { action: 'silence.expire', targetType: 'silence', targetId: silenceId }, async (work) => {
      const existing = await this.repository.silence(work.tx, silenceId);
      if (!existing) throw new NotFoundError('silence', silenceId);
      const now = this.clock.now();
      if (existing.endsAt <= now) throw new ConflictError('INVALID_STATE', 'The silence has already ended.');
      return (await this.repository.updateSilence(work.tx, silenceId, { endsAt: now, ...(existing.startsAt > now ? { startsAt: now } : {}) })) as SilenceRow;
    });
  }

  /** Silences in force or still to come, and those that ended in the last day. */
  silences(): Promise<SilenceRow[]> {
    return this.repository.silences(this.db, new Date(this.clock.now().getTime() - DAY));
  }
}
