import { defineErrors, referenceErrorSpecs } from '@autocall/contracts';

export const taskErrors = defineErrors({
  ...referenceErrorSpecs, // RECORDING_NOT_FOUND, ROSTER_NOT_FOUND, TEMPLATE_NOT_FOUND, TEMPLATE_NOT_APPROVED: 422
  TASK_NOT_FOUND: { status: 404, message: 'The task does not exist.' },
  TASK_NAME_INVALID: { status: 400, message: 'The name must be 1–64 characters (after trimming) of A–Z, a–z, 0–9, Chinese (Han) characters and spaces.' },
  SCHEDULE_IN_PAST: { status: 422, message: 'The scheduled start time is in the past.' },
  END_BEFORE_START: { status: 422, message: 'dialing.endAt is not after the task starts.' },
  RECORDING_NOT_READY: { status: 422, message: 'The recording is not ready.' },
  ROSTER_NOT_READY: { status: 422, message: 'The roster is not ready (still validating or failed).' },
  ROSTER_EMPTY: { status: 422, message: 'The roster has no valid phone number.' },
  TEMPLATE_VARIABLES_MISSING: { status: 422, message: 'The SMS template uses a variable that is neither built in nor a roster column.' },
  SMS_ACCOUNT_INACTIVE: { status: 422, message: 'SMS is enabled but the SMS account is not active.' },
  SMS_SENDER_NOT_REPLYABLE: { status: 422, message: 'Reply rules need an SMS account whose senderId can receive replies: a number (E.164 or a short code), not an alphanumeric sender id.' },
  TASK_NOT_EDITABLE: { status: 409, message: 'This field cannot be changed in the task’s current state.' },
  TASK_INVALID_TRANSITION: { status: 409, message: 'The task cannot make this transition from its current state.' },
  TENANT_LIMIT_REACHED: { status: 422, message: 'The tenant has as many active (running or paused) tasks as its limit allows (maxActiveTasks).' },
  TASK_NOT_DELETABLE: { status: 409, message: 'Only a completed or cancelled task can be deleted.' },
});

/** A schema-like 400 for a field the JSON schema cannot judge (a start time that is not a real date). */
export { invalidField } from '@autocall/contracts';
