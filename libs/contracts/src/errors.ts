/**
 * An error a client can see: an RFC 9457 problem with a stable code. Domain code throws these
 * (from each service's error catalogue); the HTTP error handler renders them; RPC carries them.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly errors?: { field: string; message: string }[],
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export interface ErrorSpec {
  status: number;
  message: string;
}

/**
 * Declares a service's error catalogue once: `errors.TEMPLATE_NOT_FOUND()` builds the AppError.
 * An optional detail replaces the default message.
 */
export function defineErrors<T extends Record<string, ErrorSpec>>(specs: T): { [K in keyof T]: (detail?: string) => AppError } {
  const out = {} as { [K in keyof T]: (detail?: string) => AppError };
  for (const code of Object.keys(specs) as (keyof T & string)[]) {
    out[code] = (detail?: string) => new AppError(code, specs[code].status, detail ?? specs[code].message);
  }
  return out;
}

/** A 400 VALIDATION_FAILED naming one field, for what the JSON schema cannot judge (a real date, a repeated multipart field). */
export const invalidField = (field: string, message: string) => new AppError('VALIDATION_FAILED', 400, 'The request does not match the schema.', [{ field, message }]);

/**
 * A reference a task names (a recording, a roster, an SMS template) that cannot be used: 422, as the
 * task API answers it (API.md). Declared once for the owners, which answer them to reserve RPCs,
 * and the task service, which answers them for its own checks.
 */
export const referenceErrorSpecs = {
  RECORDING_NOT_FOUND: { status: 422, message: 'The recording does not exist.' },
  ROSTER_NOT_FOUND: { status: 422, message: 'The roster does not exist.' },
  TEMPLATE_NOT_FOUND: { status: 422, message: 'The SMS template does not exist.' },
  TEMPLATE_NOT_APPROVED: { status: 422, message: 'The SMS template is not approved.' },
} satisfies Record<string, ErrorSpec>;
export const referenceErrors = defineErrors(referenceErrorSpecs);

/** Errors every service may answer. */
export const commonErrors = defineErrors({
  NOT_FOUND: { status: 404, message: 'The resource does not exist.' },
  INVALID_ID: { status: 400, message: 'The id in the path is not a UUID.' },
  INVALID_CURSOR: { status: 400, message: 'The cursor is malformed or belongs to another list.' },
  UNAUTHORIZED: { status: 401, message: 'Missing or invalid credentials.' },
  DEPENDENCY_UNAVAILABLE: { status: 503, message: 'A service this request needs did not answer in time; nothing was changed.' },
});
