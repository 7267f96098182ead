import type { CustomCheck } from '@mpm/config';
import { execCheck, httpCheck, socketIoCheck, tcpCheck, type ExecEnvironment, type HealthChecker, type ProbeTls, type ProcessRegistry } from '@mpm/health';
import { readConfigText } from '@mpm/config';
import { specOf } from './check-spec.js';
import { CheckLoadError, loadModuleCheck } from './load-module.js';

/** What the checks need from the running supervisor, read at each round. */
export interface CheckDeps {
  /** Where an exec check runs: the child's folder and environment (PORT included). */
  readonly environment: () => ExecEnvironment;
  /** The built-in probe's engine path and TLS trust, for a socketio check with its own URL. */
  readonly probe: () => { readonly path: string; readonly tls: ProbeTls };
  /** The exec checks' processes while they run. */
  readonly processes: ProcessRegistry;
  /** setpriv --pdeathsig, where there is one: a supervisor that dies takes its checks along. */
  readonly wrap?: (command: string, args: readonly string[]) => { command: string; args: readonly string[] };
}

/** One entry of health.custom as a HealthChecker. Throws a CheckLoadError (a module, a CA file) naming what is wrong. */
export async function buildCheck(check: CustomCheck, deps: CheckDeps): Promise<HealthChecker> {
  const spec = specOf(check);
  switch (check.type) {
    case 'tcp':
      return tcpCheck({ ...spec, host: check.host, port: check.port });
    case 'http': {
      let ca: string | undefined;
      if (check.ca !== undefined) {
        const read = readConfigText(check.ca, 'ca');
        if (!read.ok) throw new CheckLoadError(read.finding.message);
        ca = read.text;
      }
      return httpCheck({
        ...spec,
        url: check.url,
        ...(check.expectStatus === undefined ? {} : { expectStatus: typeof check.expectStatus === 'number' ? [check.expectStatus] : check.expectStatus }),
        ...(check.bodyContains === undefined ? {} : { bodyContains: check.bodyContains }),
        ...(ca === undefined ? {} : { ca }),
        ...(check.insecure === undefined ? {} : { insecure: check.insecure }),
      });
    }
    case 'exec':
      return execCheck({
        ...spec,
        command: check.command,
        ...(check.unit === undefined ? {} : { unit: check.unit }),
        environment: deps.environment,
        processes: deps.processes,
        ...(deps.wrap === undefined ? {} : { wrap: deps.wrap }),
      });
    case 'socketio':
      return socketIoCheck({
        ...spec,
        ...(check.url === undefined ? {} : { url: check.url }),
        event: check.event,
        ...(check.data === undefined ? {} : { data: check.data }),
        ...(check.expect === undefined ? {} : { expect: check.expect }),
        probe: deps.probe,
      });
    case 'module':
      return loadModuleCheck(check);
  }
}
