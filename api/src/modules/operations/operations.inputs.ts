import { builder } from '../../graphql/builder.ts';

export const StrategyInput = builder.inputType('StrategyInput', {
  description: 'How an operation should proceed; omitted fields take the defaults shown.',
  fields: (t) => ({
    maxParallel: t.int({ description: 'Nodes per batch (default 1).' }),
    maxUnavailable: t.int({
      description:
        'Per cluster, nodes that may be unavailable at once, counting nodes in maintenance for any operation, DOWN, SUSPECT and UNKNOWN (default 1). ' +
        'Nodes that are DOWN or SUSPECT are restarted first and take no budget of their own: restarting them takes nothing more down.',
    }),
    maxUnavailablePercent: t.int({ description: 'The same as a percentage of each cluster, rounded down; refused if it rounds to 0.' }),
    minHealthyTime: t.field({ type: 'Duration', description: 'How long a restarted node must stay healthy (default 10s).' }),
    healthyDeadline: t.field({ type: 'Duration', description: 'How long a node may take to become healthy (default 5m).' }),
    progressDeadline: t.field({ type: 'Duration', description: 'How long without any node becoming healthy before timing out (default 10m).' }),
    maxFailures: t.int({ description: 'Failures tolerated; one more aborts (default 0: the first failure aborts).' }),
    canary: t.int({ description: 'Nodes restarted first as a batch of their own (default 0).' }),
    autoPromote: t.boolean({ description: 'Continue after healthy canaries without promotion (default false).' }),
    pauseBetweenBatches: t.field({ type: 'Duration', description: 'Wait between batches (default none).' }),
    includeManagers: t.boolean({ description: 'Restart managers too, after all workers (default false).' }),
    rollbackOnFailure: t.boolean({
      description: 'DEPLOY: when it fails (more than maxFailures), also revert the nodes it changed, in reverse order, under the same budget (default false).',
    }),
  }),
});
