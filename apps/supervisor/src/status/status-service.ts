import { redactArgs, type Config } from '@mpm/config';
import { dashboardRoutes } from '@mpm/dashboard';
import { assertSafeBinding, DEFAULT_LIMITS, isLoopbackHost, ListenError, StatusServer, statusRoutes, UnsafeBindingError, type ListeningAddress } from '@mpm/http';
import type winston from 'winston';
import { ConfigError, SupervisorError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { RunOptions } from '../run-options.js';
import { StateFile, stateDirFor, UnsafeStateDirError } from '../state/state-file.js';
import { logServerNotice } from './server-notices.js';
import type { SupervisorStatus } from './supervisor-status.js';

export interface StatusService {
  readonly address: ListeningAddress | undefined;
  /** Stops serving, ends open connections, and removes the state file. */
  close(): Promise<void>;
  /** Removes the state file at once, for an exit that cannot wait (an internal error). */
  removeStateFile(): void;
}

export interface StatusServiceOptions {
  readonly config: Config;
  readonly options: RunOptions;
  readonly status: SupervisorStatus;
  readonly logger: winston.Logger;
  readonly env: NodeJS.ProcessEnv;
  readonly version: string;
  /** How errors name the stateDir setting when the user gave one: `--state-dir`, `MPM_STATE_DIR (stateDir)`. */
  readonly stateDirSetting: string;
}

/**
 * Starts the status server (docs/design.md §6) before the child, so that a port in use, an
 * unsafe address or an unsafe state folder the user chose stops the start with exit 78
 * and nothing spawned; then writes the state file that tells `status` and `logs` where
 * this supervisor is.
 */
export async function startStatusService({ config, options, status, logger, env, version, stateDirSetting }: StatusServiceOptions): Promise<StatusService> {
  const { host, port, token, insecure, enabled, allowedHosts } = config.http;
  const stateFile = new StateFile(stateDirFor(config.stateDir, env), options.name);
  const stateDirSafe = checkStateDir(stateFile, { chosen: config.stateDir !== null, setting: stateDirSetting, logger });
  let server: StatusServer | undefined;
  let address: ListeningAddress | undefined;
  if (enabled) {
    try {
      assertSafeBinding({ host, token, insecure });
    } catch (error) {
      if (error instanceof UnsafeBindingError) throw new ConfigError(error.message, { cause: error });
      throw error;
    }
    server = new StatusServer({
      host,
      port,
      token,
      allowedHosts,
      routes: new Map([...statusRoutes(status), ...dashboardRoutes(status)]),
      onHandlerError: (error, path) => logger.error(`the status server could not answer ${path}: ${error instanceof Error ? error.message : String(error)}`, { event: 'internal_error', path }),
      onServerError: (error) => logger.warn(`the status server hit an error and goes on serving: ${error.message}`, { event: 'status_server_error' }),
      onNotice: (notice) => logServerNotice(logger, notice, DEFAULT_LIMITS.noticeWindowMs),
    });
    try {
      address = await server.listen();
    } catch (error) {
      if (error instanceof ListenError) throw new SupervisorError(error.message, error.failure === 'other' ? ExitCode.internalError : ExitCode.config, { cause: error });
      throw error;
    }
    if (!isLoopbackHost(host) && token === null) {
      logger.warn(`the status server on ${address.url} needs no token (--http-insecure): anyone who can reach it can read /diagnostics`, {
        event: 'status_server_insecure',
        url: address.url,
      });
    }
  }

  status.runtime = { statusUrl: address?.url ?? null, stateFile: stateFile.path, logFile: options.log.file };
  const written = stateDirSafe && writeState(stateFile, { config, options, address, logger, version });
  if (address !== undefined) {
    logger.info(`status server on ${address.url} (dashboard at /; /health, /health/ready, /metrics, /diagnostics, /events)${token === null ? '' : ', token required'}`, {
      event: 'status_server_listening',
      url: address.url,
      host: address.host,
      port: address.port,
      tokenRequired: token !== null,
      stateFile: written ? stateFile.path : null,
    });
  } else {
    logger.info('status server disabled (http.enabled is false)', { event: 'status_server_disabled' });
  }
  return {
    address,
    async close() {
      await server?.close();
      if (written) stateFile.remove();
    },
    removeStateFile() {
      if (written) stateFile.remove();
    },
  };
}

/**
 * Whether the state folder may be written. A folder the user chose that is not safe is a
 * config error (exit 78): they can fix it, and a supervisor that `status` cannot find is
 * not what they asked for. The default folder is refused with a warning and the
 * supervisor runs on without a state file: another user who made /tmp/mpm-supervise-<uid>
 * first must not be able to stop it from starting.
 */
function checkStateDir(stateFile: StateFile, { chosen, setting, logger }: { chosen: boolean; setting: string; logger: winston.Logger }): boolean {
  try {
    stateFile.assertSafeDir();
    return true;
  } catch (error) {
    if (!(error instanceof UnsafeStateDirError)) return true; // Cannot make it, say: writeState warns as for any write error.
    if (chosen) throw new ConfigError(`${setting}: ${error.message}; use a folder of this user's that no one else may write (mkdir -m 700)`, { cause: error });
    logger.warn(
      `not writing a state file: ${error.message}${error.reason === 'not_owned' ? ' (another user may have made it to plant files in it)' : ''}; remove it, or set --state-dir (mpm-supervise status and logs will not find this supervisor)`,
      { event: 'state_dir_unsafe', stateDir: error.dir, reason: error.reason, owner: error.owner },
    );
    return false;
  }
}

/** The state file is a convenience for `status` and `logs`: failing to write it is a warning. */
function writeState(
  stateFile: StateFile,
  { config, options, address, logger, version }: { config: Config; options: RunOptions; address: ListeningAddress | undefined; logger: winston.Logger; version: string },
): boolean {
  const holder = stateFile.holder();
  if (holder !== undefined) {
    logger.warn(`another supervisor named ${options.name} is running (pid ${holder.pid}); ${stateFile.path} now points to this one (give each its own --name)`, {
      event: 'state_file_taken_over',
      stateFile: stateFile.path,
      otherPid: holder.pid,
    });
  }
  try {
    stateFile.write({
      name: options.name,
      pid: process.pid,
      version,
      startedAt: new Date().toISOString(),
      http: address === undefined ? null : { url: address.url, host: address.host, port: address.port, tokenRequired: config.http.token !== null },
      logFile: options.log.file,
      command: [options.spec.command, ...redactArgs(options.spec.args)],
    });
    return true;
  } catch (error) {
    logger.warn(`could not write the state file ${stateFile.path}: ${(error as Error).message} (mpm-supervise status and logs will not find this supervisor; set --state-dir)`, {
      event: 'state_file_unwritable',
      stateFile: stateFile.path,
    });
    return false;
  }
}
