import { Writable } from 'node:stream';
import winston from 'winston';

/** A logger whose records a test can read, as they were logged (before any format). */
export function captureLogger(level = 'info'): { logger: winston.Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const stream = new Writable({
    objectMode: true,
    write(info: Record<string, unknown>, _encoding, callback) {
      records.push(info);
      callback();
    },
  });
  return { logger: winston.createLogger({ level, transports: [new winston.transports.Stream({ stream })] }), records };
}
