import { describe, expect, it } from 'vitest';
import type { RemediationPolicyView } from '../../ui/src/lib/alerts/policies.graphql.ts';
import { emptyPolicyForm, type PolicyForm, policyFieldOf, policyFormOf, policyInputFromForm } from '../../ui/src/lib/alerts/policy-form.ts';

const CLUSTERS = new Map([['c-1', 'billing']]);

function typed(settings: Partial<PolicyForm> = {}): PolicyForm {
  const form = emptyPolicyForm();
  return { ...form, name: 'restart-failed', target: { ...form.target, clusters: ['billing'] }, ...settings };
}

describe('the self-healing policy form', () => {
  it('leaves out what is left empty, for the OC’s defaults', () => {
    expect(policyInputFromForm(typed()).value).toEqual({
      name: 'restart-failed',
      target: { clusters: ['billing'] },
      statuses: ['DOWN'],
      causes: null,
      for: '2m',
      maxRestartsPerHour: 3,
      flapWindow: '10m',
      enabled: true,
    });
    const blank = policyInputFromForm(typed({ for: ' ', maxRestartsPerHour: '', flapWindow: '' })).value;
    expect(blank).toMatchObject({ for: undefined, maxRestartsPerHour: undefined, flapWindow: undefined });
  });

  it('reads a stored policy back as it was typed', () => {
    const form = typed({
      statuses: ['DOWN', 'SUSPECT'],
      causes: ['REPORTED_FAILURE'],
      for: '1m30s',
      maxRestartsPerHour: '5',
      flapWindow: '1h',
      enabled: false,
    });
    const input = policyInputFromForm(form).value;
    if (!input) throw new Error('refused');
    const stored: RemediationPolicyView = {
      id: 'policy-1',
      name: input.name,
      target: { kind: 'CLUSTERS', clusterIds: ['c-1'] },
      statuses: [...(input.statuses ?? [])],
      causes: input.causes ? [...input.causes] : null,
      for: input.for ?? '',
      maxRestartsPerHour: input.maxRestartsPerHour ?? 0,
      flapWindow: input.flapWindow ?? '',
      enabled: input.enabled ?? true,
      createdBy: 'admin',
      actions: [],
      holds: [],
    };
    expect(policyFormOf(stored, CLUSTERS)).toEqual(form);
    expect(policyFormOf({ ...stored, target: { kind: 'TAGS', tags: ['canary', 'eu'], match: 'ANY' } }, CLUSTERS).target).toMatchObject({
      mode: 'tags',
      tags: 'canary, eu',
      match: 'ANY',
    });
  });

  it('refuses what it can check itself, each at its field', () => {
    const result = policyInputFromForm(
      typed({ name: ' ', target: { ...emptyPolicyForm().target }, statuses: [], for: 'soon', maxRestartsPerHour: '2.5', flapWindow: '10 minutes' }),
    );
    expect(result.value).toBeNull();
    expect(Object.keys(result.errors ?? {}).sort()).toEqual(['flapWindow', 'for', 'maxRestartsPerHour', 'name', 'statuses', 'target']);
  });

  it('shows the OC’s refusals at the fields they are about', () => {
    expect(policyFieldOf({ code: 'INVALID_NAME', field: 'name' })).toBe('name');
    expect(policyFieldOf({ code: 'NAME_TAKEN', field: null })).toBe('name');
    expect(policyFieldOf({ code: 'INVALID_TARGET', field: 'target' })).toBe('target');
    expect(policyFieldOf({ code: 'INVALID_ARGUMENT', field: 'flapWindow' })).toBe('flapWindow');
    expect(policyFieldOf({ code: 'INVALID_ARGUMENT', field: 'maxRestartsPerHour' })).toBe('maxRestartsPerHour');
    expect(policyFieldOf({ code: 'FORBIDDEN', field: null })).toBeNull();
  });
});
