import { randomUUID } from 'node:crypto';
import DataLoader from 'dataloader';
import type { Database } from '../db/client.ts';
import type { Services } from '../services.ts';
import { type Actor, personRole, type RequestMeta, type Role } from '../shared/actor.ts';
import { tokenKind } from '../shared/secrets.ts';
import type { ResolveBudget } from './limits.ts';

export interface Context {
  meta: RequestMeta;
  /** The role of a person; null for agents and anonymous callers. */
  role: Role | null;
  db: Database;
  services: Services;
  loaders: ReturnType<typeof createLoaders>;
  /** How many more list items this request may resolve. */
  budget: ResolveBudget;
}

function createLoaders(services: Services) {
  return {
    clusterSummary: new DataLoader(async (ids: readonly string[]) => {
      const summaries = await services.clusters.summaries(ids);
      return ids.map((id) => summaries.get(id) ?? null);
    }),
    node: new DataLoader(async (ids: readonly string[]) => {
      const nodes = new Map((await services.nodes.findMany([...ids])).map((node) => [node.id, node]));
      return ids.map((id) => nodes.get(id) ?? new Error(`node ${id} is gone`));
    }),
    nodeInventory: new DataLoader((ids: readonly string[]) => services.inventory.ofNodes(ids)),
    nodeTenants: new DataLoader((ids: readonly string[]) => services.inventory.tenantsOf(ids)),
    installedOn: new DataLoader((sha256s: readonly string[]) => services.inventory.installedOn(sha256s)),
    nodeDrift: new DataLoader((ids: readonly string[]) => services.inventory.drift(ids)),
    // A list of nodes asking for their desired state reads the baselines once, not once per node.
    desiredState: new DataLoader(async (nodeIds: readonly string[]) => {
      const states = await services.baselines.desiredStates(nodeIds);
      return nodeIds.map((nodeId) => states.get(nodeId) ?? { items: [], conflicts: [] });
    }),
  };
}

/**
 * Resolves a bearer token to an actor; the token's prefix says where to look it up. No token
 * means an anonymous caller; a token that is not (or no longer) valid gives null.
 */
export async function authenticate(services: Services, authorization: string | null | undefined): Promise<Actor | null> {
  if (!authorization) return { type: 'ANONYMOUS' };
  const token = authorization.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token) return null;
  switch (tokenKind(token)) {
    case 'session':
      return services.accounts.authenticateSession(token);
    case 'apiToken':
      return services.accounts.authenticateApiToken(token);
    case 'agent':
      return services.agents.authenticate(token);
    default:
      return null;
  }
}

export function createContext(services: Services, db: Database, actor: Actor, request: { clientAddress: string; budget: ResolveBudget }): Context {
  return {
    meta: { actor, requestId: randomUUID(), clientAddress: request.clientAddress },
    role: personRole(actor),
    db,
    services,
    loaders: createLoaders(services),
    budget: request.budget,
  };
}
