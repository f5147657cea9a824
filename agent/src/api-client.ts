import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { ReportedState, WorkerInfo } from './drivers/driver.ts';
import type { WorkerInventory } from './drivers/inventory.ts';
import { contentDownloadPath, type DeployParams, type RevertParams } from './shared/deploy-protocol.ts';

/** The OC answered, but refused: a typed error with a stable code. */
export class OcRefusedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The OC no longer accepts this agent's credential (revoked, or another manager took over). */
export class CredentialRefusedError extends Error {}

/** The OC could not be reached or failed; worth retrying later. */
export class OcUnavailableError extends Error {}

/** The parameters of a command, by kind: RestartParams for RESTART, DeployParams for DEPLOY, RevertParams for REVERT. */
export type CommandParams =
  | { __typename: 'RestartParams'; operationId: string | null }
  | ({ __typename: 'DeployParams' } & DeployParams)
  | ({ __typename: 'RevertParams' } & RevertParams);

export interface AgentCommand {
  id: string;
  /** A CommandKind; this agent refuses kinds it does not know. */
  kind: string;
  nodeId: string;
  nodeName: string;
  params: CommandParams;
  operationId: string | null;
  stepId: string | null;
  epoch: number;
}

/** Why a command was refused (REJECTED) or failed (FAILED), for the OC to act on (CommandOutcomeCode in the schema). */
export type CommandOutcomeCode = 'STALE_EPOCH' | 'UNKNOWN_KIND' | 'UNKNOWN_NODE' | 'RESTART_FAILED' | 'INTERRUPTED' | 'REVERTED' | 'DOWNLOAD_FAILED';

/** What became of a command: its state, why (with REJECTED and FAILED), and details for people and programs. */
export interface CommandProgress {
  state: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'REJECTED';
  code?: CommandOutcomeCode | null;
  message: string;
  details?: Record<string, unknown>;
}

export interface HeartbeatEntry {
  name: string;
  state: ReportedState;
  version?: string;
  cpuPercent?: number;
  memoryBytes?: number;
  load1?: number;
  diskPercent?: number;
  uptimeSeconds?: number;
}

export interface HeartbeatReceipt {
  accepted: number;
  stale: boolean;
  lastAppliedSequence: number;
  hint: string | null;
  refused: { node: string; code: string; message: string }[];
  heartbeatIntervalMs: number;
  /** From when this agent's credential should be renewed. */
  credentialRenewAfter: string;
}

const RESULT_ERROR = '... on Error { code message }';

const COMMAND_PARAMS = `params {
  __typename
  ... on RestartParams { operationId }
  ... on DeployParams { operationId install { kind name sha256 size contentId inline } remove { kind name } restart minHealthyTimeMs healthyDeadlineMs }
  ... on RevertParams { operationId restart minHealthyTimeMs healthyDeadlineMs }
}`;

/** The command channel's subscription (a contract test checks it against the OC's schema). */
export const COMMANDS_SUBSCRIPTION = `subscription { agentCommands { id kind nodeId nodeName ${COMMAND_PARAMS} operationId stepId epoch } }`;

/** The agent's side of the OC API: plain GraphQL over HTTP, and graphql-ws for commands. */
export class OcClient {
  credential: string | undefined;

  constructor(readonly url: string) {}

