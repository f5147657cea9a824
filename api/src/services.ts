import type { DeployItemKind } from '@opscenter/agent/shared/deploy-protocol';
import type { Clock } from './clock.ts';
import type { ServerConfig } from './config.ts';
import type { Database } from './db/client.ts';
import type { Logger } from './logger.ts';
import { AccountsRepository } from './modules/accounts/accounts.repository.ts';
import { AccountsService } from './modules/accounts/accounts.service.ts';
import { AgentsRepository } from './modules/agents/agents.repository.ts';
import { AgentsService } from './modules/agents/agents.service.ts';
import type { AlertSources } from './modules/alerts/alerts.conditions.ts';
import { AlertEvaluator } from './modules/alerts/alerts.evaluator.ts';
import { AlertsRepository } from './modules/alerts/alerts.repository.ts';
import { AlertsService } from './modules/alerts/alerts.service.ts';
import { AuditRepository } from './modules/audit/audit.repository.ts';
import { AuditService } from './modules/audit/audit.service.ts';
import { AvailabilityService, availabilityPercent } from './modules/availability/availability.service.ts';
import { BaselinesRepository } from './modules/baselines/baselines.repository.ts';
import { BaselinesService } from './modules/baselines/baselines.service.ts';
import { ClustersRepository } from './modules/clusters/clusters.repository.ts';
import { ClustersService } from './modules/clusters/clusters.service.ts';
import { CommandsRepository } from './modules/commands/commands.repository.ts';
import { CommandsService } from './modules/commands/commands.service.ts';
import { ContentRepository } from './modules/content/content.repository.ts';
import { ContentService } from './modules/content/content.service.ts';
import { DatabaseBlobStore, FileBlobStore } from './modules/content/content.store.ts';
import { EventBus } from './modules/events/events.bus.ts';
import { EventsRepository } from './modules/events/events.repository.ts';
import { EventsService } from './modules/events/events.service.ts';
import { AppliedContentRepository } from './modules/inventory/inventory.applied.repository.ts';
import { AppliedContentService } from './modules/inventory/inventory.applied.ts';
import { InventoryRepository } from './modules/inventory/inventory.repository.ts';
import { InventoryService } from './modules/inventory/inventory.service.ts';
import { LivenessRepository } from './modules/liveness/liveness.repository.ts';
import { LivenessService } from './modules/liveness/liveness.service.ts';
import { MetricsService } from './modules/metrics/metrics.service.ts';
import { NodesRepository } from './modules/nodes/nodes.repository.ts';
import { NodesService } from './modules/nodes/nodes.service.ts';
import { NotificationsRepository } from './modules/notifications/notifications.repository.ts';
import { NotificationsService } from './modules/notifications/notifications.service.ts';
import type { DeployPlanner } from './modules/operations/operations.deploy.ts';
import { OperationsEngine } from './modules/operations/operations.engine.ts';
import { OperationsRepository } from './modules/operations/operations.repository.ts';
import { OperationsService } from './modules/operations/operations.service.ts';
import { RemediationRepository } from './modules/remediation/remediation.repository.ts';
import { RemediationService } from './modules/remediation/remediation.service.ts';
import { SchedulesRepository } from './modules/schedules/schedules.repository.ts';
import { Scheduler } from './modules/schedules/schedules.scheduler.ts';
import { type BaselineDirectory, SchedulesService } from './modules/schedules/schedules.service.ts';
import { StatusPageRepository } from './modules/status-page/status-page.repository.ts';
import { StatusPageService } from './modules/status-page/status-page.service.ts';
import { TagsRepository } from './modules/tags/tags.repository.ts';
import { TagsService } from './modules/tags/tags.service.ts';
import { targetInput } from './modules/targets/targets.rules.ts';
import { TargetsService } from './modules/targets/targets.service.ts';
import { ThrottleRepository } from './modules/throttle/throttle.repository.ts';
import { DEFAULT_THROTTLE, ThrottleService } from './modules/throttle/throttle.service.ts';
import { Transactor } from './shared/transactor.ts';

