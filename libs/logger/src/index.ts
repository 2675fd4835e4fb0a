import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line: credentials and full phone numbers. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-internal-token"]',
  'headers.authorization',
  'password',
  'apiKey',
  'token',
  'secret',
  'settings.password',
  'settings.apiKey',
  'settings.token',
  '*.password',
  '*.apiKey',
  '*.secret',
  '*.token',
  'phone',
  '*.phone',
];

/** Masks a phone number for logs: keeps the country prefix and the last three digits. */
export function maskPhone(phone: string): string {
  if (phone.length <= 6) return '***';
  return `${phone.slice(0, 4)}***${phone.slice(-3)}`;
}

export function loggerOptions(name: string, level = 'info'): LoggerOptions {
  const pretty = process.stdout.isTTY && process.env.LOG_FORMAT !== 'json';
  return {
    name,
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  };
}

export function createLogger(name: string, level = 'info'): Logger {
  return pino(loggerOptions(name, level));
}
