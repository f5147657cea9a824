import { createHash } from 'node:crypto';
import { counted } from '@opscenter/agent/shared/text';
import type { Clock } from '../../clock.ts';
import type { Database, Executor } from '../../db/client.ts';
import { actorId, actorName, type RequestMeta } from '../../shared/actor.ts';
import { NotFoundError, ValidationError } from '../../shared/domain-error.ts';
import { checkPage, type Page, type PageArgs, toPage } from '../../shared/pagination.ts';
import type { Transactor, UnitOfWork } from '../../shared/transactor.ts';
import { validateId, validateText } from '../../shared/validation.ts';
import type { LivenessService } from '../liveness/liveness.service.ts';
import type { NodesService } from '../nodes/nodes.service.ts';
import { InvalidTargetError } from '../targets/targets.errors.ts';
import type { TargetsService } from '../targets/targets.service.ts';
import type { Target, TargetInput } from '../targets/targets.types.ts';
import { clusterBudget, managersCount } from './operations.budget.ts';
import { counts } from './operations.decide.ts';
import { changeFor, changeIsEmpty, type DeployChange, type Deployment, type DeployPlanner, type DeploySource, type NodeFile } from './operations.deploy.ts';
import type { OperationsEngine } from './operations.engine.ts';
import { BaselineConflictError, IdempotencyKeyReusedError, NothingToDeployError, OperationStateError } from './operations.errors.ts';
import { operationEvent } from './operations.events.ts';
import type { OperationFilter, OperationsRepository } from './operations.repository.ts';
import { type Budget, budgetsFor, normalizeStrategy, type PlannedStep, planSteps, type Strategy, type StrategyInput } from './operations.strategy.ts';
import type { OperationKind, OperationRow, OperationState, StepRow, StepState } from './operations.table.ts';

export interface OperationInput {
  kind: OperationKind;
  target: TargetInput;
  strategy?: StrategyInput | null;
  description?: string | null;
  /** DEPLOY: what to deliver; without it, each node's baselines. */
  deploy?: DeploySource | null;
}

/** Starts a planned operation within the caller's transaction; `audited` is what its audit row records. */
export type PreparedOperation = ((work: UnitOfWork, meta: RequestMeta) => Promise<OperationRow>) & { audited: Record<string, unknown> };

export interface ClusterBudgetCheck extends Budget {
  clusterId: string;
  unavailableNow: number;
  ok: boolean;
  reason: string;
}

export interface OperationPlan {
  kind: OperationKind;
  description: string;
  target: Target;
  strategy: Strategy;
  steps: (PlannedStep & { change?: DeployChange })[];
  budgets: ClusterBudgetCheck[];
  warnings: string[];
  /** DEPLOY: what it delivers. */
  deploy: DeploySource | null;
  /** DEPLOY: files that equally specific baselines want differently on a node of the target; such an operation is refused. */
  conflicts: string[];
}

function deploySource(input: DeploySource | null | undefined): DeploySource {
  const itemIds = input?.itemIds ?? null;
  if (itemIds === null) return { itemIds: null };
  if (itemIds.length === 0)
    throw new ValidationError('INVALID_ARGUMENT', 'Name at least one content item, or leave out items to deploy the baselines.', 'items');
  if (itemIds.length > 500) throw new ValidationError('BATCH_TOO_LARGE', 'A DEPLOY may name at most 500 items.', 'items');
  return { itemIds: [...new Set(itemIds.map((id) => validateId(id, 'items')))] };
}

export class OperationsService {
  constructor(
    private readonly db: Database,
    private readonly repository: OperationsRepository,
    private readonly nodes: NodesService,
    private readonly targets: TargetsService,
    private readonly engine: OperationsEngine,
    private readonly liveness: LivenessService,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
    private readonly deployPlanner: DeployPlanner,
  ) {}

