import { defineErrors } from '@autocall/contracts';

export const dialerErrors = defineErrors({
  TASK_NOT_FOUND: { status: 404, message: 'The task does not exist.' },
});
