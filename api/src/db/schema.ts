// Every table of every module, for drizzle-kit and the relational query builder.
export * from '../modules/accounts/accounts.table.ts';
export * from '../modules/agents/agents.table.ts';
export * from '../modules/audit/audit.table.ts';
export * from '../modules/baselines/baselines.table.ts';
export * from '../modules/clusters/clusters.table.ts';
export * from '../modules/commands/commands.table.ts';
export * from '../modules/content/content.table.ts';
export * from '../modules/events/events.table.ts';
export * from '../modules/inventory/inventory.table.ts';
export * from '../modules/liveness/liveness.table.ts';
export * from '../modules/nodes/nodes.table.ts';
export * from '../modules/operations/operations.table.ts';
export * from '../modules/schedules/schedules.table.ts';
export * from '../modules/status-page/status-page.table.ts';
export * from '../modules/tags/tags.table.ts';
export * from '../modules/throttle/throttle.table.ts';
