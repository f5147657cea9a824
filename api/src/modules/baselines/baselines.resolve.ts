/** One item a baseline wants on a node, with how specific that baseline's target is. */
export interface Claim<Item extends { id: string; kind: string; name: string }> {
  baseline: { id: string; name: string };
  rank: number;
  item: Item;
}

export interface Conflict<Item> {
  kind: string;
  name: string;
  /** The equally specific claims that disagree on the item. */
  claims: { baseline: { id: string; name: string }; item: Item }[];
}

/**
 * What one node must have, from every claim of the baselines that select it. Items are keyed by
 * kind and file name: for each, the most specific baseline decides; two equally specific
 * baselines that want different items under one name are a conflict, reported rather than
 * settled by a silent rule, and that name is then left out of the node's desired items.
 */
export function resolveDesired<Item extends { id: string; kind: string; name: string }>(claims: readonly Claim<Item>[]) {
  const byName = new Map<string, Claim<Item>[]>();
  for (const claim of claims) {
    const key = `${claim.item.kind}\u0000${claim.item.name}`;
    byName.set(key, [...(byName.get(key) ?? []), claim]);
  }
  const desired: Claim<Item>[] = [];
  const conflicts: Conflict<Item>[] = [];
  for (const contenders of byName.values()) {
    const top = Math.max(...contenders.map((claim) => claim.rank));
    const winners = contenders.filter((claim) => claim.rank === top);
    if (new Set(winners.map((claim) => claim.item.id)).size === 1) desired.push(winners[0]);
    else
      conflicts.push({
        kind: winners[0].item.kind,
        name: winners[0].item.name,
        claims: winners.map(({ baseline, item }) => ({ baseline, item })),
      });
  }
  const order = (a: { kind: string; name: string }, b: { kind: string; name: string }) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name);
  return { desired: desired.sort((a, b) => order(a.item, b.item)), conflicts: conflicts.sort(order) };
}
