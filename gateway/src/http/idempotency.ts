import type { FastifyRequest } from 'fastify';
import { AppError } from '@autocall/contracts';

/** The Idempotency-Key of a POST (400 unless 1–255 characters), or undefined. */
export function idempotencyKeyOf(req: FastifyRequest): string | undefined {
  if (req.method !== 'POST') return undefined;
  const key = req.headers['idempotency-key'];
  if (key === undefined) return undefined;
  const k = Array.isArray(key) ? key.join(', ') : key;
  if (k.length < 1 || k.length > 255) {
    throw new AppError('VALIDATION_FAILED', 400, 'The request does not match the schema.', [{ field: 'headers.idempotency-key', message: 'must be 1–255 characters' }]);
  }
  return k;
}
