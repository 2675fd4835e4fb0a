import { AppError, defineErrors, invalidField, referenceErrors } from '@autocall/contracts';

describe('error catalogues', () => {
  it('when a catalogue is declared, then each code builds an AppError with its status and message, a detail replacing the message', () => {
    const errors = defineErrors({ THING_NOT_FOUND: { status: 404, message: 'The thing does not exist.' } });
    const e = errors.THING_NOT_FOUND();
    expect(e).toBeInstanceOf(AppError);
    expect({ code: e.code, status: e.status, message: e.message }).toEqual({ code: 'THING_NOT_FOUND', status: 404, message: 'The thing does not exist.' });
    expect(errors.THING_NOT_FOUND('Not this one.').message).toBe('Not this one.');
  });

  it('when a task names an unusable reference, then the owners and the task service answer the same 422s', () => {
    expect(Object.values(referenceErrors).map((f) => [f().code, f().status, f().message])).toEqual([
      ['RECORDING_NOT_FOUND', 422, 'The recording does not exist.'],
      ['ROSTER_NOT_FOUND', 422, 'The roster does not exist.'],
      ['TEMPLATE_NOT_FOUND', 422, 'The SMS template does not exist.'],
      ['TEMPLATE_NOT_APPROVED', 422, 'The SMS template is not approved.'],
    ]);
  });

  it('when one field is invalid, then it is a 400 VALIDATION_FAILED naming it', () => {
    const e = invalidField('start.at', 'is required');
    expect({ code: e.code, status: e.status, message: e.message, errors: e.errors }).toEqual({
      code: 'VALIDATION_FAILED',
      status: 400,
      message: 'The request does not match the schema.',
      errors: [{ field: 'start.at', message: 'is required' }],
    });
  });
});
