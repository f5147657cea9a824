import { builder } from '../../graphql/builder.ts';

export const TagMatchEnum = builder.enumType('TagMatch', {
  description: 'How several tags combine.',
  values: {
    ALL: { description: 'Nodes carrying every tag.' },
    ANY: { description: 'Nodes carrying at least one of the tags.' },
  },
});

export const TagSelectorInput = builder.inputType('TagSelector', {
  description: 'Nodes chosen by tags: user tags on nodes or their clusters, or the implicit groups cluster:<name>, product:<kind>, role:<role>.',
  fields: (t) => ({
    tags: t.stringList({ required: true, description: 'One or more tags, e.g. ["datacenter 1", "role:worker"].' }),
    match: t.field({ type: TagMatchEnum, defaultValue: 'ALL', description: 'ALL (default) or ANY.' }),
  }),
});

export const TargetInput = builder.inputType('Target', {
  description:
    'A set of nodes, chosen one way: the whole system, some clusters, tags, or explicit nodes. Give exactly one field. Used by every query and operation that acts on nodes.',
  fields: (t) => ({
    all: t.boolean({ description: 'true: every node in the system.' }),
    clusters: t.stringList({ description: 'Clusters by id or name; all their nodes.' }),
    tags: t.field({ type: TagSelectorInput, description: 'Nodes carrying these tags.' }),
    nodes: t.idList({ description: 'Explicit node ids.' }),
  }),
});
