import { formatDuration } from '@opscenter/agent/shared/duration';
import type { Clock } from '../../clock.ts';
import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import { actorName, type RequestMeta } from '../../shared/actor.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/domain-error.ts';
import { SerialPass } from '../../shared/serial-pass.ts';
import type { Transactor, UnitOfWork } from '../../shared/transactor.ts';
import { isUuid, validateId, validateName, validateText } from '../../shared/validation.ts';
import type { NodeStatus, StatusCause } from '../liveness/liveness.types.ts';
import type { TargetsService } from '../targets/targets.service.ts';
import type { Target, TargetInput } from '../targets/targets.types.ts';
import type { RemediationRepository } from './remediation.repository.ts';
import type { ActionRow, HoldRow, PolicyRow } from './remediation.table.ts';

export interface PolicyInput {
  name: string;
  target: TargetInput;
  statuses?: readonly NodeStatus[] | null;
  causes?: readonly StatusCause[] | null;
  for?: number | null;
  maxRestartsPerHour?: number | null;
  flapWindow?: number | null;
  enabled?: boolean | null;
}

/** What a policy needs from the rest of the OC (wired in services.ts). */
export interface RemediationPorts {
  nodesWithStatus(
    target: Target,
    statuses: readonly NodeStatus[],
  ): Promise<{ id: string; name: string; clusterId: string; clusterName: string; statusCause: StatusCause; statusSince: Date }[]>;
  operation(id: string): Promise<{ state: string; finishedAt: Date | null } | undefined>;
  /**
   * Plans a RESTART of one node through the operations engine, under its cluster's budget, and
   * returns what starts it within the caller's transaction; the key makes a retry start nothing new.
   */
  prepareRestart(nodeId: string, description: string, idempotencyKey: string): Promise<(work: UnitOfWork, meta: RequestMeta) => Promise<{ id: string }>>;
  /** Links the restart from the node's open alerts, within the caller's transaction. */
  linkAlerts(work: UnitOfWork, nodeId: string, operationId: string, policyName: string): Promise<void>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** UNKNOWN is never healed: it means the manager is unreachable, and restarting through it cannot work. */
const HEALABLE: NodeStatus[] = ['DOWN', 'SUSPECT'];
/** What puts a node in a healable status (see liveness.judge). */
const HEALABLE_CAUSES: StatusCause[] = ['REPORTED_FAILURE', 'MISSED_HEARTBEATS'];
const TERMINAL = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];

function invalid(message: string, field: string): never {
  throw new ValidationError('INVALID_ARGUMENT', message, field);
}

function within(value: number, field: string, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) invalid(`${field} must be from ${formatDuration(min)} to ${formatDuration(max)}.`, field);
  return value;
}

/**
 * Self-healing policies. Each pass, a policy restarts the nodes of its target that have been in
 * one of its statuses (for one of its causes) for its duration, through the operations engine and
 * so under the cluster's budget, with the policy as the audited actor. It stops for a node that
 * is down again soon after its restart (flapping) or that used up its restarts for the hour; the
 * node is held until someone releases it, and a rule with the remediationStopped condition alerts.
 */
