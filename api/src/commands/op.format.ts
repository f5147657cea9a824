import { counted } from '@opscenter/agent/shared/text';
import type { Budget, Operation, OperationSummary, Plan, Progress, Step, Strategy } from './op.api.ts';

/** Columns padded to their widest cell; the last column is left ragged so long messages do not widen the rest. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** A timestamp to the second, in UTC like the API gives it. */
export function timestamp(iso: string | null): string {
  return iso ? iso.replace(/\.\d+Z$/, 'Z') : '-';
}

function clockTime(iso: string | null): string {
  return iso ? timestamp(iso).slice(11, 19) : '-';
}

export function elapsed(fromIso: string | null, toIso: string | null): string {
  if (!fromIso || !toIso) return '-';
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (ms < 1000) return `${ms}ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m${String(seconds % 60).padStart(2, '0')}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

export function progressText(progress: Progress): string {
  const parts = [`${progress.succeeded}/${progress.total} done`];
  if (progress.inFlight) parts.push(`${progress.inFlight} in flight`);
  if (progress.failed) parts.push(`${progress.failed} failed${progress.reverted ? ` (${progress.reverted} reverted)` : ''}`);
  if (progress.cancelled) parts.push(`${progress.cancelled} not run`);
  return parts.join(', ');
}

export function strategyText(strategy: Strategy): string {
  const maxUnavailable = strategy.maxUnavailablePercent !== null ? `${strategy.maxUnavailablePercent}%` : String(strategy.maxUnavailable);
  return [
    `maxParallel ${strategy.maxParallel}`,
    `maxUnavailable ${maxUnavailable}`,
    `minHealthyTime ${strategy.minHealthyTime}`,
    `healthyDeadline ${strategy.healthyDeadline}`,
    `progressDeadline ${strategy.progressDeadline}`,
    `maxFailures ${strategy.maxFailures}`,
    `canary ${strategy.canary}${strategy.canary && strategy.autoPromote ? ' (auto-promote)' : ''}`,
    `pauseBetweenBatches ${strategy.pauseBetweenBatches}`,
    ...(strategy.includeManagers ? ['managers included'] : []),
  ].join(', ');
}

function budgetTable(budgets: Budget[]): string {
  return table(
    ['CLUSTER', 'NODES', 'MAX UNAVAILABLE', 'UNAVAILABLE NOW', 'CHECK'],
    budgets.map((budget) => [
      budget.clusterName,
      String(budget.size),
      String(budget.maxUnavailable),
      String(budget.unavailableNow),
      [budget.ok ? 'ok' : 'blocked', budget.reason].filter(Boolean).join(': '),
    ]),
  );
}

export function planText(plan: Plan): string {
  const clusters = new Set(plan.batches.flatMap((batch) => batch.nodes.map((node) => node.clusterName)));
  const lines = [
    `Plan (dry run, nothing started): ${plan.kind} of ${counted(plan.nodeCount, 'node')} in ${counted(plan.batches.length, 'batch', 'batches')}`,
    `Strategy: ${strategyText(plan.strategy)}`,
    '',
    'Batches:',
    ...plan.batches.map((batch) => {
      const name = (node: Plan['batches'][number]['nodes'][number]) => `${clusters.size > 1 ? `${node.clusterName}/` : ''}${node.nodeName} (${node.status})`;
      const heading = `  batch ${batch.number}${batch.canary ? ' (canary)' : ''}`;
      // A deploy says what it changes on each node, one node to a line.
      if (plan.kind === 'DEPLOY') return [`${heading}:`, ...batch.nodes.map((node) => `    ${name(node)}: ${node.change?.summary ?? ''}`)].join('\n');
      return `${heading}: ${batch.nodes.map(name).join(', ')}`;
    }),
    '',
    'Budget checks:',
    budgetTable(plan.budgets).replace(/^/gm, '  '),
  ];
  if (plan.warnings.length > 0) lines.push('', 'Warnings:', ...plan.warnings.map((warning) => `  - ${warning}`));
  return lines.join('\n');
}

/** The first line of an operation being followed. */
export function followHeadline(operation: Pick<Operation, 'id' | 'kind' | 'state' | 'stateReason'>, nodeCount: number, batchCount: number): string {
  return `Following operation ${operation.id}: ${operation.kind} of ${counted(nodeCount, 'node')} in ${counted(batchCount, 'batch', 'batches')}, ${operation.state}: ${operation.stateReason}`;
}

export function listText(operations: OperationSummary[], totalCount: number): string {
  if (operations.length === 0) return 'No operations match.';
  const rows = operations.map((operation) => [
    operation.id,
    operation.kind,
    operation.state,
    progressText(operation.progress),
    timestamp(operation.createdAt),
    operation.requestedBy,
    operation.description || operation.stateReason,
  ]);
  const shown = totalCount > operations.length ? `\n(${operations.length} of ${totalCount}; use --first for more)` : '';
  return table(['ID', 'KIND', 'STATE', 'PROGRESS', 'CREATED', 'BY', 'DESCRIPTION / REASON'], rows) + shown;
}

export function stepTable(steps: Step[]): string {
  return table(
    ['BATCH', 'NODE', 'CLUSTER', 'STATE', 'DISPATCHED', 'TOOK', 'MESSAGE'],
    steps.map((step) => [
      `${step.batch}${step.canary ? ' canary' : ''}${step.phase === 'ROLLBACK' ? ' rollback' : ''}`,
      step.nodeName,
      step.clusterName,
      step.state,
      clockTime(step.dispatchedAt),
      elapsed(step.dispatchedAt, step.finishedAt),
      step.message,
    ]),
  );
}

export function operationText(operation: Operation): string {
  const lines = [
    `Operation ${operation.id}`,
    `  Kind:       ${operation.kind}`,
    `  State:      ${operation.state}`,
    `  Reason:     ${operation.stateReason}`,
    ...(operation.description ? [`  Description: ${operation.description}`] : []),
    `  Requested:  by ${operation.requestedBy} at ${timestamp(operation.createdAt)}`,
    `  Started:    ${timestamp(operation.startedAt)}`,
    `  Finished:   ${timestamp(operation.finishedAt)}${operation.finishedAt ? ` (took ${elapsed(operation.startedAt ?? operation.createdAt, operation.finishedAt)})` : ''}`,
    `  Target:     ${JSON.stringify(operation.target)}`,
    `  Strategy:   ${strategyText(operation.strategy)}`,
    `  Progress:   ${progressText(operation.progress)}`,
    '',
    'Budgets:',
    budgetTable(operation.budgets).replace(/^/gm, '  '),
    '',
    'Steps:',
    stepTable(operation.steps).replace(/^/gm, '  '),
  ];
  return lines.join('\n');
}

/** The last word on a followed operation: its outcome and, when it did not succeed, which nodes failed. */
export function outcomeText(operation: Operation): string {
  const lines = [`Operation ${operation.id} ${operation.state}: ${operation.stateReason} (${progressText(operation.progress)})`];
  for (const step of operation.steps.filter((candidate) => ['FAILED', 'TIMED_OUT', 'REVERTED'].includes(candidate.state))) {
    lines.push(`  failed node ${step.nodeName} (cluster ${step.clusterName}, batch ${step.batch}): ${step.state}, ${step.message}`);
  }
  return lines.join('\n');
}
