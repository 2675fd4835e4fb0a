import { defineErrors, referenceErrorSpecs } from '@autocall/contracts';

export const smsErrors = defineErrors({
  TEMPLATE_NOT_FOUND: { status: 404, message: 'The SMS template does not exist.' },
  TEMPLATE_SYNTAX_INVALID: { status: 400, message: 'The template has an unclosed or empty {{ }} placeholder.' },
  TEMPLATE_IN_USE: { status: 409, message: 'A task that is not finished uses this template.' },
  TEMPLATE_NOT_APPROVED: referenceErrorSpecs.TEMPLATE_NOT_APPROVED,
  TEMPLATE_NOT_PENDING: { status: 409, message: 'Only a pending template can be approved or rejected.' },
  SMS_PROVIDER_URL_FORBIDDEN: { status: 422, message: 'The provider URL points to a private, loopback or link-local address.' },
  SMS_PROVIDER_SETTINGS_INVALID: { status: 422, message: 'The http provider needs settings.url.' },
  ADMIN_ONLY: { status: 401, message: 'This route needs the admin token.' },
});