  /** The dry run: which nodes, in which batches, and whether each cluster's budget allows starting now. Nothing runs. */
  async plan(input: OperationInput): Promise<OperationPlan> {
    const strategy = normalizeStrategy(input.strategy);
    const description = validateText(input.description ?? '', 'description', 500);
    if (input.kind === 'RESTART' && !input.target.nodes)
      throw new InvalidTargetError(
        'A RESTART names its nodes explicitly (target: { nodes: [...] }); use ROLLING_RESTART for clusters, tags or the whole system.',
      );
    const deploy = input.kind === 'DEPLOY' ? deploySource(input.deploy) : null;
    if (input.kind !== 'DEPLOY' && input.deploy) throw new ValidationError('INVALID_ARGUMENT', 'deploy is given with kind DEPLOY only.', 'deploy');
    if (deploy && strategy.includeManagers)
      throw new ValidationError(
        'INVALID_ARGUMENT',
        'A DEPLOY changes workers only; managers are not deployed to (leave out includeManagers).',
        'includeManagers',
      );
    if (!deploy && strategy.rollbackOnFailure)
      throw new ValidationError('INVALID_ARGUMENT', 'rollbackOnFailure applies to DEPLOY only: a restart has nothing to undo.', 'rollbackOnFailure');
    const target = await this.targets.normalize(input.target);
    const restarted = (role: string) => role === 'WORKER' || strategy.includeManagers || input.kind === 'RESTART';
    const members = (await this.nodes.members(target)).filter((node) => restarted(node.role));
    if (members.length === 0)
      throw new InvalidTargetError('The target has no nodes to restart (nodes that left, and managers unless includeManagers, are not restarted).');
    const { listed, changes, conflicts } = deploy ? await this.#deployChanges(members, deploy) : { listed: members, changes: null, conflicts: [] };
    if (listed.length === 0) return this.#nothingToDeploy(input, description, target, strategy, deploy, conflicts);
    const clusterIds = [...new Set(listed.map((node) => node.clusterId))];
    const managers = managersCount(listed);
    const clusterMembers = (await this.nodes.members({ kind: 'CLUSTERS', clusterIds })).filter((node) => node.role === 'WORKER' || managers);
    const clusters = clusterIds.map((id) => {
      const all = clusterMembers.filter((node) => node.clusterId === id);
      return { id, name: all[0]?.clusterName ?? id, size: all.length };
    });
    const budgets = budgetsFor(strategy, clusters);
    if (strategy.canary > listed.length)
      throw new ValidationError('INVALID_ARGUMENT', `canary is ${strategy.canary} but the target has only ${counted(listed.length, 'node')}.`, 'canary');
    // Ordered and judged by the statuses the engine sees, so that the plan's answer is the engine's.
    const live = new Map(clusterIds.map((id) => [id, new Map(this.liveness.conditions(id).nodes.map((node) => [node.nodeId, node.status]))]));
    const planned = listed.map((node) => ({ ...node, status: live.get(node.clusterId)?.get(node.id) ?? node.status }));
    const steps = planSteps(planned, strategy).map((step) => (changes ? { ...step, change: changes.get(step.id) } : step));
    const checks = clusters.map((cluster) =>
      this.#check(cluster.id, budgets[cluster.id], managers, steps.find((step) => step.clusterId === cluster.id)?.id ?? null),
    );
    const warnings = [...conflicts, ...checks.filter((check) => !check.ok).map((check) => `${check.clusterName}: ${check.reason}`)];
    return { kind: input.kind, description, target, strategy, steps, budgets: checks, warnings, deploy, conflicts };
  }

