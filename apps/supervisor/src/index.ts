export { Supervisor } from './supervisor.js';
export { runOptionsFrom, logOptionsFrom, nameFromCommand, type RunOptions, type RunContext, type LogOptions } from './run-options.js';
export { parseCommandLine, type Invocation, type ConfigRequest } from './program.js';
export { loadFor, reloaderFor, settingName } from './config-load.js';
export { printConfig, validateConfig } from './config-commands.js';
export { createSupervisorLog, type SupervisorLog } from './logging/logger.js';
export { ExitCode } from './exit-codes.js';
export { SupervisorError, UsageError, ConfigError } from './errors.js';
