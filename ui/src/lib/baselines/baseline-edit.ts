import { type TargetForm, type TargetInput, targetFromForm } from '$lib/operations/strategy-form';
import type { BaselineItem } from './baselines.graphql';

/** The fields a baseline mutation's ValidationError may blame; anything else is shown under the form. */
export const BASELINE_FIELDS = ['name', 'target', 'itemIds', 'message'] as const;
export type BaselineField = (typeof BASELINE_FIELDS)[number];

export function isBaselineField(field: unknown): field is BaselineField {
  return (BASELINE_FIELDS as readonly unknown[]).includes(field);
}

/** A target as the picker sends it, comparable with another: lists sorted, tags as the OC stores them. */
function targetKey(target: TargetInput): string {
  if (target.all) return 'all';
  if (target.clusters) return `clusters:${[...target.clusters].sort().join(',')}`;
  if (target.nodes) return `nodes:${[...target.nodes].sort().join(',')}`;
  const tags = target.tags?.tags.map((tag) => tag.trim().toLowerCase()).sort() ?? [];
  return `tags:${target.tags?.match ?? 'ALL'}:${tags.join(',')}`;
}

export interface EditDiff {
  targetChanged: boolean;
  added: BaselineItem[];
  removed: BaselineItem[];
}

/**
 * What saving the edit would change against the version in force, worked out here so that it
 * can be shown while editing; the OC's `diff` gives the same once saved.
 */
export function editDiff(
  current: { target: TargetForm; items: readonly BaselineItem[] },
  edited: { target: TargetInput | null; items: readonly BaselineItem[] },
): EditDiff {
  const currentIds = new Set(current.items.map((item) => item.id));
  const editedIds = new Set(edited.items.map((item) => item.id));
  const currentTarget = targetFromForm(current.target).value;
  return {
    targetChanged: edited.target !== null && currentTarget !== null && targetKey(currentTarget) !== targetKey(edited.target),
    added: edited.items.filter((item) => !currentIds.has(item.id)),
    removed: current.items.filter((item) => !editedIds.has(item.id)),
  };
}

export function itemLabel(item: BaselineItem): string {
  return `${item.name} ${item.version}`;
}