export class RemediationService {
  readonly #passes = new SerialPass(
    () => this.#pass(),
    (error) => this.logger.error({ err: error }, 'self-healing pass failed'),
  );

  constructor(
    private readonly db: Database,
    private readonly repository: RemediationRepository,
    private readonly targets: TargetsService,
    private readonly ports: RemediationPorts,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.#passes.every(this.intervalMs);
  }

  stop(): Promise<void> {
    return this.#passes.stop();
  }

  /** A pass that starts after this call. */
  run(): Promise<void> {
    return this.#passes.run();
  }

  // --- policies ---

  async #values(input: PolicyInput) {
    const statuses = input.statuses?.length ? [...new Set(input.statuses)] : (['DOWN'] as NodeStatus[]);
    const refused = statuses.find((status) => !HEALABLE.includes(status));
    if (refused) invalid(`statuses may be DOWN or SUSPECT; ${refused} is never healed (UNKNOWN means the manager is unreachable).`, 'statuses');
    const unhealable = input.causes?.find((cause) => !HEALABLE_CAUSES.includes(cause));
    if (unhealable)
      invalid(
        `causes may be REPORTED_FAILURE or MISSED_HEARTBEATS; ${unhealable} never leaves a node DOWN or SUSPECT, so the policy would never act.`,
        'causes',
      );
    const maxRestartsPerHour = input.maxRestartsPerHour ?? 3;
    if (!Number.isInteger(maxRestartsPerHour) || maxRestartsPerHour < 1 || maxRestartsPerHour > 20)
      invalid('maxRestartsPerHour must be a whole number from 1 to 20.', 'maxRestartsPerHour');
    return {
      name: validateName(input.name, 'name', 'policy name'),
      target: await this.targets.normalize(input.target),
      statuses,
      causes: input.causes?.length ? [...new Set(input.causes)] : null,
      forMs: within(input.for ?? 2 * MINUTE, 'for', 1_000, 24 * HOUR),
      maxRestartsPerHour,
      flapWindowMs: within(input.flapWindow ?? 10 * MINUTE, 'flapWindow', MINUTE, 24 * HOUR),
      enabled: input.enabled ?? true,
    };
  }

  async create(meta: RequestMeta, input: PolicyInput): Promise<PolicyRow> {
    const values = await this.#values(input);
    return this.transactor.run(meta, { action: 'remediation.create', targetType: 'remediationPolicy', args: input }, async (work) => {
      if (await this.repository.policyByName(work.tx, values.name)) throw new ConflictError('NAME_TAKEN', `A policy named "${values.name}" already exists.`);
      const now = this.clock.now();
      const row = await this.repository.insertPolicy(work.tx, { ...values, createdBy: actorName(meta.actor), createdAt: now, updatedAt: now });
      work.target(row.id);
      return row;
    });
  }

  /** Replaces a policy; the nodes it held are released, since the new settings may suit them. */
  async update(meta: RequestMeta, id: string, input: PolicyInput): Promise<PolicyRow> {
    const policyId = validateId(id);
    const values = await this.#values(input);
    return this.transactor.run(meta, { action: 'remediation.update', targetType: 'remediationPolicy', targetId: policyId, args: input }, async (work) => {
      if (!(await this.repository.policy(work.tx, policyId))) throw new NotFoundError('remediation policy', policyId);
      const named = await this.repository.policyByName(work.tx, values.name);
      if (named && named.id !== policyId) throw new ConflictError('NAME_TAKEN', `A policy named "${values.name}" already exists.`);
      await this.repository.release(work.tx, policyId);
      return (await this.repository.updatePolicy(work.tx, policyId, { ...values, updatedAt: this.clock.now() })) as PolicyRow;
    });
  }

  async remove(meta: RequestMeta, id: string): Promise<PolicyRow> {
    const policyId = validateId(id);
    return this.transactor.run(meta, { action: 'remediation.delete', targetType: 'remediationPolicy', targetId: policyId }, async (work) => {
      const existing = await this.repository.policy(work.tx, policyId);
      if (!existing) throw new NotFoundError('remediation policy', policyId);
      await this.repository.deletePolicy(work.tx, policyId);
      return existing;
    });
  }

  async setEnabled(meta: RequestMeta, id: string, enabled: boolean): Promise<PolicyRow> {
    const policyId = validateId(id);
    return this.transactor.run(
      meta,
      { action: enabled ? 'remediation.enable' : 'remediation.disable', targetType: 'remediationPolicy', targetId: policyId },
      async (work) => {
        const updated = await this.repository.updatePolicy(work.tx, policyId, { enabled, updatedAt: this.clock.now() });
        if (!updated) throw new NotFoundError('remediation policy', policyId);
        return updated;
      },
    );
  }

  /** Lets a policy heal a node it stopped for (or every node it holds). */
  async release(meta: RequestMeta, id: string, nodeId: string | null): Promise<PolicyRow> {
    const policyId = validateId(id);
    const node = nodeId ? validateId(nodeId, 'node') : undefined;
    return this.transactor.run(meta, { action: 'remediation.release', targetType: 'remediationPolicy', targetId: policyId, args: { node } }, async (work) => {
      const policy = await this.repository.policy(work.tx, policyId);
      if (!policy) throw new NotFoundError('remediation policy', policyId);
      if ((await this.repository.release(work.tx, policyId, node)) === 0) throw new NotFoundError('node held by the policy', node ?? policy.name);
      return policy;
    });
  }

  policies(): Promise<PolicyRow[]> {
    return this.repository.policies(this.db);
  }

  async find(reference: string): Promise<PolicyRow | undefined> {
    const text = validateText(reference, 'policy', 200);
    return isUuid(text) ? this.repository.policy(this.db, text.toLowerCase()) : this.repository.policyByName(this.db, text);
  }

  actions(policyId: string, limit = 50): Promise<ActionRow[]> {
    return this.repository.actions(this.db, policyId, limit);
  }

  /** The nodes one policy holds back. */
  async holdsOf(policy: PolicyRow): Promise<(HoldRow & { policyName: string })[]> {
    return (await this.repository.holds(this.db, policy.id)).map((hold) => ({ ...hold, policyName: policy.name }));
  }

  /** Nodes held back by a policy (all policies when none is named). */
  async holds(policyName?: string | null): Promise<(HoldRow & { policyName: string })[]> {
    const policies = new Map((await this.repository.policies(this.db)).map((policy) => [policy.id, policy.name]));
    const policy = policyName ? [...policies].find(([, name]) => name === policyName)?.[0] : undefined;
    if (policyName && !policy) return [];
    return (await this.repository.holds(this.db, policy)).map((hold) => ({ ...hold, policyName: policies.get(hold.policyId) ?? '' }));
  }

  // --- the pass ---

  async #pass(): Promise<void> {
    for (const policy of await this.repository.policies(this.db, { enabledOnly: true })) {
      try {
        await this.#heal(policy);
      } catch (error) {
        this.logger.error({ err: error, policy: policy.name }, 'remediation pass failed');
      }
    }
  }

  async #heal(policy: PolicyRow): Promise<void> {
    const now = this.clock.now();
    const held = new Set((await this.repository.holds(this.db, policy.id)).map((hold) => hold.nodeId));
    const nodes = (await this.ports.nodesWithStatus(policy.target, policy.statuses)).filter(
      (node) =>
        !held.has(node.id) && (!policy.causes || policy.causes.includes(node.statusCause)) && now.getTime() - node.statusSince.getTime() >= policy.forMs,
    );
    const meta: RequestMeta = { actor: { type: 'SYSTEM', name: `policy:${policy.name}` }, requestId: `policy:${policy.id}` };
    for (const node of nodes) {
      const restarts = await this.repository.restartsSince(this.db, policy.id, node.id, new Date(now.getTime() - HOUR));
      const last = restarts[0];
      if (last?.operationId) {
        const operation = await this.ports.operation(last.operationId);
        if (operation && !TERMINAL.includes(operation.state)) continue;
        const ended = operation?.finishedAt ?? last.at;
        if (node.statusSince >= last.at && now.getTime() - ended.getTime() <= policy.flapWindowMs + policy.forMs) {
          const after = Math.max(0, Math.round((node.statusSince.getTime() - ended.getTime()) / 1000));
          await this.#stop(meta, policy, node, `flapping: ${node.name} was down again ${after} s after its restart ended (${operation?.state ?? 'unknown'})`);
          continue;
        }
      }
      if (restarts.length >= policy.maxRestartsPerHour) {
        await this.#stop(meta, policy, node, `${node.name} was restarted ${restarts.length} times in the last hour, the policy's limit`);
        continue;
      }
      await this.#restart(meta, policy, node, restarts.length);
    }
  }

  async #restart(
    meta: RequestMeta,
    policy: PolicyRow,
    node: { id: string; name: string; statusCause: StatusCause; statusSince: Date },
    restartsThisHour: number,
  ): Promise<void> {
    const since = Math.round((this.clock.now().getTime() - node.statusSince.getTime()) / 1000);
    const description = `self-healing: policy ${policy.name} restarts ${node.name} (${node.statusCause.toLowerCase().replaceAll('_', ' ')} for ${since} s)`;
    const key = `remediation:${policy.id}:${node.id}:${node.statusSince.toISOString()}:${restartsThisHour}`;
    try {
      const start = await this.ports.prepareRestart(node.id, description, key);
      // The restart, the policy's action and the alerts' link commit together: the hourly count never misses a restart.
      const audited = { action: 'remediation.restart', targetType: 'operation', args: { policy: policy.name, nodeId: node.id, node: node.name } };
      await this.transactor.run(meta, audited, async (work) => {
        const operation = await start(work, meta);
        work.target(operation.id);
        await this.repository.recordAction(work.tx, {
          policyId: policy.id,
          nodeId: node.id,
          nodeName: node.name,
          operationId: operation.id,
          at: this.clock.now(),
          outcome: 'RESTARTED',
          message: description,
        });
        await this.ports.linkAlerts(work, node.id, operation.id, policy.name);
      });
    } catch (error) {
      this.logger.warn({ err: error, policy: policy.name, node: node.name }, 'a self-healing restart could not start');
    }
  }

  async #stop(meta: RequestMeta, policy: PolicyRow, node: { id: string; name: string; clusterId: string; clusterName: string }, reason: string): Promise<void> {
    await this.transactor.run(
      meta,
      { action: 'remediation.stop', targetType: 'node', targetId: node.id, args: { policy: policy.name, reason } },
      async (work) => {
        const now = this.clock.now();
        await this.repository.hold(work.tx, {
          policyId: policy.id,
          nodeId: node.id,
          nodeName: node.name,
          clusterId: node.clusterId,
          clusterName: node.clusterName,
          since: now,
          reason,
        });
        await this.repository.recordAction(work.tx, {
          policyId: policy.id,
          nodeId: node.id,
          nodeName: node.name,
          operationId: null,
          at: now,
          outcome: 'STOPPED',
          message: reason,
        });
      },
    );
    this.logger.warn({ policy: policy.name, node: node.name, reason }, 'self-healing stopped for a node');
  }
}