  async register(enrollmentToken: string, cluster: string, manager: { name: string; address: string; labels: Record<string, string> }, version: string) {
    const data = await this.#request<{ registerManager: { __typename: string; code?: string; message?: string } }>(
      `mutation($input: RegisterManagerInput!) {
        registerManager(input: $input) { __typename ... on ManagerRegistration { credential clusterId nodeId heartbeatIntervalMs } ${RESULT_ERROR} }
      }`,
      { input: { enrollmentToken, cluster, manager: { ...manager, version } } },
      false,
    );
    return this.#result(data.registerManager) as { credential: string; clusterId: string; nodeId: string; heartbeatIntervalMs: number };
  }

  async reportMembership(workers: WorkerInfo[]) {
    const data = await this.#request<{ reportMembership: { __typename: string; code?: string; message?: string } }>(
      `mutation($input: MembershipInput!) {
        reportMembership(input: $input) { __typename ... on MembershipReceipt { joined rejoined updated left unchanged } ${RESULT_ERROR} }
      }`,
      { input: { snapshot: workers } },
    );
    return this.#result(data.reportMembership) as { joined: string[]; rejoined: string[]; updated: string[]; left: string[]; unchanged: number };
  }

  async reportInventory(nodes: WorkerInventory[]) {
    const data = await this.#request<{ reportInventory: { __typename: string; code?: string; message?: string } }>(
      `mutation($input: InventoryReportInput!) {
        reportInventory(input: $input) { __typename ... on InventoryReceipt { changed unchanged refused { node code message } } ${RESULT_ERROR} }
      }`,
      { input: { nodes } },
    );
    return this.#result(data.reportInventory) as { changed: string[]; unchanged: number; refused: { node: string; code: string; message: string }[] };
  }

  async sendHeartbeats(sequence: number, entries: HeartbeatEntry[]): Promise<HeartbeatReceipt> {
    const data = await this.#request<{ sendHeartbeats: { __typename: string; code?: string; message?: string } }>(
      `mutation($input: HeartbeatBatchInput!) {
        sendHeartbeats(input: $input) { __typename ... on HeartbeatReceipt { accepted stale lastAppliedSequence hint refused { node code message } heartbeatIntervalMs credentialRenewAfter } ${RESULT_ERROR} }
      }`,
      { input: { sequence, entries } },
    );
    return this.#result(data.sendHeartbeats) as HeartbeatReceipt;
  }

  /** Exchanges the credential for a new one; the old one keeps working for a grace period. */
  async renewCredential(): Promise<{ credential: string; expiresAt: string; renewAfter: string }> {
    const data = await this.#request<{ renewAgentCredential: { __typename: string; code?: string; message?: string } }>(
      `mutation { renewAgentCredential { __typename ... on RenewedAgentCredential { credential expiresAt renewAfter } ${RESULT_ERROR} } }`,
      {},
    );
    return this.#result(data.renewAgentCredential) as { credential: string; expiresAt: string; renewAfter: string };
  }

  async reportCommandProgress(commandId: string, epoch: number, progress: CommandProgress) {
    const data = await this.#request<{ reportCommandProgress: { __typename: string; code?: string; message?: string } }>(
      `mutation($input: CommandProgressInput!) {
        reportCommandProgress(input: $input) { __typename ... on CommandReceipt { state } ${RESULT_ERROR} }
      }`,
      { input: { commandId, epoch, state: progress.state, code: progress.code ?? null, message: progress.message, details: progress.details ?? {} } },
    );
    return this.#result(data.reportCommandProgress) as { state: string };
  }

  /**
   * The bytes of a content item a DEPLOY installs, as a stream; the OC allows it only while a
   * command of this agent's cluster names the item.
   */
  async downloadContent(contentId: string): Promise<Readable> {
    // Only the answer is timed: a large artifact may take longer to arrive (undici ends a body that stalls).
    const answered = new AbortController();
    const timer = setTimeout(() => answered.abort(), 15_000);
    let response: Response;
    try {
      response = await fetch(`${this.url}${contentDownloadPath(contentId)}`, {
        headers: this.credential ? { authorization: `Bearer ${this.credential}` } : {},
        signal: answered.signal,
      });
    } catch (error) {
      throw new OcUnavailableError(`cannot reach the OC at ${this.url}: ${(error as Error).cause ?? (error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    if (response.status === 401) throw new CredentialRefusedError('the OC refused this agent’s credential');
    if (response.status === 403 || response.status === 404) {
      const body = (await response.json().catch(() => ({}))) as { errors?: { message: string; extensions?: { code?: string } }[] };
      const error = body.errors?.[0];
      throw new OcRefusedError(
        error?.extensions?.code ?? (response.status === 404 ? 'NOT_FOUND' : 'FORBIDDEN'),
        error?.message ?? `the OC answered ${response.status}`,
      );
    }
    if (!response.ok || !response.body) throw new OcUnavailableError(`the OC answered ${response.status} to the download of content ${contentId}`);
    return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  }

  /**
   * Keeps the command channel open, reconnecting with backoff after any loss, and calls
   * `onCommand` for each command (again after a reconnect, for those not finished yet).
   */
  subscribeCommands(onCommand: (command: AgentCommand) => void, onConnectionChange: (connected: boolean, reason?: string) => void): Client {
    const client = createClient({
      url: `${this.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: () => ({ authorization: `Bearer ${this.credential}` }),
      lazy: false,
      keepAlive: 10_000,
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: () => true,
      retryWait: async (retries) => {
        const ceiling = Math.min(30_000, 500 * 2 ** retries);
        await new Promise((resolve) => setTimeout(resolve, Math.max(250, Math.random() * ceiling)));
      },
      on: {
        connected: () => onConnectionChange(true),
        closed: (event) => onConnectionChange(false, `closed ${(event as { code?: number }).code ?? ''}`),
      },
    });
    const subscribe = () =>
      client.subscribe<{ agentCommands: AgentCommand }>(
        {
          query: COMMANDS_SUBSCRIPTION,
        },
        {
          next: (message) => {
            if (message.data) onCommand(message.data.agentCommands);
          },
          // A refused or broken subscription is resubscribed; the socket retries on its own.
          error: () => setTimeout(subscribe, 1000),
          complete: () => setTimeout(subscribe, 1000),
        },
      );
    subscribe();
    return client;
  }

  #result(value: { __typename: string; code?: string; message?: string }): unknown {
    if (value && 'code' in value && value.code) throw new OcRefusedError(value.code, value.message ?? value.__typename);
    return value;
  }

  async #request<T>(query: string, variables: Record<string, unknown>, authenticated = true): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(authenticated && this.credential ? { authorization: `Bearer ${this.credential}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new OcUnavailableError(`cannot reach the OC at ${this.url}: ${(error as Error).cause ?? (error as Error).message}`);
    }
    if (response.status === 401) throw new CredentialRefusedError('the OC refused this agent’s credential');
    if (response.status >= 500) throw new OcUnavailableError(`the OC answered ${response.status}`);
    const body = (await response.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    if (body.errors?.length) {
      const error = body.errors[0];
      if (error.extensions?.code === 'FORBIDDEN' || error.extensions?.code === 'UNAUTHENTICATED') throw new CredentialRefusedError(error.message);
      throw new OcRefusedError(error.extensions?.code ?? 'ERROR', error.message);
    }
    return body.data as T;
  }
}
