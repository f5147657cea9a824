import { lexicographicSortSchema } from 'graphql';
import '../modules/accounts/accounts.schema.ts';
import '../modules/agents/agents.schema.ts';
import '../modules/audit/audit.schema.ts';
import '../modules/availability/availability.schema.ts';
import '../modules/baselines/baselines.schema.ts';
import '../modules/clusters/clusters.schema.ts';
import '../modules/commands/commands.schema.ts';
import '../modules/content/content.schema.ts';
import '../modules/events/events.schema.ts';
import '../modules/inventory/inventory.applied.schema.ts';
import '../modules/inventory/inventory.schema.ts';
import '../modules/liveness/liveness.schema.ts';
import '../modules/nodes/nodes.schema.ts';
import '../modules/operations/operations.schema.ts';
import '../modules/operations/operations.progress.ts';
import '../modules/schedules/schedules.schema.ts';
import '../modules/status-page/status-page.schema.ts';
import '../modules/tags/tags.schema.ts';
import '../modules/targets/targets.schema.ts';
import { builder } from './builder.ts';
import { countListItems } from './limits.ts';
import './errors.ts';

builder.queryType({ description: 'Read the fleet: topology, status, statistics, accounts and audit.' });
builder.mutationType({ description: 'Change the fleet. Every call is audited.' });
builder.subscriptionType({ description: 'Live changes, pushed over WebSocket (graphql-ws) or SSE.' });

export const schema = countListItems(lexicographicSortSchema(builder.toSchema()));
