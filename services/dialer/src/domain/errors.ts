import { defineErrors } from '@autocall/contracts';

export const dialerErrors = defineErrors({
  TASK_NOT_FOUND: { status: 404, message: 'The task does not exist.' },
  CONTROL_SUPERSEDED: { status: 409, message: 'The task is under versioned control; an unversioned (v1) hold, release or cancel changes nothing.' },
});
