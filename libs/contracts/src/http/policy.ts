import { Type, type Static } from '@sinclair/typebox';
import { CursorPage, CursorQuery, DateTime, defineRoutes, Nullable, Problem } from '../core';

/** Where a do-not-call entry came from: the API, an xlsx import, an SMS opt-out reply, a key pressed during a call. */
export const DncSource = Type.Union([Type.Literal('api'), Type.Literal('import'), Type.Literal('sms-reply'), Type.Literal('dtmf')]);
export type DncSource = Static<typeof DncSource>;

export const DncEntry = Type.Object(
  {
    /** E.164, normalised as roster numbers are */
    phone: Type.String(),
    /** as given */
    rawPhone: Type.String(),
    reason: Nullable(Type.String()),
    source: DncSource,
    createdAt: DateTime,
    /** who listed it: `user:<id>`, `apiKey:<id>`, `admin`, or `system` (an opt-out) */
    createdBy: Nullable(Type.String()),
  },
  { $id: 'DncEntry' },
);

const PhoneText = Type.String({ minLength: 1, maxLength: 64, description: 'A number as a roster would read it: 087630021323, 6287630021323, +6287630021323…; not a valid number of the allowed regions → 400 INVALID_PHONE.' });

export const AddDnc = Type.Object({ phone: PhoneText, reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });

export const DncPhoneParams = Type.Object(
  { phone: Type.String({ minLength: 1, maxLength: 64, description: 'E.164 with a literal + (/v1/dnc/+6287630021323) or as a roster would read it (087630021323)' }) },
  { additionalProperties: false },
);

export const ListDncQuery = Type.Object(
  {
    ...CursorQuery,
    phone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'digits the number contains (search), e.g. 0876300 or +62876' })),
    source: Type.Optional(DncSource),
  },
  { additionalProperties: false },
);

export const DncImportResult = Type.Object({ added: Type.Integer(), alreadyListed: Type.Integer(), invalid: Type.Integer() }, { $id: 'DncImportResult' });

/** A blackout: one date or an inclusive range, `YYYY-MM-DD`, read in each task's time zone. */
const DATE = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
const BlackoutName = Type.String({ minLength: 1, maxLength: 100 });
export const Blackout = Type.Union([
  Type.Object({ date: Type.String({ pattern: DATE }), name: BlackoutName }, { additionalProperties: false }),
  Type.Object({ from: Type.String({ pattern: DATE }), to: Type.String({ pattern: DATE, description: 'inclusive; not before from' }), name: BlackoutName }, { additionalProperties: false }),
]);
export type Blackout = Static<typeof Blackout>;
export const MAX_BLACKOUTS = 366;

/** A stored blackout as it was given: `date`, or `from` and `to`. */
export const BlackoutView = Type.Object({
  date: Type.Optional(Type.String()),
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  name: Type.String(),
});
export const Calendar = Type.Object({ blackouts: Type.Array(BlackoutView), updatedAt: Nullable(DateTime) }, { $id: 'Calendar' });
export const PutCalendar = Type.Object({ blackouts: Type.Array(Blackout, { maxItems: MAX_BLACKOUTS }) }, { additionalProperties: false });

/** A per-number cap across all of a tenant's tasks per local day: `null` (no cap) or 1–10. */
const Cap = Nullable(Type.Integer({ minimum: 1, maximum: 10 }));
/**
 * The tenant's contact policy (API.md): calls and SMS per number per calendar day of the calling
 * task's time zone, counted across all of the tenant's tasks. Every INVITE sent counts as a call;
 * every SMS but opt-out confirmations as an SMS. A number at its call cap waits for the next day;
 * an SMS over its cap is `skipped` with reason CONTACT_LIMIT.
 */
export const ContactPolicy = Type.Object(
  { maxCallsPerNumberPerDay: Cap, maxSmsPerNumberPerDay: Cap, updatedAt: Nullable(DateTime) },
  { $id: 'ContactPolicy' },
);
export const PutContactPolicy = Type.Object({ maxCallsPerNumberPerDay: Cap, maxSmsPerNumberPerDay: Cap }, { additionalProperties: false });

const problems = { 400: Problem, 404: Problem, 503: Problem };

/** Public routes of the dialing policy, served by the dialer (API.md "Do-not-call list, calendar and contact policy"). */
export const policyRoutes = defineRoutes({
  addDnc: {
    method: 'POST', url: '/v1/dnc', operationId: 'addDncEntry', summary: 'Put a number on the do-not-call list (already listed: 200 with the entry)', tags: ['Dialing policy'],
    schema: { body: AddDnc, response: { 200: DncEntry, 201: DncEntry, ...problems } },
  },
  importDnc: {
    method: 'POST', url: '/v1/dnc/import', operationId: 'importDncEntries', summary: 'Import numbers from an .xlsx with a phone column (as rosters)', tags: ['Dialing policy'],
    multipart: { file: { type: 'file', required: true, description: '.xlsx workbook; the sheet named Roster, else the first; its phone column found by header' } },
    schema: { response: { 200: DncImportResult, ...problems, 413: Problem, 415: Problem, 422: Problem } },
  },
  listDnc: {
    method: 'GET', url: '/v1/dnc', operationId: 'listDncEntries', summary: 'The do-not-call list, newest first (cursor list)', tags: ['Dialing policy'],
    schema: { querystring: ListDncQuery, response: { 200: CursorPage(DncEntry), 400: Problem } },
  },
  getDnc: {
    method: 'GET', url: '/v1/dnc/:phone', operationId: 'getDncEntry', summary: 'One do-not-call entry', tags: ['Dialing policy'],
    schema: { params: DncPhoneParams, response: { 200: DncEntry, ...problems } },
  },
  removeDnc: {
    method: 'DELETE', url: '/v1/dnc/:phone', operationId: 'removeDncEntry', summary: 'Take a number off the do-not-call list', tags: ['Dialing policy'],
    schema: { params: DncPhoneParams, response: { 204: Type.Null(), ...problems } },
  },
  getCalendar: {
    method: 'GET', url: '/v1/calendar', operationId: 'getCalendar', summary: "The tenant's blackout dates (no task dials on them unless its dialing.skipBlackouts is false)", tags: ['Dialing policy'],
    schema: { response: { 200: Calendar, 400: Problem } },
  },
  putCalendar: {
    method: 'PUT', url: '/v1/calendar', operationId: 'putCalendar', summary: "Replace the tenant's blackout dates (up to 366 entries)", tags: ['Dialing policy'],
    schema: { body: PutCalendar, response: { 200: Calendar, ...problems } },
  },
  getContactPolicy: {
    method: 'GET', url: '/v1/contact-policy', operationId: 'getContactPolicy', summary: "The tenant's caps on calls and SMS per number per local day, across all of its tasks", tags: ['Dialing policy'],
    schema: { response: { 200: ContactPolicy, 400: Problem } },
  },
  putContactPolicy: {
    method: 'PUT', url: '/v1/contact-policy', operationId: 'putContactPolicy', summary: "Replace the tenant's contact policy (each cap null or 1–10)", tags: ['Dialing policy'],
    schema: { body: PutContactPolicy, response: { 200: ContactPolicy, ...problems } },
  },
});

export type DncEntryView = Static<typeof DncEntry>;
export type CalendarView = Static<typeof Calendar>;
export type ContactPolicyView = Static<typeof ContactPolicy>;
