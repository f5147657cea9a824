import { ValidationError } from '../../shared/domain-error.ts';
import { type ContentKind, contentKind } from './content.table.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+~-]*$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** A file name is written on nodes' disks: at most this many bytes, as most file systems allow. */
export const CONTENT_NAME_MAX_BYTES = 255;
export const CONTENT_VERSION_MAX = 100;

/**
 * The name an item is installed under on a node: one file name, never a path. No separators, no
 * "..", no control or invisible characters, no leading or trailing spaces, so that a manager can
 * write it next to its target without leaving the directory it means.
 */
export function validateContentName(value: string, field = 'name'): string {
  if (value.length === 0) throw new ValidationError('INVALID_NAME', `The ${field} must not be empty.`, field);
  if (Buffer.byteLength(value) > CONTENT_NAME_MAX_BYTES)
    throw new ValidationError('INVALID_NAME', `The ${field} must be at most ${CONTENT_NAME_MAX_BYTES} bytes.`, field);
  if (CONTROL.test(value)) throw new ValidationError('INVALID_NAME', `The ${field} must not contain control or invisible characters.`, field);
  if (/[/\\]/.test(value)) throw new ValidationError('INVALID_NAME', `The ${field} must be a file name, without "/" or "\\".`, field);
  if (value.includes('..')) throw new ValidationError('INVALID_NAME', `The ${field} must not contain "..".`, field);
  if (value.trim() !== value) throw new ValidationError('INVALID_NAME', `The ${field} must not start or end with spaces.`, field);
  return value;
}

export function validateContentVersion(value: string, field = 'version'): string {
  if (value.length === 0 || value.length > CONTENT_VERSION_MAX)
    throw new ValidationError('INVALID_ARGUMENT', `The ${field} must be 1 to ${CONTENT_VERSION_MAX} characters.`, field);
  if (!VERSION.test(value))
    throw new ValidationError(
      'INVALID_ARGUMENT',
      `The ${field} may use only letters, digits, ".", "_", "+", "~" and "-", and must start with a letter or digit.`,
      field,
    );
  return value;
}

export function isSha256(value: string): boolean {
  return SHA256.test(value);
}

export const CONTENT_KINDS: readonly ContentKind[] = contentKind.enumValues;

export function isContentKind(value: string): value is ContentKind {
  return (CONTENT_KINDS as readonly string[]).includes(value);
}
