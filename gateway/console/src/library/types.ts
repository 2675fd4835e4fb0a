import type { components } from '../api/schema';

/** The resources of these pages, as the gateway's OpenAPI document types them. */
export type SmsTemplate = components['schemas']['SmsTemplate'];
export type Roster = components['schemas']['Roster'];
export type Recording = components['schemas']['Recording'];

/**
 * A row of `GET /v1/rosters/{id}/errors` (JSON). Written here because the OpenAPI document types that
 * answer as `string` (the route produces JSON or xlsx, and the generator keeps only the xlsx's type):
 * the contract is libs/contracts' RosterRowError.
 */
export interface RosterRowError {
  rowNumber: number;
  rawPhone: string;
  reason: 'EMPTY' | 'NOT_A_NUMBER' | 'TOO_SHORT' | 'TOO_LONG' | 'INVALID_NUMBER' | 'FOREIGN_NUMBER' | 'DUPLICATE' | 'VALUE_TOO_LONG' | 'ROW_TOO_LARGE';
}
