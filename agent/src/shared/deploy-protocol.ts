/**
 * What a DEPLOY or REVERT command asks of a manager, shared by the OC (which issues it) and the
 * agent (which carries it out). GraphQL carries it as DeployParams and RevertParams.
 */

export type DeployItemKind = 'PATCH' | 'ARTIFACT' | 'CONFIG';

/** A file to put in place on a worker, named by the SHA-256 of its bytes. */
export interface DeployFile {
  kind: DeployItemKind;
  /** The file name on the worker: a patch or artifact in its directory, or the managed config file of that name. */
  name: string;
  sha256: string;
  size: number;
  /** Patches and artifacts: download with GET /api/content/<contentId> (allowed only while a command of the cluster names it). */
  contentId: string | null;
  /** Configuration rendered for this node, base64 (config files are small and differ per node). */
  inline: string | null;
}

/** A file to take away from a worker. */
export interface RemovedFile {
  kind: DeployItemKind;
  name: string;
}

/** How the manager judges the change, from the operation's strategy. */
export interface DeployGate {
  /** Stop the worker gracefully before the switch and start it after: some file needs a restart to take effect. */
  restart: boolean;
  /** The worker must stay healthy this long, with the new content loaded, before the step is reported done. */
  minHealthyTimeMs: number;
  /** Otherwise, after this long, the change is reverted. */
  healthyDeadlineMs: number;
}

export interface DeployParams extends DeployGate {
  operationId: string;
  install: DeployFile[];
  remove: RemovedFile[];
}

/** Puts back what the operation's DEPLOY to this worker replaced (rollbackOnFailure). */
export interface RevertParams extends DeployGate {
  operationId: string;
}

/** The outcome code of a deploy the manager undid: the worker has its previous content back. */
export const REVERTED = 'REVERTED';

/** Where a DEPLOY downloads a content item from, relative to the OC's URL. */
export const contentDownloadPath = (contentId: string) => `/api/content/${encodeURIComponent(contentId)}`;
