/** What a person may do; each role includes the ones before it. */
export const ROLES = ['VIEWER', 'OPERATOR', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export const ACTOR_TYPES = ['USER', 'API_TOKEN', 'AGENT', 'ANONYMOUS', 'SYSTEM'] as const;

/** Who is acting. Every audit row and every authorization decision starts from one of these. */
export type Actor =
  | { type: 'USER'; userId: string; name: string; role: Role; sessionId: string }
  | { type: 'API_TOKEN'; userId: string; name: string; role: Role; tokenId: string }
  | { type: 'AGENT'; credentialId: string; clusterId: string; nodeId: string; name: string; credentialExpiresAt: Date }
  | { type: 'ANONYMOUS' }
  | { type: 'SYSTEM'; name: string };

export interface RequestMeta {
  actor: Actor;
  requestId: string;
  /** Where the request came from (an IP address, or "websocket"); absent for the OC's own work. */
  clientAddress?: string;
  /** The API call this request is making, which leaves exactly one audit row (see Transactor.call). */
  call?: AuditedCall;
}

/** One call made through the API; the transactor keeps track of whether its change stored its audit row. */
export interface AuditedCall {
  readonly action: string;
}

const ROLE_RANK: Record<Role, number> = { VIEWER: 1, OPERATOR: 2, ADMIN: 3 };

export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[required];
}

/** The role of a person (session or API token); agents and anonymous callers have none. */
export function personRole(actor: Actor): Role | null {
  return actor.type === 'USER' || actor.type === 'API_TOKEN' ? actor.role : null;
}

export function actorName(actor: Actor): string {
  switch (actor.type) {
    case 'USER':
    case 'API_TOKEN':
    case 'AGENT':
    case 'SYSTEM':
      return actor.name;
    case 'ANONYMOUS':
      return 'anonymous';
  }
}

export function actorId(actor: Actor): string | null {
  switch (actor.type) {
    case 'USER':
    case 'API_TOKEN':
      return actor.userId;
    case 'AGENT':
      return actor.credentialId;
    default:
      return null;
  }
}

export const SYSTEM_META: RequestMeta = { actor: { type: 'SYSTEM', name: 'opscenter' }, requestId: 'system' };

export type AgentActor = Extract<Actor, { type: 'AGENT' }>;
