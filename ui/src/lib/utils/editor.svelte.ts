import { unionError } from '$lib/graphql/errors';
import type { FormResult } from '$lib/operations/strategy-form';
import { describeError } from './handle-error';

/** A refused save, as the form's `fieldOf` sees it: the error's code and the argument it names. */
export interface Refusal {
  code: string;
  field: string | null;
}

/**
 * An editor's save: the form's own errors by field, the OC's refusal at the field it names (or
 * under the form when `fieldOf` gives none), and whether a save is on its way.
 */
export class EditorState {
  errors = $state<Record<string, string>>({});
  saveError = $state<string | null>(null);
  saving = $state(false);

  constructor(
    /** What is edited, for the message when the OC cannot be reached: "rule". */
    private readonly noun: string,
    private readonly fieldOf: (refusal: Refusal) => string | null,
  ) {}

  /** Sends the checked form; true when the OC saved it. */
  async save<T>(checked: FormResult<T>, send: (value: T) => Promise<{ __typename: string }>): Promise<boolean> {
    this.errors = checked.errors ?? {};
    this.saveError = null;
    if (!checked.value) return false;
    this.saving = true;
    try {
      const answer = await send(checked.value);
      const refused = unionError(answer);
      if (!refused) return true;
      const field = this.fieldOf({ code: refused.code, field: 'field' in answer && typeof answer.field === 'string' ? answer.field : null });
      if (field) this.errors = { [field]: refused.message };
      else this.saveError = refused.message;
    } catch (error) {
      this.saveError = describeError(error, `The ${this.noun} could not be saved.`);
    } finally {
      this.saving = false;
    }
    return false;
  }
}
