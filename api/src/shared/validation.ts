import { ValidationError } from './domain-error.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const NAME_MAX = 63;
export const TEXT_MAX = 1000;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Cluster, node and user names: what a hostname allows, so they are safe in logs, URLs and the UI. */
export function validateName(value: string, field = 'name', label = field): string {
  if (value.length === 0) throw new ValidationError('INVALID_NAME', `The ${label} must not be empty.`, field);
  if (value.length > NAME_MAX) throw new ValidationError('INVALID_NAME', `The ${label} must be at most ${NAME_MAX} characters (got ${value.length}).`, field);
  if (CONTROL.test(value)) throw new ValidationError('INVALID_NAME', `The ${label} must not contain control or invisible characters.`, field);
  if (!NAME.test(value))
    throw new ValidationError(
      'INVALID_NAME',
      `The ${label} "${value}" may use only letters, digits, ".", "_" and "-", and must start with a letter or digit.`,
      field,
    );
  return value;
}

/** Free text such as descriptions: bounded, no control characters other than newlines and tabs. */
export function validateText(value: string, field: string, max = TEXT_MAX): string {
  if (value.length > max) throw new ValidationError('INVALID_ARGUMENT', `The ${field} must be at most ${max} characters.`, field);
  if (CONTROL.test(value.replace(/[\n\t]/g, '')))
    throw new ValidationError('INVALID_ARGUMENT', `The ${field} must not contain control or invisible characters.`, field);
  return value;
}

export function validateUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError('INVALID_URL', `The ${field} must be an absolute http:// or https:// URL.`, field);
  }
  if (!['http:', 'https:'].includes(url.protocol) || value.length > 2048)
    throw new ValidationError('INVALID_URL', `The ${field} must be an absolute http:// or https:// URL.`, field);
  return url.toString();
}

export function validateId(value: string, field = 'id'): string {
  if (!isUuid(value)) throw new ValidationError('INVALID_ARGUMENT', `The ${field} "${truncate(value)}" is not a valid id.`, field);
  return value.toLowerCase();
}

export function validateLabels(labels: unknown, field = 'labels'): Record<string, string> {
  if (labels === null || labels === undefined) return {};
  if (typeof labels !== 'object' || Array.isArray(labels))
    throw new ValidationError('INVALID_ARGUMENT', `The ${field} must be an object of string values.`, field);
  const entries = Object.entries(labels as Record<string, unknown>);
  if (entries.length > 64) throw new ValidationError('INVALID_ARGUMENT', `At most 64 ${field} are allowed.`, field);
  for (const [key, value] of entries) {
    if (typeof value !== 'string' || key.length === 0 || key.length > NAME_MAX || value.length > 256 || CONTROL.test(key + value))
      throw new ValidationError('INVALID_ARGUMENT', `The ${field} must map short keys to strings of at most 256 characters without control characters.`, field);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

export function truncate(value: string, max = 40): string {
  const printable = value.replace(CONTROL, '?');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

/**
 * The path of the first string in `value` (keys included) that holds a NUL character, or null.
 * No column can store NUL and no stored value contains one, so such input is refused up front.
 */
export function pathOfNul(value: unknown, root = 'input'): string | null {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [current, path] = stack.pop() as [unknown, string];
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return path;
    } else if (current !== null && typeof current === 'object') {
      for (const [key, inner] of Object.entries(current)) {
        if (key.includes('\u0000')) return path;
        stack.push([inner, Array.isArray(current) ? `${path}[${key}]` : `${path}.${key}`]);
      }
    }
  }
  return null;
}

export function refuseNul(args: object): void {
  const path = pathOfNul(args, 'args');
  if (path)
    throw new ValidationError(
      'INVALID_ARGUMENT',
      `Text may not contain the NUL character (U+0000); see ${path.slice('args.'.length)}.`,
      path.slice('args.'.length).split(/[.[]/)[0],
    );
}
