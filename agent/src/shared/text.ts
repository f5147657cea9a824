/** A count with its noun: "1 node", "3 nodes"; give the plural of a noun that does not just add an "s" ("batch", "batches"). */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
