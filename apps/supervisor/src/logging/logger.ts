import { closeSync, mkdirSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import winston from 'winston';
import { ConfigError } from '../errors.js';
import type { LogOptions } from '../run-options.js';
import { jsonLine, prettyLine, stamp } from './formats.js';
import { BoundedStreamTransport, DEFAULT_MAX_PENDING_BYTES } from './bounded-stream.js';
import { childLineJson, chunkClock, setChildLineWriter } from './child-lines.js';
import { NotALogFileError, openForAppend } from './open-log-file.js';
import { MESSAGE, type LogInfo } from './record.js';
import { RotatingFileTransport, type ReopenReason, type RotatingFileOptions } from './rotating-file.js';

export interface SupervisorLog {
  readonly logger: winston.Logger;
  /**
   * Applies new log settings to the running logger (a reload): level and format at
   * once; a new file, size or count opens a new file transport. Throws a ConfigError,
   * and keeps the old settings, when a new file cannot be written.
   */
  reconfigure(options: LogOptions): void;
  /**
   * Opens the log file again at its path (SIGHUP: logrotate has moved it); the lines
   * logged so far go to the old file. Nothing to do without a log file.
   */
  reopen(): void;
  /** Ends the logger and waits until every transport has written what it holds. */
  close(): Promise<void>;
  /**
   * The last words before a process.exit (an internal error): one record, past the
   * logger's queues, after every line stdout and the log file were given before; resolves
   * once both have it, or once stdout's reader takes nothing for a second (a stuck reader
   * or disk), or after ten seconds at most. Nothing
   * logged meanwhile reaches either: the record stays the last line of both.
   */
  writeLast(record: LogInfo): Promise<void>;
}

export interface LogDestinations {
  readonly stdout: Writable & { isTTY?: boolean };
  /** How much stdout output may wait for its reader before lines are dropped. */
  readonly maxPendingBytes?: number;
  /** Names the setting of the log file in errors, e.g. "--log-file" or "/etc/chat.json: log.file". */
  readonly fileSetting?: string;
}

/**
 * The supervisor's one stream of log records: JSON lines (or pretty lines on a TTY) on
 * stdout, plus a size-rotated JSON file when `file` is set.
 */
export function createSupervisorLog(options: LogOptions, destinations: LogDestinations = { stdout: process.stdout }): SupervisorLog {
  const isTTY = destinations.stdout.isTTY === true;
  // Records arrive with their JSON line made; only the pretty form makes another.
  const formatFor = (format: LogOptions['format']): winston.Logform.Format | undefined => (format === 'pretty' ? prettyLine(isTTY) : undefined);
  let current = options;
  const stdout = new BoundedStreamTransport({
    stream: destinations.stdout,
    maxPendingBytes: destinations.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES,
    droppedNotice: (dropped) => formatNow(droppedLinesRecord(dropped, current.file), formatFor(current.format)),
    ...(options.format === 'pretty' ? { format: formatFor('pretty') } : {}),
  });
  // The file's own warnings (reopened, unwritable) go through the logger, to stdout and the file.
  const fileEvents = (filename: string): FileEvents => fileEventsFor(filename, () => logger);
  let file = options.file === null ? undefined : openFile(options, fileEvents, destinations.fileSetting);
  const logger: winston.Logger = winston.createLogger({
    level: options.level,
    format: winston.format.combine(stamp(), jsonLine()),
    transports: file === undefined ? [stdout] : [stdout, file],
    exitOnError: false,
  });
  // Child lines skip the logger's pipeline (a record object, two formats and three streams
  // per line): one JSON line each, made here and handed to both transports.
  const timestamp = chunkClock();
  const toJson = childLineJson();
  setChildLineWriter(logger, (line) => {
    if (logger.silent || logger.levels[logger.level]! < logger.levels['info']!) return;
    const now = timestamp();
    const json = toJson(line, now);
    file?.writeLine(json);
    stdout.writeChildLine(line, now, json);
  });

  const reconfigure = (next: LogOptions): void => {
    const fileChanged = next.file !== current.file || next.maxSizeMb !== current.maxSizeMb || next.maxFiles !== current.maxFiles;
    // Open the new file first: when it cannot be written, nothing has changed yet.
    const nextFile = fileChanged && next.file !== null ? openFile(next, fileEvents, 'log.file') : undefined;
    logger.level = next.level;
    stdout.format = formatFor(next.format);
    if (fileChanged) {
      if (file !== undefined) {
        logger.remove(file);
        file.end();
      }
      file = nextFile;
      if (file !== undefined) logger.add(file);
    }
    current = next;
  };
  return {
    logger,
    reconfigure,
    reopen: () => file?.reopen(),
    close: () => closeLogger(logger, file === undefined ? [stdout] : [stdout, file]),
    writeLast: async (record) => {
      const full: LogInfo = { timestamp: new Date().toISOString(), source: 'supervisor', pid: process.pid, ...record };
      const json = formatNow(full, undefined);
      const line = current.format === 'pretty' ? formatNow(full, formatFor('pretty')) : json;
      // Through the stream, not past it: a pipe may still hold part of a line, and the record
      // must follow it, not cut into it. Lines still batched are handed over first.
      stdout.seal();
      const printed = new Promise<void>((resolve) => {
        bestEffort(() => destinations.stdout.write(`${line}\n`, () => resolve()));
      });
      const path = current.file;
      const filed = async (): Promise<void> => {
        if (path === null) return;
        // A batch already handed to the file's stream may land after a synchronous append.
        if (file !== undefined) await file.seal();
        bestEffort(() => {
          const fd = openForAppend(path);
          try {
            writeSync(fd, `${json}\n`);
          } finally {
            closeSync(fd);
          }
        });
      };
      // A reader that is behind but reading (journald under load) gets the time it takes, up
      // to LAST_WORDS_MAX_MS; one that reads nothing for LAST_WORDS_STALL_MS gets no more:
      // process.exit drops what the pipe has not taken, the record with it.
      await whileMoving(Promise.all([printed, filed()]), () => destinations.stdout.writableLength, { stallMs: LAST_WORDS_STALL_MS, maxMs: LAST_WORDS_MAX_MS });
    },
  };
}

type FileEvents = Pick<RotatingFileOptions, 'onReopened' | 'onUnwritable'>;

function openFile(options: LogOptions, events: (filename: string) => FileEvents, setting = '--log-file'): RotatingFileTransport | undefined {
  if (options.file === null) return undefined;
  assertWritable(options.file, setting);
  return new RotatingFileTransport({ filename: options.file, maxBytes: options.maxSizeMb * 1024 * 1024, maxFiles: options.maxFiles, ...events(options.file) });
}

const REOPEN_CAUSES: Readonly<Record<ReopenReason, string>> = {
  deleted: 'it was deleted',
  moved: 'it was moved or replaced',
  write_failed: 'writing to it failed',
  rotation_failed: 'rotating it failed',
  signal: 'asked by SIGHUP',
};

/** The records of a log file's troubles: one when it stops taking lines, one when it takes them again. */
function fileEventsFor(file: string, logger: () => winston.Logger): FileEvents {
  return {
    onUnwritable: (code) =>
      logger().warn(`cannot write the log file ${file} (${code}): its lines are lost, and counted, until it can be opened again (tried once a second); stdout still has every line`, {
        event: 'log_file_unwritable',
        file,
        code,
      }),
    onReopened: ({ reason, linesLost, code }) => {
      const cause = `${REOPEN_CAUSES[reason]}${code === undefined ? '' : ` (${code})`}`;
      const lines = `${linesLost} line${linesLost === 1 ? '' : 's'}`;
      // A deletion is seen at the next check (within a second): what went to the file since the last one is gone with it.
      const lost =
        linesLost === 0
          ? 'no line was lost'
          : reason === 'deleted'
            ? `${lines} written to it since it was last seen in place are gone with it (stdout had them)`
            : `${lines} did not reach it (stdout had them)`;
      // An operator's SIGHUP is routine; the rest say the file was out of reach.
      logger().log(reason === 'signal' ? 'info' : 'warn', `reopened the log file ${file}: ${cause}; ${lost}`, {
        event: 'log_file_reopened',
        file,
        reason,
        linesLost,
        ...(code === undefined ? {} : { code }),
      });
    },
  };
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

function assertWritable(file: string, setting: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    closeSync(openForAppend(file));
  } catch (error) {
    const reason = error instanceof NotALogFileError ? error.message : ((error as NodeJS.ErrnoException).code ?? String(error));
    throw new ConfigError(`${setting} ${file}: cannot write to it (${reason})`, { cause: error });
  }
}

/** For last words: a full pipe or disk must not turn into a second error. */
function bestEffort(write: () => void): void {
  try {
    write();
  } catch {
    // Nothing left to tell it to.
  }
}

const CLOSE_TIMEOUT_MS = 5000;
/** How long an internal error's last record waits for the log file to take the lines before it. */
const LAST_WORDS_STALL_MS = 1000;
const LAST_WORDS_MAX_MS = 10_000;

async function closeLogger(logger: winston.Logger, transports: readonly winston.transport[]): Promise<void> {
  const finished = transports.map(
    (transport) =>
      new Promise<void>((resolve) => {
        transport.once('finish', resolve);
        transport.once('error', () => resolve());
      }),
  );
  logger.end();
  await withDeadline(Promise.all(finished), CLOSE_TIMEOUT_MS);
}

/**
 * Waits for `work` while `backlog` (bytes still to be taken) shrinks: at most `stallMs`
 * without progress, and `maxMs` in all.
 */
async function whileMoving(work: Promise<unknown>, backlog: () => number, { stallMs, maxMs }: { stallMs: number; maxMs: number }): Promise<void> {
  const started = Date.now();
  let least = backlog();
  let movedAt = started;
  let timer: NodeJS.Timeout | undefined;
  const given = new Promise<void>((resolve) => {
    timer = setInterval(() => {
      const now = Date.now();
      const left = backlog();
      if (left < least) {
        least = left;
        movedAt = now;
      }
      if (now - movedAt >= stallMs || now - started >= maxMs) resolve();
    }, STALL_POLL_MS);
    timer.unref();
  });
  await Promise.race([work, given]);
  clearInterval(timer);
}

const STALL_POLL_MS = 100;

/** Waits for `work`, or `ms` at most (a stuck disk must not keep the supervisor from exiting). */
async function withDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  await Promise.race([work, timeout]);
  clearTimeout(timer);
}
