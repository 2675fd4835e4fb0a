import { AppError } from '@autocall/contracts';

/**
 * A roster refusal that retrying cannot cure: the owner answered that the roster does not exist
 * for this tenant (ROSTER_NOT_FOUND, the roster service's answer for a gone or foreign roster) or
 * that it is forbidden. Not a timeout or a 5xx, and not another 4xx either (e.g. a request the
 * owner finds invalid during a rolling upgrade): those may pass, and are retried.
 */
export function isDefinitiveRefusal(err: unknown): boolean {
  return err instanceof AppError && (err.code === 'ROSTER_NOT_FOUND' || err.status === 403 || err.status === 404);
}

/** A refusal that is not definitive but is a 4xx: not cured by hammering, so retried slowly (60 s) and loudly. */
export function isOddRefusal(err: unknown): err is AppError {
  return err instanceof AppError && err.status >= 400 && err.status < 500;
}
