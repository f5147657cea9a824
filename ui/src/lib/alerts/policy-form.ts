import type { NodeStatus, StatusCause } from '$lib/graphql/enums';
import { durationFromForm, type FormResult, type TargetForm, targetFormOf, targetFromForm } from '$lib/operations/strategy-form';
import type { RemediationPolicyInput, RemediationPolicyView } from './policies.graphql';

/** The statuses the OC heals: UNKNOWN means the manager is unreachable, and restarting through it cannot work. */
export const HEALABLE_STATUSES: NodeStatus[] = ['DOWN', 'SUSPECT'];
/** The causes of those statuses a policy may be limited to. */
export const HEALABLE_CAUSES: StatusCause[] = ['REPORTED_FAILURE', 'MISSED_HEARTBEATS'];

/** The policy form as typed: text fields keep half-typed values as they are. */
export interface PolicyForm {
  name: string;
  target: TargetForm;
  statuses: NodeStatus[];
  /** None: any cause. */
  causes: StatusCause[];
  for: string;
  maxRestartsPerHour: string;
  flapWindow: string;
  enabled: boolean;
}

/** The OC's defaults; the target starts as chosen clusters, not the whole system. */
export function emptyPolicyForm(): PolicyForm {
  return {
    name: '',
    target: { mode: 'clusters', clusters: [], tags: '', match: 'ALL', nodes: [] },
    statuses: ['DOWN'],
    causes: [],
    for: '2m',
    maxRestartsPerHour: '3',
    flapWindow: '10m',
    enabled: true,
  };
}

/** A stored policy in the form's terms; stored targets name clusters by id, the form by name. */
export function policyFormOf(policy: RemediationPolicyView, clusterNames: ReadonlyMap<string, string>): PolicyForm {
  return {
    name: policy.name,
    target: targetFormOf(policy.target, clusterNames),
    statuses: [...policy.statuses],
    causes: [...(policy.causes ?? [])],
    for: policy.for,
    maxRestartsPerHour: String(policy.maxRestartsPerHour),
    flapWindow: policy.flapWindow,
    enabled: policy.enabled,
  };
}

/** Checks what can be checked without the OC; durations and limits out of range are the OC's to refuse. */
export function policyInputFromForm(form: PolicyForm): FormResult<RemediationPolicyInput> {
  const errors: Record<string, string> = {};
  if (!form.name.trim()) errors.name = 'Give the policy a name.';
  const target = targetFromForm(form.target);
  if (target.errors) Object.assign(errors, target.errors);
  if (!form.statuses.length) errors.statuses = 'Choose at least one status.';
  const restarts = form.maxRestartsPerHour.trim();
  if (restarts !== '' && !/^\d+$/.test(restarts)) errors.maxRestartsPerHour = 'Enter a whole number.';

  const input: RemediationPolicyInput = {
    name: form.name.trim(),
    target: target.value ?? { all: true },
    statuses: form.statuses,
    causes: form.causes.length ? form.causes : null,
    for: durationFromForm(form.for, 'for', errors),
    maxRestartsPerHour: restarts === '' ? undefined : Number(restarts),
    flapWindow: durationFromForm(form.flapWindow, 'flapWindow', errors),
    enabled: form.enabled,
  };
  return Object.keys(errors).length ? { value: null, errors } : { value: input, errors: null };
}

const FIELDS = new Set(['name', 'target', 'statuses', 'causes', 'for', 'maxRestartsPerHour', 'flapWindow']);

/** The form field a refusal of the OC is about, to show it there; null shows it under the form. */
export function policyFieldOf(refusal: { code: string; field: string | null }): string | null {
  // A name in use is a conflict, without a field.
  if (refusal.code === 'NAME_TAKEN') return 'name';
  return refusal.field && FIELDS.has(refusal.field) ? refusal.field : null;
}
