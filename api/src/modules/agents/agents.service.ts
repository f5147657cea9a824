import { LRUCache } from 'lru-cache';
import type { Clock } from '../../clock.ts';
import type { Database } from '../../db/client.ts';
import type { AgentActor, RequestMeta } from '../../shared/actor.ts';
import { CredentialError, NotFoundError, ValidationError } from '../../shared/domain-error.ts';
import { hashToken, newToken } from '../../shared/secrets.ts';
import { topologyEvent } from '../../shared/topology-events.ts';
import type { Transactor } from '../../shared/transactor.ts';
import { isUuid, validateLabels, validateName, validateText } from '../../shared/validation.ts';
import type { ClustersService } from '../clusters/clusters.service.ts';
import type { LivenessService } from '../liveness/liveness.service.ts';
import type { NodesService } from '../nodes/nodes.service.ts';
import type { TagsService } from '../tags/tags.service.ts';
import { EnrollmentClusterMismatchError, EnrollmentTokenExpiredError, EnrollmentTokenInvalidError, EnrollmentTokenUsedError } from './agents.errors.ts';
import type { AgentsRepository } from './agents.repository.ts';

export interface RegistrationInput {
  enrollmentToken: string;
  /** The cluster the manager believes it belongs to, by name or id; must match the token's. */
  cluster: string;
  manager: { name: string; address?: string | null; version?: string | null; labels?: unknown };
}

export interface AgentsOptions {
  enrollmentTokenTtlMs: number;
  /** How long a manager's credential lives; the agent renews it after two thirds of that. */
  credentialTtlMs: number;
  /** How long a renewed credential keeps working, so no heartbeat in flight is lost. */
  credentialGraceMs: number;
}

/** A manager's credential as it is handed out: the secret, when it expires, and when to renew it. */
export interface IssuedCredential {
  credential: string;
  expiresAt: Date;
  renewAfter: Date;
}

const MAX_ENROLLMENT_TTL_MS = 7 * 86_400_000;

