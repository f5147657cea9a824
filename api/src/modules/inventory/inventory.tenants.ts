import { validateName, validateText } from '../../shared/validation.ts';
import { DuplicateInventoryEntryError, InventoryTooLargeError } from './inventory.errors.ts';

/** Tenants one node may report: an application server hosts tens of customers, a multi-tenant platform hundreds. */
export const MAX_TENANTS_PER_NODE = 1_000;
/** A tenant's status is a short word or version as the worker gives it, not a document. */
export const MAX_TENANT_STATUS = 200;

/** One tenant of a node, as a report makes it. */
export interface TenantState {
  name: string;
  status: string | null;
}

/** Checks one node's reported tenants: bounded, named as nodes are, each once. An empty status counts as none. */
export function cleanTenants(tenants: readonly { name: string; status?: string | null }[], node: string): TenantState[] {
  if (tenants.length > MAX_TENANTS_PER_NODE) throw new InventoryTooLargeError('The tenants list of one node', MAX_TENANTS_PER_NODE, 'tenant', 'tenants');
  const names = new Set<string>();
  return tenants.map((tenant) => {
    const name = validateName(tenant.name, 'tenant name');
    if (names.has(name)) throw new DuplicateInventoryEntryError(`the tenant "${name}" of ${node}`, 'tenants');
    names.add(name);
    const status = tenant.status ? validateText(tenant.status, 'tenant status', MAX_TENANT_STATUS) : null;
    return { name, status };
  });
}

/** What turns a node's stored tenants into the reported ones: the tenants to write and the names to delete. */
export function diffTenants(current: readonly TenantState[], reported: readonly TenantState[]): { upserts: TenantState[]; removals: string[] } {
  const statusByName = new Map(current.map((tenant) => [tenant.name, tenant.status]));
  const reportedNames = new Set(reported.map((tenant) => tenant.name));
  return {
    upserts: reported.filter((tenant) => !statusByName.has(tenant.name) || statusByName.get(tenant.name) !== tenant.status),
    removals: current.filter((tenant) => !reportedNames.has(tenant.name)).map((tenant) => tenant.name),
  };
}
