// Every view of every module, for drizzle-kit (the relational query builder knows tables only).
export * from '../modules/clusters/clusters.view.ts';
export * from '../modules/inventory/inventory.view.ts';
export * from '../modules/nodes/nodes.view.ts';
