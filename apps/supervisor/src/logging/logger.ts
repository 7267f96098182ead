import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import winston from 'winston';
import { ConfigError } from '../errors.js';
import type { LogOptions } from '../run-options.js';
import { jsonLine, prettyLine, stamp } from './formats.js';
import { BoundedStreamTransport, DEFAULT_MAX_PENDING_BYTES } from './bounded-stream.js';
import { MESSAGE, type LogInfo } from './record.js';
import { RotatingFileTransport } from './rotating-file.js';

export interface SupervisorLog {
  readonly logger: winston.Logger;
  /** Ends the logger and waits until every transport has written what it holds. */
  close(): Promise<void>;
}

export interface LogDestinations {
  readonly stdout: Writable & { isTTY?: boolean };
  /** How much stdout output may wait for its reader before lines are dropped. */
  readonly maxPendingBytes?: number;
}

/**
 * The supervisor's one stream of log records: JSON lines (or pretty lines on a TTY) on
 * stdout, plus a size-rotated JSON file when `file` is set.
 */
export function createSupervisorLog(options: LogOptions, destinations: LogDestinations = { stdout: process.stdout }): SupervisorLog {
  // Records arrive with their JSON line made; only the pretty form makes another.
  const stdoutFormat = options.format === 'pretty' ? prettyLine(destinations.stdout.isTTY === true) : undefined;
  const transports: winston.transport[] = [
    new BoundedStreamTransport({
      stream: destinations.stdout,
      maxPendingBytes: destinations.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES,
      droppedNotice: (dropped) => formatNow(droppedLinesRecord(dropped, options.file), stdoutFormat),
      ...(stdoutFormat === undefined ? {} : { format: stdoutFormat }),
    }),
  ];
  if (options.file !== null) {
    assertWritable(options.file);
    transports.push(
      new RotatingFileTransport({
        filename: options.file,
        maxBytes: options.maxSizeMb * 1024 * 1024,
        maxFiles: options.maxFiles,
      }),
    );
  }
  const logger = winston.createLogger({ level: options.level, format: winston.format.combine(stamp(), jsonLine()), transports, exitOnError: false });
  return { logger, close: () => closeLogger(logger, transports) };
}

function droppedLinesRecord(dropped: number, file: string | null): LogInfo {
  const where = file === null ? 'they are lost' : `the log file ${file} has them`;
  return {
    timestamp: new Date().toISOString(),
    level: 'warn',
    source: 'supervisor',
    pid: process.pid,
    message: `dropped ${dropped} lines of child output on stdout: nobody read it fast enough (${where})`,
    event: 'log_lines_dropped',
    dropped,
  };
}

/** Runs a record through the line formats outside the logger's pipeline. */
function formatNow(record: LogInfo, format: winston.Logform.Format | undefined): string {
  const json = jsonLine().transform(record) as LogInfo;
  const line = format === undefined ? json : (format.transform({ ...json }) as LogInfo);
  return String(line[MESSAGE]);
}

function assertWritable(file: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    closeSync(openSync(file, 'a'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(`--log-file ${file}: cannot write to it (${reason})`, { cause: error });
  }
}

const CLOSE_TIMEOUT_MS = 5000;

async function closeLogger(logger: winston.Logger, transports: readonly winston.transport[]): Promise<void> {
  const finished = transports.map(
    (transport) => new Promise<void>((resolve) => {
      transport.once('finish', resolve);
      transport.once('error', () => resolve());
    }),
  );
  logger.end();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
    timer.unref();
  });
  await Promise.race([Promise.all(finished), timeout]);
  clearTimeout(timer);
}
