import { formatCounted } from '$lib/utils/format';
import type { DeployChange, OperationPlan } from './operations.graphql';

export interface DeployBlocker {
  /** A conflict needs someone to act; nothing to deploy is good news. */
  kind: 'conflict' | 'nothing';
  message: string;
}

/** Why a DEPLOY plan cannot be started (the OC would refuse it), or null when it can. */
export function deployBlocker(plan: OperationPlan): DeployBlocker | null {
  const conflicts = plan.conflicts.length;
  if (conflicts > 0)
    return { kind: 'conflict', message: `Baselines disagree (${formatCounted(conflicts, 'conflict')} above): make them agree before deploying.` };
  if (plan.nodeCount === 0) return { kind: 'nothing', message: 'Every worker is in sync.' };
  return null;
}

/** Every file of a change, for a tooltip: the summary shortens long ones. */
export function describeChangeInFull(change: DeployChange): string {
  const lines = [
    ...change.install.map((file) => `put ${file.name} ${file.version} (${file.kind.toLowerCase()})`),
    ...change.remove.map((file) => `remove ${file}`),
  ];
  return [...lines, change.restart ? 'then restart the worker' : 'no restart'].join('\n');
}
