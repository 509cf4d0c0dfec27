// Blnk's validation messages (ozzo-validation): `field: message; field: message.`, fields sorted.
import { ApiError, type ErrorCode } from '../errors.js';

export type FieldErrors = Record<string, string>;

export function validationMessage(errors: FieldErrors): string {
  return (
    Object.keys(errors)
      .sort()
      .map((field) => `${field}: ${errors[field]}`)
      .join('; ') + '.'
  );
}

/** Throws the validation error under the legacy `errors` key when `errors` is not empty. */
export function throwIfInvalid(errors: FieldErrors, code: ErrorCode = 'GEN_VALIDATION_ERROR'): void {
  if (Object.keys(errors).length === 0) return;
  throw new ApiError(code, validationMessage(errors), { legacyKey: 'errors' });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The request body as an object, or 400 GEN_MALFORMED_REQUEST. */
export function bodyObject(
  body: unknown,
  options: { message?: string; legacyKey?: 'error' | 'errors' } = {},
): Record<string, unknown> {
  if (isPlainObject(body)) return body;
  throw new ApiError('GEN_MALFORMED_REQUEST', options.message ?? 'Invalid request body', {
    legacyKey: options.legacyKey,
  });
}

/** meta_data must be an object when present. */
export function optionalMetaData(value: unknown): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (isPlainObject(value)) return value;
  throw new ApiError('GEN_MALFORMED_REQUEST', 'meta_data must be a JSON object');
}

export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  throw new ApiError('GEN_MALFORMED_REQUEST', `${field} must be a string`);
}

export function optionalBoolean(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  throw new ApiError('GEN_MALFORMED_REQUEST', `${field} must be a boolean`);
}

/** A repeatable query parameter (`include=a&include=b`, or `include=a,b`) as its values. */
export function queryValues(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((item) => String(item).split(','));
}
