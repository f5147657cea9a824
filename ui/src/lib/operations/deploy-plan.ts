import { formatCounted } from '$lib/utils/format';
import type { DeployChange, OperationPlan } from './operations.graphql';

/**
 * The OC lists baselines that want one file differently among a DEPLOY plan's warnings, as
 * `cluster/node: PATCH fix.jar is wanted as 1 by "a" and 2 by "b"`; it refuses to start such a plan.
 */
const CONFLICT_WARNING = / is wanted as .+ by ".*" and /;

export function isConflictWarning(warning: string): boolean {
  return CONFLICT_WARNING.test(warning);
}

export interface DeployBlocker {
  /** A conflict needs someone to act; nothing to deploy is good news. */
  kind: 'conflict' | 'nothing';
  message: string;
}

/** Why a DEPLOY plan cannot be started (the OC would refuse it), or null when it can. */
export function deployBlocker(plan: OperationPlan): DeployBlocker | null {
  const conflicts = plan.warnings.filter(isConflictWarning).length;
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
