// Structured JSON logs (pino). Every job log line carries jobId and queue via child loggers.
import { pino, type Logger } from 'pino';

export type TLogger = Logger;

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): TLogger {
  return pino({
    name,
    level,
    base: { service: name, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
