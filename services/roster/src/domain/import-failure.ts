/** Why an import ended `failed` (API.md failureReason codes). */
export type FailureReason = 'ROSTER_UNREADABLE' | 'ROSTER_TOO_MANY_ROWS' | 'ROSTER_NO_PHONE_COLUMN' | 'ROSTER_EMPTY' | 'ROSTER_TOO_LARGE' | 'ROSTER_TOO_MANY_COLUMNS' | 'ROSTER_HEADER_INVALID';

/** An import that ends the roster `failed` (no retry). Free of @autocall imports: the import thread throws it too. */
export class ImportFailure extends Error {
  constructor(readonly reason: FailureReason, detail?: string) {
    super(detail ?? reason);
    this.name = 'ImportFailure';
  }
}
