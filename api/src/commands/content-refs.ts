import { isUuid } from '../shared/validation.ts';
import type { ApiClient } from './api-client.ts';
import { CliError, EXIT } from './cli-error.ts';

/** Content items by id, or as `name@version` (unique among uploaded items). */
export async function itemIds(client: ApiClient, references: string[]): Promise<string[]> {
  return Promise.all(
    references.map(async (reference) => {
      if (isUuid(reference)) return reference;
      const [name, version] = reference.split('@');
      if (!name || !version) throw new CliError(`--item takes an id or name@version (got "${reference}")`, EXIT.USAGE);
      const { contentItems } = await client.request<{ contentItems: { nodes: { id: string; name: string; version: string }[] } }>(
        `query($search: String!) { contentItems(first: 100, filter: { search: $search }) { nodes { id name version } } }`,
        { search: name },
      );
      const matches = contentItems.nodes.filter((item) => item.name === name && item.version === version);
      if (matches.length !== 1)
        throw new CliError(
          matches.length ? `${reference} names ${matches.length} items (one per kind); give the id` : `no content item ${reference}`,
          EXIT.REFUSED,
        );
      return matches[0].id;
    }),
  );
}
