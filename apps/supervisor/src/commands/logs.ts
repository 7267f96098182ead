import { ExitCode } from '../exit-codes.js';
import type { LogsRequest, LookupRequest } from '../program.js';
import type { CommandIO } from './io.js';

/** `mpm-supervise logs`: TODO (issue 7). */
export async function runLogs(_lookup: LookupRequest, _logs: LogsRequest, io: CommandIO): Promise<ExitCode> {
  io.writeErr('mpm-supervise: logs is not built yet\n');
  return ExitCode.internalError;
}