export class AgentsService {
  #credentials = new LRUCache<string, AgentActor>({ max: 10_000, ttl: 10_000 });
  #forgetListeners: ((clusterId: string) => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly repository: AgentsRepository,
    private readonly clusters: ClustersService,
    private readonly nodes: NodesService,
    private readonly tags: TagsService,
    private readonly liveness: LivenessService,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
    private readonly options: AgentsOptions,
  ) {}

  /** Issues a single-use token that lets one manager enroll into `cluster`. The token is shown once. */
  async createEnrollmentToken(meta: RequestMeta, clusterRef: string, ttlSeconds?: number | null) {
    const ttlMs = ttlSeconds === null || ttlSeconds === undefined ? this.options.enrollmentTokenTtlMs : ttlSeconds * 1000;
    if (!Number.isInteger(ttlMs) || ttlMs < 60_000 || ttlMs > MAX_ENROLLMENT_TTL_MS)
      throw new ValidationError('INVALID_ARGUMENT', 'expiresInSeconds must be a whole number from 60 to 604800 (7 days).', 'expiresInSeconds');
    const cluster = await this.clusters.find(clusterRef);
    if (!cluster) throw new NotFoundError('cluster', clusterRef);
    const createdBy = meta.actor.type === 'USER' || meta.actor.type === 'API_TOKEN' ? meta.actor.userId : null;
    return this.transactor.run(meta, { action: 'enrollmentToken.create', targetType: 'cluster', targetId: cluster.id, args: { ttlMs } }, async (work) => {
      const token = newToken('enrollment');
      const expiresAt = new Date(this.clock.now().getTime() + ttlMs);
      await this.repository.insertEnrollmentToken(work.tx, { clusterId: cluster.id, tokenHash: hashToken(token), createdBy, expiresAt });
      return { token, expiresAt, cluster };
    });
  }

  /**
   * Exchanges an enrollment token for the manager's own credential. The registering manager
   * becomes its cluster's manager; credentials of any earlier manager stop working.
   */
  async registerManager(meta: RequestMeta, input: RegistrationInput) {
    try {
      return await this.#register(meta, input);
    } catch (error) {
      // The audit row keeps the precise reason; the caller, who may be guessing, learns only that the token did not work.
      if (error instanceof CredentialError) throw new EnrollmentTokenInvalidError();
      throw error;
    }
  }

  async #register(meta: RequestMeta, input: RegistrationInput) {
    const manager = {
      name: validateName(input.manager.name, 'manager name'),
      address: validateText(input.manager.address ?? '', 'address', 255),
      version: validateText(input.manager.version ?? '', 'version', 100),
      labels: validateLabels(input.manager.labels),
      consoleUrl: null,
    };
    const intent = { action: 'agent.register', targetType: 'cluster', args: { cluster: input.cluster, manager: manager.name } };
    const found = await this.repository.findEnrollmentToken(this.db, hashToken(input.enrollmentToken));
    if (!found) {
      return this.transactor.run(meta, intent, async () => {
        throw new EnrollmentTokenInvalidError();
      });
    }
    const result = await this.liveness.exclusive(found.clusterId, () =>
      this.transactor.run(meta, { ...intent, targetId: found.clusterId }, async (work) => {
        const token = await this.repository.lockEnrollmentToken(work.tx, found.id);
        const cluster = await this.clusters.find(found.clusterId, work.tx);
        if (!token || !cluster) throw new EnrollmentTokenInvalidError();
        const claimed = isUuid(input.cluster) ? input.cluster.toLowerCase() === cluster.id : input.cluster === cluster.name;
        if (!claimed) throw new EnrollmentClusterMismatchError(input.cluster);
        if (token.usedAt) throw new EnrollmentTokenUsedError();
        const now = this.clock.now();
        if (token.expiresAt <= now) throw new EnrollmentTokenExpiredError();
        await this.repository.markEnrollmentTokenUsed(work.tx, token.id, now);

        const { node, previous } = await this.nodes.installManager(work, cluster, manager, now);
        await this.repository.revokeCredentialsOfCluster(work.tx, cluster.id, now);
        const issued = await this.#issue(work.tx, cluster.id, node.id, now);
        const updated = await this.clusters.setManager(work.tx, cluster, node.id, now);
        await this.nodes.announce(work, 'NODE_JOINED', updated, node);
        work.emit(
          topologyEvent('CLUSTER_UPDATED', { clusterId: cluster.id, clusterName: cluster.name, tags: await this.tags.clusterEventTags(work.tx, updated) }),
        );
        return { ...issued, cluster: updated, node, previous };
      }),
    );
    this.forgetCluster(result.cluster.id);
    this.liveness.clusterChanged(result.cluster, true);
    if (result.previous) this.liveness.nodesUntracked(result.cluster.id, [result.previous.id]);
    this.liveness.nodesTracked(result.cluster.id, [
      { nodeId: result.node.id, name: result.node.name, role: 'MANAGER', status: 'UNKNOWN', cause: 'JOINED', since: this.clock.now() },
    ]);
    return {
      credential: result.credential,
      expiresAt: result.expiresAt,
      renewAfter: result.renewAfter,
      cluster: result.cluster,
      node: result.node,
      heartbeatIntervalMs: this.liveness.intervalMs,
    };
  }

  async authenticate(token: string): Promise<AgentActor | null> {
    const now = this.clock.now();
    const cached = this.#credentials.get(token);
    if (cached) return cached.credentialExpiresAt > now ? cached : null;
    const credential = await this.repository.findCredential(this.db, hashToken(token));
    if (!credential || credential.revokedAt || credential.expiresAt <= now) return null;
    const [cluster, node] = await Promise.all([this.clusters.find(credential.clusterId), this.nodes.find(credential.nodeId)]);
    if (!cluster || !node) return null;
    const actor: AgentActor = {
      type: 'AGENT',
      credentialId: credential.id,
      clusterId: credential.clusterId,
      nodeId: credential.nodeId,
      name: `agent:${cluster.name}/${node.name}`,
      credentialExpiresAt: credential.expiresAt,
    };
    this.#credentials.set(token, actor);
    return actor;
  }

  /** When the agent holding a credential should renew it: after two thirds of its life (Nomad's node identity rule). */
  renewAfter(expiresAt: Date): Date {
    return new Date(expiresAt.getTime() - Math.floor(this.options.credentialTtlMs / 3));
  }

  /**
   * Gives a manager a new credential for its cluster. The one it renewed keeps working for the
   * grace period, so requests already under way with it are not refused.
   */
  async renewCredential(meta: RequestMeta): Promise<IssuedCredential> {
    const actor = meta.actor as AgentActor;
    const issued = await this.transactor.run(meta, { action: 'agent.credential.renew', targetType: 'cluster', targetId: actor.clusterId }, async (work) => {
      const now = this.clock.now();
      await this.repository.expireCredential(work.tx, actor.credentialId, new Date(now.getTime() + this.options.credentialGraceMs));
      return this.#issue(work.tx, actor.clusterId, actor.nodeId, now);
    });
    for (const [token, cached] of this.#credentials.entries()) if (cached.credentialId === actor.credentialId) this.#credentials.delete(token);
    return issued;
  }

  /** Revokes every credential of a cluster's manager at once: its sockets close, and it must enroll again. */
  async revokeCredentials(meta: RequestMeta, clusterRef: string) {
    const cluster = await this.clusters.find(clusterRef);
    if (!cluster) throw new NotFoundError('cluster', clusterRef);
    await this.transactor.run(meta, { action: 'agent.credential.revoke', targetType: 'cluster', targetId: cluster.id }, async (work) => {
      await this.repository.revokeCredentialsOfCluster(work.tx, cluster.id, this.clock.now());
    });
    this.forgetCluster(cluster.id);
    return cluster;
  }

  /** The credential the cluster's manager uses now (null if none works), without its secret. */
  async currentCredential(clusterId: string) {
    const row = await this.repository.currentCredential(this.db, clusterId, this.clock.now());
    return row ? { id: row.id, createdAt: row.createdAt, expiresAt: row.expiresAt, renewAfter: this.renewAfter(row.expiresAt) } : null;
  }

  async #issue(tx: Parameters<AgentsRepository['insertCredential']>[0], clusterId: string, nodeId: string, now: Date): Promise<IssuedCredential> {
    const credential = newToken('agent');
    const expiresAt = new Date(now.getTime() + this.options.credentialTtlMs);
    await this.repository.insertCredential(tx, { clusterId, nodeId, tokenHash: hashToken(credential), expiresAt });
    return { credential, expiresAt, renewAfter: this.renewAfter(expiresAt) };
  }

  /** Called when a cluster's agent credentials stop working, so sockets using them can be closed. */
  onForgotten(listener: (clusterId: string) => void): void {
    this.#forgetListeners.push(listener);
  }

  /** Drops cached credentials of a cluster whose credentials were revoked or deleted. */
  forgetCluster(clusterId: string): void {
    for (const [token, actor] of this.#credentials.entries()) if (actor.clusterId === clusterId) this.#credentials.delete(token);
    for (const listener of this.#forgetListeners) listener(clusterId);
  }
}
