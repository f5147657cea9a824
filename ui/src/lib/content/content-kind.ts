import type { ContentKind } from '$lib/graphql/enums';

export const CONTENT_KINDS: readonly ContentKind[] = ['PATCH', 'ARTIFACT', 'CONFIG'];

export const CONTENT_KIND_LABELS: Record<ContentKind, string> = {
  PATCH: 'Patch',
  ARTIFACT: 'Artifact',
  CONFIG: 'Configuration',
};

export function isContentKind(value: string): value is ContentKind {
  return (CONTENT_KINDS as readonly string[]).includes(value);
}

/** The start of a SHA-256, enough to tell items apart at a glance; the full value goes in a title. */
export function shortSha256(sha256: string): string {
  return sha256.slice(0, 12);
}
