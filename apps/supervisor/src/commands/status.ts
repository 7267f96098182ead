import { ExitCode } from '../exit-codes.js';
import type { LookupRequest } from '../program.js';
import type { CommandIO } from './io.js';

/** `mpm-supervise status`: TODO (issue 7). */
export async function runStatus(_lookup: LookupRequest, _json: boolean, io: CommandIO): Promise<ExitCode> {
  io.writeErr('mpm-supervise: status is not built yet\n');
  return ExitCode.internalError;
}
