import type { DeployFile, DeployItemKind, DeployParams, RemovedFile } from '@opscenter/agent/shared/deploy-protocol';
import type { Strategy } from './operations.strategy.ts';

/** What a DEPLOY delivers: the baselines of each node in its target, or the given content items. */
export interface DeploySource {
  /** The items to put on every node of the target; null: what the nodes' baselines want. */
  itemIds: string[] | null;
}

/** A file of a step's change, with the content item it comes from. */
export interface DeployedFile extends DeployFile {
  itemId: string;
  version: string;
}

/** A file on a node, as a DEPLOY step installs it: kind, name and bytes. */
export interface NodeFile {
  nodeId: string;
  kind: string;
  name: string;
  sha256: string;
}

/** The DEPLOY that put a file on a node: its SUCCEEDED APPLY step there. */
export interface Deployment {
  operationId: string;
  requestedBy: string;
  /** When the step succeeded. */
  appliedAt: Date | null;
  /** The version of the content item the step installed there. */
  version: string | null;
}

/** What a DEPLOY step changes on its node. */
export interface DeployChange {
  install: DeployedFile[];
  remove: RemovedFile[];
  /** Whether the worker restarts to take the change in. */
  restart: boolean;
}

/** One file of a node against what it must have: inventory's drift, with what a deploy needs to put it right. */
export interface PlannedDrift {
  kind: DeployItemKind;
  name: string;
  state: 'IN_SYNC' | 'MISSING' | 'UNEXPECTED' | 'DIFFERENT' | 'INSTALLED_NOT_LOADED';
  /** What the node must have there; null for UNEXPECTED. */
  wanted: {
    itemId: string;
    version: string;
    sha256: string;
    size: number;
    requiresRestart: boolean;
    /** A configuration file as rendered for this node; null for patches and artifacts (downloaded by item). */
    rendered: string | null;
  } | null;
}

export interface NodeDeployDrift {
  nodeId: string;
  drift: PlannedDrift[];
  /** Files two equally specific baselines want differently on this node, described for people. */
  conflicts: string[];
}

/** Where a DEPLOY learns what its nodes have and must have (inventory and baselines, wired in services.ts). */
export interface DeployPlanner {
  drift(nodeIds: string[], itemIds: string[] | null): Promise<NodeDeployDrift[]>;
}

/**
 * What a deploy changes on one node. Every file that is not IN_SYNC is put in place, including
 * one installed but not loaded (the restart loads it, and the manager checks that it did). With
 * the baselines as source, files no baseline wants are removed, on nodes some baseline manages;
 * with given items, nothing is removed. The worker restarts when a file needs it, and when a
 * file is removed (a running process may still hold it).
 */
export function changeFor(drift: readonly PlannedDrift[], source: DeploySource): DeployChange {
  const install: DeployedFile[] = [];
  const remove: RemovedFile[] = [];
  let restart = false;
  const managed = drift.some((file) => file.wanted !== null);
  for (const file of drift) {
    if (file.state === 'IN_SYNC') continue;
    if (file.wanted) {
      const { itemId, version, sha256, size, rendered, requiresRestart } = file.wanted;
      install.push({
        kind: file.kind,
        name: file.name,
        sha256,
        size,
        itemId,
        version,
        contentId: rendered === null ? itemId : null,
        inline: rendered === null ? null : Buffer.from(rendered).toString('base64'),
      });
      restart ||= requiresRestart || file.state === 'INSTALLED_NOT_LOADED';
    } else if (source.itemIds === null && managed) {
      remove.push({ kind: file.kind, name: file.name });
      restart = true;
    }
  }
  return { install, remove, restart };
}

export const changeIsEmpty = (change: DeployChange) => change.install.length === 0 && change.remove.length === 0;

/**
 * How long the OC waits for a DEPLOY step's report: the manager may take healthyDeadline for the
 * download, for the change to prove healthy, and for the worker to come back after a revert.
 */
export const deployDeadlineMs = (strategy: Strategy) => 3 * strategy.healthyDeadlineMs;

/** A DEPLOY command's parameters for a step's change. */
export function deployParams(operationId: string, change: DeployChange, strategy: Strategy): DeployParams {
  return {
    operationId,
    install: change.install.map(({ kind, name, sha256, size, contentId, inline }) => ({ kind, name, sha256, size, contentId, inline })),
    remove: change.remove,
    restart: change.restart,
    minHealthyTimeMs: strategy.minHealthyTimeMs,
    healthyDeadlineMs: strategy.healthyDeadlineMs,
  };
}

/** A one-line account of a change, for step messages and plans. */
export function describeChange(change: DeployChange): string {
  const parts = [...change.install.map((file) => `${file.name} ${file.version}`), ...change.remove.map((file) => `remove ${file.name}`)];
  const shown = parts.slice(0, 3).join(', ');
  return parts.length > 3 ? `${shown} and ${parts.length - 3} more` : shown;
}