export interface ServiceDeps {
  db: Database;
  /** Where shared state such as login throttling lives: in memory on the embedded database, in PostgreSQL on a server. */
  databaseEngine: 'pglite' | 'postgres';
  /** Where content bytes live on the embedded database (on PostgreSQL they live in the database). */
  contentDirectory: string;
  clock: Clock;
  config: ServerConfig;
  logger: Logger;
}

/** Wires every repository and service of the OC; the one place that knows them all. */
export function createServices({ db, databaseEngine, contentDirectory, clock, config, logger }: ServiceDeps) {
  const log = (module: string) => logger.child({ module });
  const eventsRepository = new EventsRepository();
  const bus = new EventBus((after, upTo) => eventsRepository.readAfter(db, after, upTo), log('events'));
  const events = new EventsService(db, eventsRepository, bus, config.eventRetention, log('events'));
  const auditRepository = new AuditRepository();
  const eventLog = { append: eventsRepository.append.bind(eventsRepository), publish: bus.publish.bind(bus) };
  const transactor = new Transactor(db, eventLog, auditRepository, clock, log('transactor'));
  const audit = new AuditService(db, auditRepository);

  const clustersRepository = new ClustersRepository();
  const nodesRepository = new NodesRepository();
  const tagsRepository = new TagsRepository();
  const livenessRepository = new LivenessRepository();

  const throttle = new ThrottleService(
    db,
    new ThrottleRepository(),
    { ...DEFAULT_THROTTLE, store: databaseEngine === 'postgres' ? 'postgres' : 'memory', anonymousMutationsPerMinute: config.anonymousMutationsPerMinute },
    log('throttle'),
  );
  const accounts = new AccountsService(
    db,
    new AccountsRepository(),
    transactor,
    throttle,
    clock,
    { sessionTtlMs: config.sessionTtl, apiTokenMaxLifetimeMs: config.apiTokenMaxLifetime },
    log('accounts'),
  );
  const tags = new TagsService(
    db,
    tagsRepository,
    { nodes: (tx, ids) => nodesRepository.findMany(tx, [...ids]), clusters: (tx, ids) => clustersRepository.findMany(tx, [...ids]) },
    transactor,
  );
  const liveness = new LivenessService(
    db,
    livenessRepository,
    tags,
    { clusters: (clusterId) => clustersRepository.infos(db, clusterId), nodes: (clusterId) => nodesRepository.identities(db, clusterId) },
    transactor,
    clock,
    {
      intervalMs: config.heartbeatInterval,
      suspectAfter: config.suspectAfter,
      downAfter: config.downAfter,
      managerLeaseMs: config.managerLease,
      warmupMs: config.warmup,
      sweepIntervalMs: config.sweepInterval,
      maxBatch: config.maxHeartbeatBatch,
      statsRetentionMs: config.statsRetention,
    },
    log('liveness'),
  );
  const targets = new TargetsService({
    clustersByIdOrName: (ids, names) => clustersRepository.byIdsOrNames(db, ids, names),
    existingNodeIds: (ids) => nodesRepository.existingIds(db, ids),
  });
  const clusters = new ClustersService(db, clustersRepository, tags, liveness, transactor, clock);
  const nodes = new NodesService(db, nodesRepository, clusters, liveness, tags, targets, transactor, clock, config.maxHeartbeatBatch);
  const agents = new AgentsService(db, new AgentsRepository(), clusters, nodes, tags, liveness, transactor, clock, {
    enrollmentTokenTtlMs: config.enrollmentTokenTtl,
    credentialTtlMs: config.agentCredentialTtl,
    credentialGraceMs: config.agentCredentialGrace,
  });
  clusters.onRemoved((clusterId) => agents.forgetCluster(clusterId));
  const commands = new CommandsService(db, new CommandsRepository(), nodes, transactor, clock);
  const operationsRepository = new OperationsRepository();
  const engine = new OperationsEngine(db, operationsRepository, commands, liveness, transactor, clock, { tickMs: config.operationsTick }, log('operations'));
  const deployPlanner: DeployPlanner = {
    drift: async (nodeIds, itemIds) =>
      (await inventory.driftWithConflicts(nodeIds, itemIds)).map(({ nodeId, drift, conflicts }) => ({
        nodeId,
        conflicts,
        drift: drift.map((file) => ({
          kind: file.kind as DeployItemKind,
          name: file.name,
          state: file.state,
          wanted: file.wanted && {
            itemId: file.wanted.item.id,
            version: file.wanted.item.version,
            sha256: file.wanted.sha256,
            size: file.wanted.rendered === null ? file.wanted.item.size : Buffer.byteLength(file.wanted.rendered),
            requiresRestart: file.wanted.item.requiresRestart,
            rendered: file.wanted.rendered,
          },
        })),
      })),
  };
  const operations = new OperationsService(db, operationsRepository, nodes, targets, engine, liveness, transactor, clock, deployPlanner);
  const availability = new AvailabilityService(liveness, targets, nodes, clock);
  const statusPage = new StatusPageService(db, new StatusPageRepository(), targets, nodes, availability, transactor, clock, async (id) =>
    Boolean(await alerts.find(id)),
  );
  const schedulesRepository = new SchedulesRepository();
  const baselineDirectory: BaselineDirectory = {
    find: async (idOrName) => {
      const found = await baselines.find(idOrName);
      const current = found && (await baselines.version(found.id, found.currentVersion));
      return found && current ? { id: found.id, name: found.name, target: current.target } : undefined;
    },
  };
  const schedules = new SchedulesService(db, schedulesRepository, operations, transactor, clock, baselineDirectory);
  const scheduler = new Scheduler(db, schedulesRepository, operations, transactor, clock, config.scheduleTick, log('scheduler'), baselineDirectory);
  const contentRepository = new ContentRepository();
  const content = new ContentService(
    db,
    contentRepository,
    databaseEngine === 'postgres' ? new DatabaseBlobStore(db, contentRepository, clock) : new FileBlobStore(contentDirectory),
    transactor,
    clock,
    config.maxUploadBytes,
    {
      baselinesListing: (tx, itemId): Promise<string[]> => baselines.usingItem(itemId, tx),
      deploymentsOf: (tx, itemId): Promise<string[]> => operations.deploying(itemId, tx),
    },
  );
  const baselines = new BaselinesService(db, new BaselinesRepository(), targets, content, nodes, clusters, tags, transactor, clock, {
    removed: (work, baselineId) => schedules.removeEnforcement(work, baselineId),
  });
  const inventory = new InventoryService(
    db,
    new InventoryRepository(),
    clusters,
    nodes,
    tags,
    liveness,
    transactor,
    clock,
    config.maxHeartbeatBatch,
    baselines,
    targets,
  );
  const appliedContent = new AppliedContentService(db, new AppliedContentRepository(), nodes, targets, {
    deployedBy: (files) => operations.deployedBy(files),
    itemsWithSha256s: (sha256s) => content.withSha256s(sha256s),
  });

  const notifications = new NotificationsService(
    db,
    new NotificationsRepository(),
    transactor,
    clock,
    {
      head: () => bus.head,
      readAfter: (tx, after, limit) => eventsRepository.readAfter(tx, after, after + limit),
      oldest: async (tx) => (await eventsRepository.bounds(tx)).oldest,
    },
    {
      tickMs: config.notificationTick,
      defaultMaxAttempts: config.notificationMaxAttempts,
      backoffBaseMs: config.notificationBackoff,
      backoffCapMs: config.notificationBackoffMax,
      retentionMs: config.notificationRetention,
    },
    log('notifications'),
  );
  const alertSources: AlertSources = {
    members: (target) => nodes.members(target),
    withStatus: (target, statuses) => nodes.withStatus(target, statuses),
    clusterHealth: (clusterIds) => clusters.health(clusterIds),
    averagesAbove: (nodeIds, metric, since, above) => liveness.averagesAbove(nodeIds, metric, since, above),
    seriesOf: (nodeIds, metric, since) => liveness.seriesOf(nodeIds, metric, since),
    failedOperations: (since) => operations.failedSince(since),
    missedRuns: (since) => schedules.missedSince(since),
    maintenanceOperations: (nodeIds) => liveness.maintenanceOperations(nodeIds),
    remediationHolds: (policy) => remediation.holds(policy),
    filesOutOfSync: async (nodeIds) =>
      (await inventory.drift(nodeIds)).map((files) => (files.some((file) => file.wanted) ? files.filter((file) => file.state !== 'IN_SYNC').length : 0)),
    availabilityOf: async (target, since) =>
      (await availability.report(targetInput(target), since, null, 1)).nodes.map((node) => ({ nodeId: node.nodeId, percent: availabilityPercent(node) })),
  };
  const remediation = new RemediationService(
    db,
    new RemediationRepository(),
    targets,
    {
      nodesWithStatus: (target, statuses) => nodes.withStatus(target, statuses),
      operation: (id) => operations.find(id),
      prepareRestart: (nodeId, description, idempotencyKey) =>
        operations.prepare({ kind: 'RESTART', target: { nodes: [nodeId] }, description, idempotencyKey }),
      linkAlerts: (work, nodeId, operationId, policyName) => alerts.remediated(work, nodeId, operationId, policyName),
    },
    transactor,
    clock,
    config.remediationInterval,
    log('remediation'),
  );
  const alertsRepository = new AlertsRepository();
  const alerts = new AlertsService(db, alertsRepository, targets, notifications, transactor, clock);
  const alertEvaluator = new AlertEvaluator(
    db,
    alertsRepository,
    alertSources,
    notifications,
    transactor,
    clock,
    { intervalMs: config.alertEvaluationInterval, retentionMs: config.alertRetention },
    log('alerts'),
  );
  const metrics = new MetricsService({
    fleetByCluster: () => liveness.fleetByCluster(),
    subscribers: () => bus.listenerCount,
    eventDelivery: () => events.delivery(),
    activeStepCounts: () => operations.activeStepCounts(),
    nodesOf: async (target, limit) => nodes.someMembers(await targets.normalize(target), limit),
    latestOf: (nodeIds) => liveness.latestOf(nodeIds),
  });
  liveness.onBatch((batch) => metrics.recordBatch(batch));
  metrics.gauge('opscenter_alerts', 'Open alerts: firing and pending ones that notify, and those inhibited or silenced.', ['state'], async () =>
    Object.entries(await alerts.counts()).map(([state, value]) => ({ labels: { state }, value })),
  );
  metrics.gauge('opscenter_notification_outbox_depth', 'Notifications waiting for delivery (not yet delivered or dead-lettered).', [], async () => [
    { value: await notifications.depth() },
  ]);

  engine.onFinished((operation) => {
    void scheduler.operationFinished(operation).catch((error) => logger.error({ err: error }, 'could not start a queued schedule run'));
  });

  return {
    accounts,
    agents,
    alertEvaluator,
    alerts,
    appliedContent,
    audit,
    availability,
    baselines,
    clusters,
    commands,
    content,
    engine,
    events,
    inventory,
    liveness,
    metrics,
    nodes,
    notifications,
    operations,
    remediation,
    scheduler,
    schedules,
    statusPage,
    tags,
    targets,
    throttle,
    transactor,
    bus,
    clock,
  };
}

export type Services = ReturnType<typeof createServices>;
