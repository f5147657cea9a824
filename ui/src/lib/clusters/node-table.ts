import { isNodeStatus, NODE_STATUSES } from '$lib/nodes/node-status';
import { normalizeTag } from '$lib/tags/tags';
import type { ClusterNode } from './clusters.graphql';

export type SortKey = 'name' | 'role' | 'status' | 'cpu' | 'memory' | 'load' | 'uptime' | 'version' | 'healthy' | 'tags';
export type SortDirection = 'asc' | 'desc';

export interface Column {
  key: SortKey;
  label: string;
  numeric?: boolean;
  /** Missing measurements sort as -1, below every real value. */
  value: (node: ClusterNode) => string | number;
}

export const COLUMNS: readonly Column[] = [
  { key: 'name', label: 'Node', value: (node) => node.name },
  { key: 'role', label: 'Role', value: (node) => (node.role === 'MANAGER' ? 0 : 1) },
  { key: 'status', label: 'Status', value: (node) => NODE_STATUSES.indexOf(node.status) },
  { key: 'cpu', label: 'CPU', numeric: true, value: (node) => node.stats?.cpuPercent ?? -1 },
  { key: 'memory', label: 'Memory', numeric: true, value: (node) => node.stats?.memoryBytes ?? -1 },
  { key: 'load', label: 'Load', numeric: true, value: (node) => node.stats?.load1 ?? -1 },
  { key: 'uptime', label: 'Uptime', numeric: true, value: (node) => node.stats?.uptimeSeconds ?? -1 },
  { key: 'version', label: 'Version', value: (node) => node.version },
  { key: 'healthy', label: 'Last healthy', numeric: true, value: (node) => (node.lastHealthyAt ? Date.parse(node.lastHealthyAt) : -1) },
  { key: 'tags', label: 'Tags', value: (node) => node.tags.join(' ') },
];

export function isSortKey(value: string): value is SortKey {
  return COLUMNS.some((column) => column.key === value);
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Sorted by one column, then by name; without a column, in the OC's order (manager first). */
export function sortNodes(nodes: readonly ClusterNode[], key: SortKey | null, direction: SortDirection): ClusterNode[] {
  const column = COLUMNS.find((candidate) => candidate.key === key);
  if (!column) return [...nodes];
  const sign = direction === 'asc' ? 1 : -1;
  return [...nodes].sort((a, b) => {
    const left = column.value(a);
    const right = column.value(b);
    const order = typeof left === 'number' && typeof right === 'number' ? left - right : collator.compare(String(left), String(right));
    return order * sign || collator.compare(a.name, b.name);
  });
}

export function nodeRowMatcher({ q, status, tag }: { q: string; status: string; tag: string }): (node: ClusterNode) => boolean {
  const text = q.trim().toLowerCase();
  const wantedTag = normalizeTag(tag);
  return (node) =>
    (!text || node.name.toLowerCase().includes(text) || node.version.toLowerCase().includes(text)) &&
    (!isNodeStatus(status) || node.status === status) &&
    (!wantedTag || node.effectiveTags.includes(wantedTag));
}
