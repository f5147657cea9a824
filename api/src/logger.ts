import pino, { type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level: string;
  format: 'json' | 'pretty';
}

/** The one logger of a process; modules take `logger.child({ module })`. */
export function createLogger({ level, format }: LoggerOptions): Logger {
  const redact = { paths: ['*.password', '*.token', '*.authorization', 'req.headers.authorization'], censor: '[redacted]' };
  if (format === 'pretty' && level !== 'silent') {
    return pino({
      level,
      redact,
      transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' } },
    });
  }
  return pino({ level, redact });
}
