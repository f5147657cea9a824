/** The OC's tag normalisation: case-insensitive, whitespace collapsed ("Datacenter  1" is "datacenter 1"). */
export function normalizeTag(raw: string): string {
  return raw.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Implicit groups every cluster's nodes belong to, as the OC names them. */
export function clusterGroups(cluster: { name: string; productKind: string }): string[] {
  return [`cluster:${cluster.name.toLowerCase()}`, `product:${cluster.productKind.toLowerCase()}`];
}
