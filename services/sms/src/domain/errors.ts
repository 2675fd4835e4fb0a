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
  SENDER_ID_INVALID: { status: 400, message: 'senderId is a number (E.164 or a short code, up to 15 digits) or up to 11 letters, digits and spaces.' },
  SMS_ACCOUNT_NOT_SET: { status: 404, message: 'The tenant has no SMS account yet: PUT /v1/sms-account first.' },
  CALLBACK_NOT_FOUND: { status: 404, message: 'No such callback URL.' },
  CALLBACK_SIGNATURE_INVALID: { status: 401, message: 'X-Signature is missing or is not sha256=<hex HMAC-SHA256 of the body> under the account\'s callbackSecret.' },
  CALLBACK_BODY_INVALID: { status: 400, message: 'The callback body is not JSON.' },
  INVALID_PHONE: { status: 400, message: '`from` is not a phone number.' },
  SIMULATED_PROVIDER_ONLY: { status: 409, message: 'simulate-inbound works with the simulated provider only.' },
});
