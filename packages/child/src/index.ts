export { ChildController } from './controller.js';
export type { ChildControllerOptions, RespawnPlan, StopOptions } from './controller-options.js';
export type {
  ChildEvents,
  EscapesEndedEvent,
  ExitEvent,
  KillEscalatedEvent,
  OutputLine,
  OutputStream,
  RestartScheduledEvent,
  SpawnedEvent,
  StateChange,
  StopMethod,
  StopRequestedEvent,
} from './events.js';
export type { AfterStop, ChildState, ChildStateKind, ExitInfo, StopReason } from './state.js';
export { isSettled } from './state.js';
export { SpawnFailedError, type SpawnFailureKind } from './errors.js';
export { DEFAULT_CHILD_SETTINGS, isNodeCommand, type ChildSettings, type ChildSpec } from './settings.js';
export { LineSplitter, DEFAULT_MAX_LINE_BYTES, type LineCut, type LineHandler } from './line-splitter.js';
export { isProcessAlive, liveGroupMembers, procStats, signalGroup } from './process-group.js';
// procStats() gives these; the parser is @mpm/system's.
export { readProcStat, type ProcStat } from '@mpm/system';
export { childEnvironment, type SpawnFunction, type SpawnedProcess } from './spawn.js';
export { IpcChannel, IPC_CHILD_ENV, IPC_FD, type IpcTrouble } from './ipc-channel.js';
export { JsonLineReader, DEFAULT_MAX_MESSAGE_BYTES, type JsonLineTrouble } from './json-lines.js';
export { liveDescendants, sweepEscapes, type EscapedProcess, type EscapeSweepResult } from './escapes.js';
export { parentDeathWrapper, type ParentDeathWrapper } from './parent-death.js';
export { commandWouldStart, findProgram, type ProgramLookup } from './command/find-program.js';
export { runCommand, type CommandEnd, type CommandOptions, type CommandOutcome, type ProcessRegistry } from './command/run-command.js';
export { OutputHead, OutputTail, type KeepOutput } from './command/kept-output.js';
