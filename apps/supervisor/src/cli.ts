#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { LiveConfig, type LoadOutcome } from '@mpm/config';
import { Registry } from 'prom-client';
import { printConfig, validateConfig } from './config-commands.js';
import type { CommandIO } from './commands/io.js';
import { runLogs } from './commands/logs.js';
import { runStatus } from './commands/status.js';
import { loadFor, reloaderFor, settingName } from './config-load.js';
import { ExitCode } from './exit-codes.js';
import { ConfigError, SupervisorError } from './errors.js';
import { createSupervisorLog, type SupervisorLog } from './logging/logger.js';
import { parseCommandLine, type ConfigRequest } from './program.js';
import { followConfig, logConfigLoaded, logConfigWarnings, reloadConfig } from './reload.js';
import { runOptionsFrom } from './run-options.js';
import { HealthWatch } from './health/health-watch.js';
import { HookWatch } from './hooks/hook-watch.js';
import { RecoveryWatch } from './recovery/recovery-watch.js';
import { handleSignals } from './signals.js';
import { Supervisor } from './supervisor.js';
import { registerSupervisorMetrics } from './metrics/supervisor-metrics.js';
import { startStatusService, type StatusService } from './status/status-service.js';
import { SupervisorStatus } from './status/supervisor-status.js';
import { adoptDescendants } from './descendants/adoption.js';
import { startProcessGuard } from './descendants/process-guard.js';
import { startSystemdNotify, systemdNotifySender } from './systemd/start-notifier.js';
import { childEnvironment, parentDeathWrapper } from '@mpm/child';
import { CheckProcesses } from './health/custom/check-processes.js';
import { CustomCheckSet } from './health/custom/check-set.js';
import { refuseUnrunnableChecks, refuseUnusableChecks } from './health/custom/start-checks.js';
import { takeSystemdEnvironment } from './systemd/systemd-environment.js';

/** How long the process may take to drain its output before it exits anyway. */
const EXIT_GRACE_MS = 5000;

/** Set by the one-file build (scripts/bundle.mjs), which has no package.json beside it. */
declare const MPM_BUNDLED_VERSION: string | undefined;