  /** The workers a DEPLOY changes, and how; workers that already have what they must have are left out. */
  async #deployChanges<Member extends { id: string; name: string; clusterName: string }>(members: Member[], deploy: DeploySource) {
    const drifts = await this.deployPlanner.drift(
      members.map((member) => member.id),
      deploy.itemIds,
    );
    const byNode = new Map(drifts.map((drift) => [drift.nodeId, drift]));
    const changes = new Map<string, DeployChange>();
    const conflicts: string[] = [];
    for (const member of members) {
      const drift = byNode.get(member.id);
      if (!drift) continue;
      for (const conflict of drift.conflicts) conflicts.push(`${member.clusterName}/${member.name}: ${conflict}`);
      const change = changeFor(drift.drift, deploy);
      if (!changeIsEmpty(change)) changes.set(member.id, change);
    }
    return { listed: members.filter((member) => changes.has(member.id)), changes, conflicts };
  }

  #nothingToDeploy(
    input: OperationInput,
    description: string,
    target: Target,
    strategy: Strategy,
    deploy: DeploySource | null,
    conflicts: string[],
  ): OperationPlan {
    const warnings = [
      ...conflicts,
      conflicts.length > 0
        ? 'Nothing can be deployed until the baselines agree: every other file of the target’s workers is in sync.'
        : 'Nothing to deploy: every worker of the target already has what it must have.',
    ];
    return { kind: input.kind, description, target, strategy, steps: [], budgets: [], warnings, deploy, conflicts };
  }

  /**
   * Each cluster's budget of an operation, judged now: for the step the engine would start next
   * there, so that this says what the engine does (without one, whether a node could be taken down).
   */
  async budgets(operation: OperationRow): Promise<ClusterBudgetCheck[]> {
    const steps = await this.repository.steps(this.db, operation.id);
    const pending = this.engine.isTerminal(operation.state)
      ? []
      : steps.filter((step) => step.state === 'PENDING').sort((a, b) => a.batch - b.batch || a.position - b.position);
    return Object.entries(operation.budgets).map(([clusterId, budget]) =>
      this.#check(clusterId, budget, managersCount(steps), pending.find((step) => step.clusterId === clusterId)?.nodeId ?? null),
    );
  }

  #check(clusterId: string, budget: Budget, managers: boolean, stepNodeId: string | null): ClusterBudgetCheck {
    const answer = clusterBudget(budget, managers, this.liveness.conditions(clusterId), stepNodeId);
    return { ...budget, clusterId, unavailableNow: answer.unavailable.length, ok: answer.ok, reason: answer.reason };
  }

  /** Creates an operation; the same idempotency key with the same input returns the same operation. */
  async create(meta: RequestMeta, input: OperationInput & { idempotencyKey?: string | null }): Promise<OperationRow> {
    const start = await this.prepare(input);
    return this.transactor.run(meta, { action: 'operation.create', targetType: 'operation', args: start.audited }, async (work) => {
      const row = await start(work, meta);
      work.target(row.id);
      return row;
    });
  }

  /**
   * Plans an operation (reading the fleet, outside any transaction) and returns what starts it
   * within a caller's transaction, so a caller can commit it with its own changes. Started with
   * an idempotency key that already named an operation, it returns that operation.
   */
  async prepare(input: OperationInput & { idempotencyKey?: string | null }): Promise<PreparedOperation> {
    const key = input.idempotencyKey ? validateText(input.idempotencyKey, 'idempotencyKey', 200) : null;
    const plan = await this.plan(input);
    const hash = createHash('sha256')
      .update(JSON.stringify([plan.kind, plan.target, plan.strategy, plan.description, ...(plan.deploy ? [plan.deploy] : [])]))
      .digest('hex');
    const start = async (work: UnitOfWork, meta: RequestMeta) => {
      if (key) {
        const existing = await this.repository.findByIdempotencyKey(work.tx, key);
        if (existing && existing.inputHash !== hash) throw new IdempotencyKeyReusedError(key);
        if (existing) return existing;
      }
      this.checkStartable(plan);
      return this.insert(work, plan, meta, { idempotencyKey: key, inputHash: hash });
    };
    return Object.assign(start, {
      audited: { kind: plan.kind, target: plan.target, strategy: plan.strategy, idempotencyKey: key, ...(plan.deploy ? { deploy: plan.deploy } : {}) },
    });
  }

  /** Stores a planned operation within the caller's transaction; the engine picks it up once that commits. */
  async insert(
    work: UnitOfWork,
    plan: OperationPlan,
    meta: RequestMeta,
    extra: { idempotencyKey?: string | null; inputHash?: string; scheduleId?: string; scheduledFor?: Date },
  ): Promise<OperationRow> {
    const now = this.clock.now();
    const row = await this.repository.insert(work.tx, {
      kind: plan.kind,
      description: plan.description,
      target: plan.target,
      strategy: plan.strategy,
      deploy: plan.deploy,
      budgets: Object.fromEntries(plan.budgets.map(({ clusterId, clusterName, size, maxUnavailable }) => [clusterId, { clusterName, size, maxUnavailable }])),
      state: 'PENDING',
      stateReason: 'starting',
      requestedBy: actorName(meta.actor),
      requestedById: actorId(meta.actor),
      idempotencyKey: extra.idempotencyKey ?? null,
      inputHash: extra.inputHash ?? '',
      scheduleId: extra.scheduleId ?? null,
      scheduledFor: extra.scheduledFor ?? null,
      createdAt: now,
      lastProgressAt: now,
    });
    const steps = await this.repository.insertSteps(
      work.tx,
      plan.steps.map((step) => ({
        operationId: row.id,
        batch: step.batch,
        position: step.position,
        canary: step.canary,
        clusterId: step.clusterId,
        clusterName: step.clusterName,
        nodeId: step.id,
        nodeName: step.name,
        role: step.role,
        change: step.change ?? null,
      })),
    );
    work.emit(operationEvent(row, counts(steps)));
    work.afterCommit.push(() => this.engine.track(row, steps));
    return row;
  }

  /** Refuses a plan that may not be started: a DEPLOY with conflicting baselines, or with nothing to change. */
  checkStartable(plan: OperationPlan): void {
    if (plan.conflicts.length > 0) throw new BaselineConflictError(plan.conflicts);
    if (plan.steps.length === 0) throw new NothingToDeployError();
  }

  /** How many steps of unfinished operations are in each state. */
  activeStepCounts(): Promise<{ state: StepState; count: number }[]> {
    return this.repository.activeStepCounts(this.db);
  }

  /** The unfinished DEPLOY operations that put a content item on some node. */
  deploying(itemId: string, db: Executor = this.db): Promise<string[]> {
    return this.repository.activeDeploying(db, itemId);
  }

  /**
   * For each file, the DEPLOY that last put these bytes under this name on its node, or null when
   * none did (installed by hand, or before the OC managed it): in the order of `files`, with one
   * query for all of them.
   */
  async deployedBy(files: readonly NodeFile[]): Promise<(Deployment | null)[]> {
    const steps = await this.repository.succeededDeploySteps(this.db, files);
    const isFile = (file: NodeFile) => (installed: Omit<NodeFile, 'nodeId'>) =>
      installed.kind === file.kind && installed.name === file.name && installed.sha256 === file.sha256;
    return files.map((file) => {
      const step = steps.find((candidate) => candidate.nodeId === file.nodeId && candidate.installed.some(isFile(file)));
      if (!step) return null;
      const installed = step.installed.find(isFile(file));
      return { operationId: step.operationId, requestedBy: step.requestedBy, appliedAt: step.finishedAt, version: installed?.version ?? null };
    });
  }

  /** A schedule's operations that have not finished. */
  activeOfSchedule(scheduleId: string): Promise<OperationRow[]> {
    return this.repository.activeOfSchedule(this.db, scheduleId);
  }

  pause(meta: RequestMeta, id: string) {
    return this.#control(meta, id, 'pause', (row) => {
      if (!['RUNNING', 'WAITING', 'PENDING', 'AWAITING_PROMOTION'].includes(row.state)) throw new OperationStateError('pause', row.state);
      return { state: 'PAUSED', stateReason: `paused by ${actorName(meta.actor)}; steps in flight finish` };
    });
  }

  resume(meta: RequestMeta, id: string) {
    return this.#control(meta, id, 'resume', (row) => {
      if (row.state !== 'PAUSED') throw new OperationStateError('resume', row.state);
      return { state: 'RUNNING', stateReason: `resumed by ${actorName(meta.actor)}` };
    });
  }

  cancel(meta: RequestMeta, id: string) {
    return this.#control(meta, id, 'cancel', (row) => {
      if (this.engine.isTerminal(row.state)) throw new OperationStateError('cancel', row.state);
      return { cancelRequested: true, stateReason: `cancelled by ${actorName(meta.actor)}; steps in flight finish` };
    });
  }

  promote(meta: RequestMeta, id: string) {
    return this.#control(meta, id, 'promote', (row) => {
      if (row.state !== 'AWAITING_PROMOTION') throw new OperationStateError('promote', row.state);
      return { promoted: true, state: 'RUNNING', stateReason: `promoted by ${actorName(meta.actor)}` };
    });
  }

  async #control(meta: RequestMeta, id: string, action: string, change: (row: OperationRow) => Partial<OperationRow> & { state?: OperationState }) {
    const operationId = validateId(id);
    return this.engine.control(operationId, (tracked) =>
      this.transactor.run(meta, { action: `operation.${action}`, targetType: 'operation', targetId: operationId }, async (work) => {
        const current = tracked?.row ?? (await this.repository.find(work.tx, operationId));
        if (!current) throw new NotFoundError('operation', operationId);
        const updated = await this.repository.update(work.tx, operationId, change(current));
        work.emit(operationEvent(updated, counts(tracked?.steps ?? (await this.repository.steps(work.tx, operationId)))));
        return updated;
      }),
    );
  }

  find(id: string): Promise<OperationRow | undefined> {
    return this.repository.find(this.db, validateId(id));
  }

  /** Operations that ended FAILED or TIMED_OUT since `since`, with the clusters they touched (for alerts). */
  failedSince(since: Date) {
    return this.repository.endedSince(this.db, ['FAILED', 'TIMED_OUT'], since);
  }

  async list(filter: OperationFilter, pageArgs: PageArgs): Promise<Page<OperationRow>> {
    const request = checkPage(pageArgs, 2);
    const rows = await this.repository.list(this.db, filter, request.first + 1, request.after as [string, string] | null);
    return toPage(
      rows,
      request,
      (row) => [row.createdAt.toISOString(), row.id],
      () => this.repository.count(this.db, filter),
    );
  }

  async steps(operationId: string, pageArgs: PageArgs): Promise<Page<StepRow>> {
    const request = checkPage(pageArgs, 1);
    const rows = await this.repository.stepsPage(this.db, operationId, request.first + 1, request.after ? Number(request.after[0]) : null);
    return toPage(
      rows,
      request,
      (row) => [row.position],
      async () => (await this.repository.steps(this.db, operationId)).length,
    );
  }

  allSteps(operationId: string): Promise<StepRow[]> {
    return this.repository.steps(this.db, operationId);
  }
}
