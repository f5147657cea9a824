import { ValidationError } from '../../shared/domain-error.ts';

export class TooManyNodesError extends ValidationError {
  constructor(max: number) {
    super(
      'INVALID_TARGET',
      `The target selects more than ${max} nodes; per-node metrics are read for at most ${max} nodes a scrape. ` +
        'Name a smaller cluster, tag or list of nodes, and scrape /metrics without a target for figures per cluster.',
      'target',
    );
  }
}
