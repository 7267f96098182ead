export { Supervisor } from './supervisor.js';
export { resolveRunOptions, nameFromCommand, type RunOptions, type RunFlags, type LogOptions } from './run-options.js';
export { parseCommandLine, type Invocation } from './program.js';
export { createSupervisorLog, type SupervisorLog } from './logging/logger.js';
export { parseDuration, formatDuration } from './duration.js';
export { DEFAULTS, LOG_LEVELS, LOG_FORMATS } from './defaults.js';
export { ExitCode } from './exit-codes.js';
export { SupervisorError, UsageError, ConfigError } from './errors.js';
