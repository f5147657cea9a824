import { builder } from '../../graphql/builder.ts';
import { mutation } from '../../graphql/mutation.ts';
import { connectionOf, pageArgs } from '../../graphql/pagination.ts';
import { checkPage, pageInMemory } from '../../shared/pagination.ts';
import type { TagUsage } from './tags.repository.ts';

const TagUsageRef = builder.objectRef<TagUsage>('TagUsage').implement({
  description: 'A user tag and where it is used.',
  fields: (t) => ({
    tag: t.exposeString('tag', { description: 'The tag.' }),
    nodeCount: t.exposeInt('nodes', { description: 'Nodes tagged directly.' }),
    clusterCount: t.exposeInt('clusters', { description: 'Clusters tagged (their nodes carry the tag too).' }),
  }),
});

const TagUsageConnection = connectionOf('TagUsage', TagUsageRef, 'tag');

const TagChangeInput = builder.inputType('TagChangeInput', {
  description: 'Tags to add to (or remove from) nodes and clusters.',
  fields: (t) => ({
    nodeIds: t.idList({ description: 'Nodes to change.' }),
    clusterIds: t.idList({ description: 'Clusters to change.' }),
    tags: t.stringList({
      required: true,
      description: 'Tags such as "datacenter 1": letters, digits, spaces and . _ : / -; case-insensitive. cluster:, product: and role: are reserved.',
    }),
  }),
});

const TagChangeRef = builder.objectRef<{ tags: string[]; nodes: { id: string }[]; clusters: { id: string }[] }>('TagChange').implement({
  description: 'The result of a tag change.',
  fields: (t) => ({
    tags: t.exposeStringList('tags', { description: 'The tags, normalised.' }),
    nodeIds: t.idList({ description: 'Nodes changed.', resolve: (change) => change.nodes.map((node) => node.id) }),
    clusterIds: t.idList({ description: 'Clusters changed.', resolve: (change) => change.clusters.map((cluster) => cluster.id) }),
  }),
});

builder.queryField('tags', (t) =>
  t.field({
    type: TagUsageConnection,
    description: 'Every user tag in use, alphabetically.',
    args: pageArgs,
    authScopes: { viewer: true },
    resolve: async (_root, args, context) => {
      const request = checkPage(args, 1);
      return pageInMemory(
        await context.services.tags.usage(),
        request,
        (usage) => [usage.tag],
        (a, b) => String(a[0]).localeCompare(String(b[0])),
      );
    },
  }),
);

builder.mutationFields((t) => ({
  addTags: mutation(t, 'tags.add', 'OPERATOR', {
    type: TagChangeRef,
    description: 'Adds tags to nodes and clusters. Adding a tag twice is harmless.',
    args: { input: t.arg({ type: TagChangeInput, required: true, description: 'The nodes, clusters and tags.' }) },
    resolve: (meta, args, context) =>
      context.services.tags.add(meta, { ...args.input, nodeIds: args.input.nodeIds?.map(String), clusterIds: args.input.clusterIds?.map(String) }),
  }),
  removeTags: mutation(t, 'tags.remove', 'OPERATOR', {
    type: TagChangeRef,
    description: 'Removes tags from nodes and clusters.',
    args: { input: t.arg({ type: TagChangeInput, required: true, description: 'The nodes, clusters and tags.' }) },
    resolve: (meta, args, context) =>
      context.services.tags.remove(meta, { ...args.input, nodeIds: args.input.nodeIds?.map(String), clusterIds: args.input.clusterIds?.map(String) }),
  }),
}));