function packageVersion(): string {
  if (typeof MPM_BUNDLED_VERSION === 'string') return MPM_BUNDLED_VERSION;
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/** Each line of a message as its own `mpm-supervise: …` line on stderr. */
function printError(message: string): void {
  for (const line of message.split('\n')) process.stderr.write(`mpm-supervise: ${line}\n`);
}

const output = {
  writeOut: (text: string) => process.stdout.write(text),
  writeErr: (text: string) => process.stderr.write(text),
};

async function main(argv: readonly string[]): Promise<ExitCode> {
  const invocation = parseCommandLine(argv, packageVersion(), output);
  switch (invocation.kind) {
    case 'exit':
      return invocation.exitCode;
    case 'config_print':
      return printConfig(loadFor(invocation.request, process.env, process.cwd()), invocation.sources, output);
    case 'config_validate':
      // The user-defined checks too: a program that is not there, a module that does not load.
      return validateConfig(await refuseUnusableChecks(loadFor(invocation.request, process.env, process.cwd()), { cwd: process.cwd(), env: process.env }, true), output);
    case 'status':
      return runStatus(invocation.lookup, invocation.json, commandIO());
    case 'logs':
      return runLogs(invocation.lookup, invocation.logs, commandIO());
    case 'run':
      return run(invocation.request);
  }
}

function commandIO(): CommandIO {
  return { ...output, stdoutIsTTY: process.stdout.isTTY === true, env: process.env, cwd: process.cwd() };
}

/** Refuses a config with errors: warnings and errors on stderr, exit 78. */
function assertUsable(outcome: LoadOutcome): asserts outcome is Extract<LoadOutcome, { ok: true }> {
  if (outcome.ok) return;
  for (const warning of outcome.warnings) printError(`warning: ${warning.message}`);
  throw new ConfigError(outcome.errors.map((error) => error.message).join('\n'));
}

async function run(request: ConfigRequest): Promise<ExitCode> {
  // Before anything spawns: the child must not inherit systemd's notify socket.
  const systemd = takeSystemdEnvironment(process.env);
  const context = { cwd: process.cwd(), stdoutIsTTY: process.stdout.isTTY === true };
  const outcome = refuseUnrunnableChecks(loadFor(request, process.env, context.cwd), { cwd: context.cwd, env: process.env });
  assertUsable(outcome);
  // Throws a UsageError (exit 64) when neither the command line nor the file names a command.
  const options = runOptionsFrom(outcome.loaded.config, context);
  // A Type=notify unit without the native helper would time out in silence: exit 78 now.
  const notifySender = systemdNotifySender(systemd);
  // The user-defined checks, before anything starts: a module that does not load is exit 78.
  const checkProcesses = new CheckProcesses();
  const customChecks: CustomCheckSet = new CustomCheckSet({
    environment: () => ({ cwd: supervisor.controller.spec.cwd, env: childEnvironment(supervisor.controller.spec) }),
    probe: (): ReturnType<HealthWatch['probe']> => health.probe(),
    processes: checkProcesses,
    ...wrapOf(parentDeathWrapper()),
  });
  const built = await customChecks.build(outcome.loaded.config.health.custom, settingName(outcome.loaded, 'health.custom'));
  if (built !== undefined && built.failures.length > 0) throw new ConfigError(built.failures.join('\n'));
  const log = createSupervisorLog(options.log, { stdout: process.stdout, fileSetting: settingName(outcome.loaded, 'log.file') });
  logConfigLoaded(log.logger, outcome.loaded);
  logConfigWarnings(log.logger, outcome.warnings);
  const reload = reloaderFor(request, () => process.env, context.cwd);
  // A reload whose checks could not run (a program or module file that is not there) is refused.
  const live = new LiveConfig(outcome.loaded, () => refuseUnrunnableChecks(reload(), { cwd: context.cwd, env: process.env }));
  // Before the first spawn: orphans of the first child must come here too.
  const adoption = adoptDescendants();
  // Hook commands and exec checks are this process's children too: neither escapes of the child nor orphans.
  const hookProcesses = new Set<number>();
  const otherChildren = (): number[] => [...hookProcesses, ...checkProcesses.pids()];
  const supervisor = new Supervisor(options, log.logger, { endEscapes: adoption.kind !== 'none', otherChildren });
  const health = new HealthWatch(supervisor.controller, live, log.logger, { custom: { set: customChecks, where: () => settingName(live.loaded, 'health.custom') } });
  // The supervisor's own metrics registry (never prom-client's global one); the status server serves it.
  const metrics = new Registry();
  const recovery = new RecoveryWatch(supervisor, health, live, log.logger, { registry: metrics });
  const version = packageVersion();
  const hooks = new HookWatch({ name: options.name, version, live, logger: log.logger, registry: metrics, env: process.env, cwd: context.cwd, running: hookProcesses });
  const status = new SupervisorStatus({
    name: options.name,
    version,
    controller: supervisor.controller,
    monitor: health.monitor,
    recovery: recovery.manager,
    forensics: recovery.forensics,
    config: live,
    registry: metrics,
    isStopping: () => supervisor.isStopping,
  });
  const stopMetrics = registerSupervisorMetrics(metrics, health.monitor, () => status.view());
  let service: StatusService;
  try {
    // Before the child: a port in use or an unsafe address must stop the start with nothing spawned.
    service = await startStatusService({
      config: outcome.loaded.config,
      options,
      status,
      logger: log.logger,
      env: process.env,
      version,
      stateDirSetting: settingName(outcome.loaded, 'stateDir'),
    });
  } catch (error) {
    stopMetrics();
    status.close();
    await log.close();
    throw error;
  }
  const stopReaping = startProcessGuard(supervisor.controller, log.logger, adoption, otherChildren);
  const systemdNotify = startSystemdNotify({ systemd, sender: notifySender, status, controller: supervisor.controller, monitor: health.monitor, recovery: recovery.manager, logger: log.logger });
  const notifier = systemdNotify.notifier;
  supervisor.onStopping((reason) => notifier?.stopping(reason === 'recovery' ? 'recovery gave up' : 'asked to stop'));
  const stopFollowing = followConfig(live, supervisor.controller, log, context);
  // Before recovery's own listeners: a hook hears of an exit before of the restart it causes.
  const stopHooks = hooks.start({ controller: supervisor.controller, recovery: recovery.manager, monitor: health.monitor });
  const stopWatchingHealth = health.start();
  const stopRecovering = recovery.start();
  let spawnError: string | undefined;
  supervisor.controller.once('spawnFailed', (error) => (spawnError = error.message));
  const stopHandlingSignals = handleSignals(supervisor, log.logger, () => {
    // logrotate's postrotate sends SIGHUP too: the log file at the path is opened again.
    log.reopen();
    notifier?.reloading();
    reloadConfig(live, log.logger);
    notifier?.reloaded();
  });
  const stopOnCrash = stopChildOnInternalError(supervisor, log, service);

  const exitCode = await supervisor.run();
  // Answers until the child is gone (/health says "stopping"), then the port is released.
  await service.close();
  // What the hooks still have to send (recovery gave up, say) gets a bounded wait; then exit.
  stopHooks();
  await hooks.close();
  systemdNotify.stop();
  stopRecovering();
  stopWatchingHealth();
  stopReaping();
  stopMetrics();
  status.close();
  log.logger.info(`exiting with code ${exitCode}`, { event: 'supervisor_stopped', exitCode });
  await log.close();
  stopOnCrash();
  stopHandlingSignals();
  stopFollowing();
  if (spawnError !== undefined) printError(spawnError);
  return exitCode;
}

/**
 * A bug in the supervisor must not leave an orphaned server behind, nor a state file
 * that names a dead supervisor; and the reason goes to the log as a record, not to
 * stderr alone, for whoever reads only the log.
 */
function stopChildOnInternalError(supervisor: Supervisor, log: SupervisorLog, service: StatusService): () => void {
  let failed = false;
  const onError = (error: unknown): void => {
    if (failed) return;
    failed = true;
    const detail = error instanceof Error ? error.message : String(error);
    const pid = supervisor.controller.pid;
    killGroup(pid);
    // Nothing more is logged: the record below is the last line of stdout and the file.
    log.logger.silent = true;
    // Marks the child as being stopped, so that nothing restarts it while the file settles.
    bestEffort(() => void supervisor.killNow('internal_error').catch(() => undefined));
    const lastWords = log.writeLast({
      level: 'error',
      message: `internal error: ${detail}; ${pid === undefined ? 'no child was running' : `killed the child's process group ${pid}`}, exiting with code ${ExitCode.internalError}`,
      event: 'internal_error',
      childPid: pid ?? null,
      exitCode: ExitCode.internalError,
      stack: error instanceof Error ? (error.stack ?? null) : null,
    });
    void lastWords.finally(() => {
      // A child the broken state spawned all the same goes with it.
      const now = supervisor.controller.pid;
      if (now !== pid) killGroup(now);
      bestEffort(() => service.removeStateFile());
      printError(`internal error: ${detail}`);
      process.exit(ExitCode.internalError);
    });
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return () => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  };
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function bestEffort(act: () => void): void {
  try {
    act();
  } catch {
    // The supervisor is already broken; the exit below still comes.
  }
}

/** setpriv --pdeathsig in front of an exec check's command, where there is one. */
function wrapOf(wrapper: ReturnType<typeof parentDeathWrapper>): { wrap?: (command: string, args: readonly string[]) => { command: string; args: readonly string[] } } {
  return wrapper === undefined ? {} : { wrap: (command, args) => wrapper.wrap(command, args) };
}

// A closed stdout (the reader went away) must not take the supervisor and its child down.
process.stdout.on('error', () => undefined);

main(process.argv.slice(2)).then(
  (code) => exit(code),
  (error: unknown) => {
    if (error instanceof SupervisorError) {
      printError(error.message);
      exit(error.exitCode);
    } else {
      printError(`internal error: ${error instanceof Error ? error.message : String(error)}`);
      exit(ExitCode.internalError);
    }
  },
);

/** Exits once pending output is written; forces it if something holds the loop open. */
function exit(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
}
