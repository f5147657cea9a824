import { type Command, Option } from 'commander';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CliError, EXIT } from './cli-error.ts';

/** Selects what every mutation result union carries when the OC refuses: its Error member. */
export const RESULT_ERROR = '__typename ... on Error { code message }';

/** Options shared by every command that talks to a running OC. */
export interface ConnectionFlags {
  url: string;
  token?: string;
}

interface GraphQLErrorLike {
  message: string;
  extensions?: { code?: string };
}

const CLOSE_FORBIDDEN = 4403;

/** A person's (or a script's) client of the OC API: GraphQL over HTTP, subscriptions over graphql-ws. */
export class ApiClient {
  #socket: Client | null = null;

  private constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  static fromFlags(flags: ConnectionFlags): ApiClient {
    if (!flags.token) {
      throw new CliError('no API token: pass --token or set OPSCENTER_TOKEN (create one in the dashboard, or with the createApiToken mutation)', EXIT.REFUSED);
    }
    let url: URL;
    try {
      url = new URL(flags.url);
    } catch {
      throw new CliError(`--url must be an http(s) URL of the OC (got "${flags.url}")`, EXIT.USAGE);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`--url must be an http(s) URL of the OC (got "${flags.url}")`, EXIT.USAGE);
    return new ApiClient(url.toString().replace(/\/+$/, ''), flags.token);
  }

  /** An HTTP request to the OC with the token; a connection failure is an UNREACHABLE CliError. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(`${this.url}${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${this.token}` } });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach the OC at ${this.url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, EXIT.UNREACHABLE);
    }
  }

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await this.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });
    let body: { data?: T | null; errors?: GraphQLErrorLike[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new CliError(`${this.url} answered HTTP ${response.status} without a GraphQL response; is --url the OC?`, EXIT.UNREACHABLE);
    }
    if (body.errors?.length) throw refused(body.errors);
    if (!body.data) throw new CliError(`the OC answered HTTP ${response.status} without data`, EXIT.UNREACHABLE);
    return body.data;
  }

  /**
   * Subscribes over graphql-ws. A lost socket is reconnected a few times and the subscription
   * sent again as it was, so callers must ignore events they have already seen.
   */
  subscribe<T>(query: string, variables: Record<string, unknown>, sink: { next: (data: T) => void; error: (error: CliError) => void }): () => void {
    this.#socket ??= createClient({
      url: `${this.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.token}` },
      retryAttempts: 8,
      // A revoked or expired credential will not come back by retrying.
      shouldRetry: (event) => (event as { code?: number }).code !== CLOSE_FORBIDDEN,
    });
    return this.#socket.subscribe<T>(
      { query, variables },
      {
        next: (message) => {
          if (message.errors?.length) sink.error(refused(message.errors as GraphQLErrorLike[]));
          else if (message.data) sink.next(message.data as T);
        },
        error: (error) => sink.error(socketError(error)),
        complete: () => sink.error(new CliError('the OC ended the subscription', EXIT.UNREACHABLE)),
      },
    );
  }

  async close(): Promise<void> {
    await this.#socket?.dispose();
    this.#socket = null;
  }
}

/** The --url and --token options of a command that talks to a running OC. */
export function connectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'the OC to talk to').env('OPSCENTER_URL').default('http://127.0.0.1:4000'))
    .addOption(new Option('--token <token>', 'an API token (or a session token from login)').env('OPSCENTER_TOKEN'));
}

/** Runs a command's work with a client, closing its live connection afterwards. */
export async function withClient(flags: ConnectionFlags, work: (client: ApiClient) => Promise<void>): Promise<void> {
  const client = ApiClient.fromFlags(flags);
  try {
    await work(client);
  } finally {
    await client.close();
  }
}

/** Unwraps a mutation result union: its Error member becomes a one-line refusal. */
export function unwrap<T>(result: T | { __typename: string; code: string; message: string }): T {
  const error = result as { code?: string; message?: string };
  if (typeof error.code === 'string' && typeof error.message === 'string') throw new CliError(error.message, EXIT.REFUSED);
  return result as T;
}

export function refused(errors: GraphQLErrorLike[]): CliError {
  return new CliError(errors.map((error) => error.message).join('; '), EXIT.REFUSED);
}

function socketError(error: unknown): CliError {
  if (Array.isArray(error)) return refused(error as GraphQLErrorLike[]);
  const close = error as { code?: number; reason?: string; message?: string };
  if (close.code === CLOSE_FORBIDDEN) return new CliError(`the OC closed the live connection: ${close.reason || 'credentials refused'}`, EXIT.REFUSED);
  const detail = close.reason || close.message || (close.code ? `code ${close.code}` : 'connection lost');
  return new CliError(`lost the live connection to the OC: ${detail}`, EXIT.UNREACHABLE);
}
