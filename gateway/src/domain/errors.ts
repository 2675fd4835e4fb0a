import { defineErrors } from '@autocall/contracts';

/** The gateway's error catalogue. */
export const errors = defineErrors({
  UNAUTHORIZED: { status: 401, message: 'Missing, unknown or revoked API key.' },
  FORBIDDEN: { status: 403, message: 'Your role may not do this.' },
  CSRF_TOKEN_INVALID: { status: 403, message: 'A cookie-authenticated change needs X-CSRF-Token equal to the session’s CSRF token (from the login answer or GET /v1/me).' },
  INVALID_CREDENTIALS: { status: 401, message: 'The email or the password is wrong.' },
  LOGIN_RATE_LIMITED: { status: 429, message: 'Too many failed logins for this email or from this address; retry after the time in Retry-After.' },
  CURRENT_PASSWORD_WRONG: { status: 403, message: 'The current password is wrong.' },
  USER_NOT_FOUND: { status: 404, message: 'The user does not exist.' },
  EMAIL_TAKEN: { status: 409, message: 'A user with this email already exists.' },
  LAST_OWNER: { status: 409, message: 'The tenant’s last owner cannot be removed, demoted or disabled.' },
  INVALID_PATH: { status: 400, message: 'The path is not canonical (percent-escapes, backslashes, empty or dot segments are refused).' },
  TENANT_NOT_FOUND: { status: 404, message: 'The tenant does not exist.' },
  TENANT_STORAGE_FULL: { status: 413, message: "The upload would take the tenant's storage past its limit (storageBytes); delete recordings or rosters first." },
  API_KEY_NOT_FOUND: { status: 404, message: 'The API key does not exist for this tenant.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests for this API key; retry after the time in Retry-After.' },
  CALLBACK_RATE_LIMITED: { status: 429, message: 'Too many callbacks for this callback URL or from this address; retry after the time in Retry-After.' },
  AUTH_RATE_LIMITED: { status: 429, message: 'Too many failed authentications from this address; retry after the time in Retry-After.' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, message: 'This Idempotency-Key was used with a different request.' },
  IDEMPOTENCY_KEY_IN_PROGRESS: { status: 409, message: 'A request with this Idempotency-Key is still in progress; retry shortly.' },
  IDEMPOTENCY_REPLAY_UNAVAILABLE: {
    status: 409,
    message:
      'A request with this Idempotency-Key was already carried out, but its response can no longer be replayed (it was stored encrypted under a previous ADMIN_TOKEN). Look the result up instead of retrying, or use a new key.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The body is over the size limit.' },
  STREAM_LIMIT_REACHED: { status: 503, message: 'This gateway replica carries as many live event streams as it may (GATEWAY_MAX_STREAMS); retry after the time in Retry-After.' },
  DEPENDENCY_UNAVAILABLE: { status: 503, message: 'A service this request needs did not answer; retry later.' },
});
