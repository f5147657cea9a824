import { expect } from 'vitest';
import type { ScriptedManager } from './fleet.ts';
import { ok } from './gql.ts';
import type { TestServer } from './server.ts';

/** Reports workers' inventories as their manager does, and expects the OC to take them. */
export async function reportInventory(server: TestServer, manager: ScriptedManager, nodes: unknown[]): Promise<void> {
  const receipt = ok<any>(
    await server.gql(
      'mutation($input: InventoryReportInput!) { reportInventory(input: $input) { __typename ... on Error { message } } }',
      { input: { nodes } },
      manager.credential,
    ),
  ).reportInventory;
  expect(receipt.__typename, JSON.stringify(receipt)).toBe('InventoryReceipt');
}
