import { Type, type Static } from '@sinclair/typebox';
import { CursorPage, CursorQuery, DateTime, defineRoutes, IdParams, Nullable, Page, PageQuery, Problem, Uuid } from '../core';

export const RosterStatus = Type.Union([Type.Literal('validating'), Type.Literal('ready'), Type.Literal('failed')]);
export const RosterFailureReason = Type.Union(['ROSTER_UNREADABLE', 'ROSTER_TOO_MANY_ROWS', 'ROSTER_NO_PHONE_COLUMN', 'ROSTER_EMPTY', 'ROSTER_TOO_LARGE', 'ROSTER_TOO_MANY_COLUMNS', 'ROSTER_HEADER_INVALID'].map((s) => Type.Literal(s)));
export const RosterRowReason = Type.Union(['EMPTY', 'NOT_A_NUMBER', 'TOO_SHORT', 'TOO_LONG', 'INVALID_NUMBER', 'FOREIGN_NUMBER', 'DUPLICATE', 'VALUE_TOO_LONG', 'ROW_TOO_LARGE'].map((s) => Type.Literal(s)));

export const Roster = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    description: Nullable(Type.String()),
    fileName: Type.String(),
    sizeBytes: Type.Integer(),
    status: RosterStatus,
    progress: Type.Object({ processedRows: Type.Integer() }),
    counts: Type.Object({ totalRows: Type.Integer(), valid: Type.Integer(), invalid: Type.Integer(), duplicate: Type.Integer() }),
    failureReason: Nullable(RosterFailureReason),
    /** the header of every column but the phone one, in sheet order: each becomes an SMS variable */
    columns: Type.Array(Type.String()),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'Roster' },
);

export const RosterEntryView = Type.Object({
  rowNumber: Type.Integer(),
  /** E.164 */
  phone: Type.String(),
  rawPhone: Type.String(),
  name: Nullable(Type.String()),
  variables: Type.Record(Type.String(), Type.String()),
});
export const RosterRowError = Type.Object({ rowNumber: Type.Integer(), rawPhone: Type.String(), reason: RosterRowReason });

const RosterName = Type.String({ minLength: 1, maxLength: 100 });
const RosterDescription = Type.String({ maxLength: 500 });
export const UpdateRoster = Type.Object({ name: Type.Optional(RosterName), description: Type.Optional(Nullable(RosterDescription)) }, { additionalProperties: false, minProperties: 1 });

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const problems = { 400: Problem, 404: Problem, 409: Problem, 422: Problem };

export const rosterRoutes = defineRoutes({
  getTemplate: {
    method: 'GET', url: '/v1/rosters/template', operationId: 'getRosterTemplate', summary: 'Download the standard roster .xlsx template', tags: ['Rosters'], produces: [XLSX],
    schema: {},
  },
  createRoster: {
    method: 'POST', url: '/v1/rosters', operationId: 'createRoster', summary: 'Upload an .xlsx roster (validated in the background)', tags: ['Rosters'],
    multipart: {
      file: { type: 'file', required: true, description: '.xlsx workbook; the sheet named Roster, else the first' },
      name: { type: 'string', required: true, description: '1–100 characters' },
      description: { type: 'string', description: 'up to 500 characters' },
    },
    schema: {
      querystring: Type.Object({ wait: Type.Optional(Type.Boolean({ description: 'answer 201 once the roster is ready or failed' })) }, { additionalProperties: false }),
      response: { 201: Roster, 202: Roster, ...problems, 413: Problem, 415: Problem },
    },
  },
  listRosters: {
    method: 'GET', url: '/v1/rosters', operationId: 'listRosters', summary: 'List rosters (newest first)', tags: ['Rosters'],
    schema: {
      querystring: Type.Object({ ...PageQuery, name: Type.Optional(Type.String({ maxLength: 100 })), status: Type.Optional(RosterStatus) }, { additionalProperties: false }),
      response: { 200: Page(Roster), 400: Problem },
    },
  },
  getRoster: {
    method: 'GET', url: '/v1/rosters/:id', operationId: 'getRoster', summary: 'Get a roster with its progress and counts', tags: ['Rosters'],
    schema: { params: IdParams, response: { 200: Roster, ...problems } },
  },
  listEntries: {
    method: 'GET', url: '/v1/rosters/:id/entries', operationId: 'listRosterEntries', summary: 'Valid entries in row order (cursor list)', tags: ['Rosters'],
    schema: { params: IdParams, querystring: Type.Object({ ...CursorQuery }, { additionalProperties: false }), response: { 200: CursorPage(RosterEntryView), ...problems } },
  },
  listErrors: {
    method: 'GET', url: '/v1/rosters/:id/errors', operationId: 'listRosterErrors', summary: 'Rejected rows with reasons, duplicates included (cursor list, or ?format=xlsx)', tags: ['Rosters'],
    produces: ['application/json', XLSX],
    schema: {
      params: IdParams,
      querystring: Type.Object({ ...CursorQuery, format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('xlsx')])) }, { additionalProperties: false }),
      response: { 200: CursorPage(RosterRowError), ...problems },
    },
  },
  updateRoster: {
    method: 'PATCH', url: '/v1/rosters/:id', operationId: 'updateRoster', summary: 'Rename a roster or edit its description', tags: ['Rosters'],
    schema: { params: IdParams, body: UpdateRoster, response: { 200: Roster, ...problems } },
  },
  deleteRoster: {
    method: 'DELETE', url: '/v1/rosters/:id', operationId: 'deleteRoster', summary: 'Delete a roster (409 while a task uses it)', tags: ['Rosters'],
    schema: { params: IdParams, response: { 204: Type.Null(), ...problems } },
  },
});

/** The response bodies, as the schemas above say (a view built by hand beside them would drift). */
export type Roster = Static<typeof Roster>;
export type RosterEntryView = Static<typeof RosterEntryView>;
export type RosterRowError = Static<typeof RosterRowError>;
