import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../agent/src/shared/duration.ts';
import { type ConditionInput, conditionOf } from '../../api/src/modules/alerts/alerts.rules.ts';
import type { Target } from '../../api/src/modules/targets/targets.types.ts';
import type { AlertRuleView } from '../../ui/src/lib/alerts/alerts.graphql.ts';
import { type ConditionKind, emptyRuleForm, type RuleForm, ruleFormOf, ruleInputFromForm } from '../../ui/src/lib/alerts/rule-form.ts';

const CLUSTERS = new Map([['c-1', 'billing']]);

function formFor(kind: ConditionKind, settings: Partial<RuleForm> = {}): RuleForm {
  return { ...emptyRuleForm(), name: `rule-${kind.toLowerCase()}`, kind, ...settings };
}

/** The rule as the OC stores and returns it: the form's input through the OC's own condition rules. */
function saved(form: RuleForm, target: Target): AlertRuleView {
  const { value: input, errors } = ruleInputFromForm(form);
  expect(errors).toBeNull();
  if (!input) throw new Error('refused');
  // Durations travel as text; the OC has parsed them by the time its rules see them.
  const condition = Object.fromEntries(
    Object.entries(input.condition)
      .filter(([, settings]) => settings)
      .map(([key, settings]: [string, any]) => [key, { ...settings, window: settings.window ? parseDuration(settings.window) : undefined }]),
  ) as ConditionInput;
  return {
    id: 'rule-1',
    name: input.name,
    description: input.description ?? '',
    severity: input.severity ?? 'WARNING',
    labels: input.labels ?? {},
    target: { ...target },
    condition: { ...conditionOf(condition, target) },
    for: input.for ?? '0s',
    groupInterval: input.groupInterval ?? '5m',
    channelIds: [...(input.channels ?? [])],
    enabled: true,
    createdBy: 'admin',
  };
}

describe('the rule form', () => {
  it('sends each condition the OC has, and reads the stored rule back as it was typed', () => {
    const forms = [
      formFor('NODE_STATUS', { statuses: ['DOWN', 'SUSPECT'], causes: ['REPORTED_FAILURE'] }),
      formFor('CLUSTER_HEALTH', { healths: ['UNREACHABLE'] }),
      formFor('STATISTIC', { metric: 'DISK', above: '85', window: '10m' }),
      formFor('ANOMALY', { metric: 'LOAD', sensitivity: '4', window: '2h' }),
      formFor('AVAILABILITY', { objective: '99.95', window: '7d' }),
      formFor('DRIFT', { minFiles: '3' }),
      formFor('OPERATION_FAILED', { window: '30m' }),
      formFor('REMEDIATION_STOPPED', { policy: 'restart-failed' }),
      formFor('REMEDIATION_STOPPED', { policy: '' }),
    ];
    const target = { mode: 'clusters' as const, clusters: ['billing'], tags: '', match: 'ALL' as const, nodes: [] };
    for (const form of forms) {
      const typed = { ...form, target, for: '1m', labels: 'team=payments' };
      expect(ruleFormOf(saved(typed, { kind: 'CLUSTERS', clusterIds: ['c-1'] }), CLUSTERS), form.kind).toEqual(typed);
    }
    const missed = formFor('SCHEDULE_MISSED', { window: '2h' });
    expect(ruleFormOf(saved(missed, { kind: 'ALL' }), CLUSTERS)).toEqual({ ...missed, target: { ...missed.target, nodes: [] } });
  });

  it('sends the new conditions in the OC’s terms', () => {
    expect(ruleInputFromForm(formFor('AVAILABILITY', { objective: '99.9', window: '' })).value?.condition).toEqual({
      availability: { objective: 99.9, window: undefined },
    });
    expect(ruleInputFromForm(formFor('DRIFT', { minFiles: '2' })).value?.condition).toEqual({ drift: { minFiles: 2 } });
    expect(ruleInputFromForm(formFor('REMEDIATION_STOPPED', { policy: '  ' })).value?.condition).toEqual({ remediationStopped: { policy: null } });
  });

  it('refuses what it can check itself, at the field the OC would name', () => {
    expect(ruleInputFromForm(formFor('DRIFT', { minFiles: '1.5' })).errors).toEqual({ minFiles: 'Enter a whole number of files, 1 or more.' });
    expect(ruleInputFromForm(formFor('DRIFT', { minFiles: '0' })).errors).toHaveProperty('minFiles');
    expect(ruleInputFromForm(formFor('AVAILABILITY', { objective: 'high' })).errors).toEqual({ objective: 'Enter a number.' });
    expect(ruleInputFromForm(formFor('AVAILABILITY', { window: 'a week' })).errors).toHaveProperty('window');
    // Bounds are the OC's to refuse; its refusal names the same fields, so the form shows it there.
    const refusal = (form: RuleForm) => {
      try {
        saved(form, { kind: 'ALL' });
      } catch (error) {
        return (error as { field?: string }).field;
      }
    };
    expect(refusal(formFor('AVAILABILITY', { objective: '100' }))).toBe('objective');
    expect(refusal(formFor('AVAILABILITY', { window: '30m' }))).toBe('window');
    expect(refusal(formFor('DRIFT', { minFiles: '20000' }))).toBe('minFiles');
  });
});
