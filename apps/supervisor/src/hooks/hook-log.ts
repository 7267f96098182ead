import { formatDuration } from '@mpm/config';
import type winston from 'winston';
import type { HookReport } from './hook-report.js';
import { targetName, type HookSpec } from './hook-spec.js';

/** The fields every hook record has: which hook, and where it goes (a webhook by its origin only). */
function hookFields(hook: HookSpec): Record<string, unknown> {
  return { hook: hook.name, kind: hook.target.kind, target: targetName(hook.target) };
}

/**
 * Writes what the hooks do to the log: a failure once per episode (`hook_failed`), its end
 * once (`hook_recovered`), events abandoned at exit or by a reload, and each delivery and
 * a command's output at debug level. No record holds a secret or a webhook URL's path.
 */
export function logHookReport(logger: winston.Logger, report: HookReport): void {
  const { hook } = report;
  switch (report.kind) {
    case 'delivered':
    case 'failed': {
      const { delivery, event } = report;
      if (!logger.isDebugEnabled()) return;
      logger.debug(`hook ${hook.name}: ${event.event} ${delivery.ok ? 'delivered' : 'not delivered'}: ${delivery.how}`, {
        event: 'hook_delivery',
        ...hookFields(hook),
        hookEvent: event.event,
        eventId: event.id,
        ok: delivery.ok,
        attempts: delivery.attempts,
        how: delivery.how,
        ...(delivery.output === undefined ? {} : { stdout: delivery.output.stdout, stderr: delivery.output.stderr }),
      });
      return;
    }
    case 'dropped':
      return;
    case 'episode': {
      const episode = report.report;
      if (episode.kind === 'failed') {
        logger.warn(`hook ${hook.name} failed: ${episode.why}; further failures of this hook are counted, not logged, until it delivers again`, {
          event: 'hook_failed',
          ...hookFields(hook),
          why: episode.why,
        });
      } else {
        const lost = [...(episode.failed === 0 ? [] : [`${episode.failed} failed`]), ...(episode.dropped === 0 ? [] : [`${episode.dropped} dropped`])].join(', ');
        logger.info(`hook ${hook.name} delivers again after ${formatDuration(episode.sinceMs)}; events lost meanwhile: ${lost}`, {
          event: 'hook_recovered',
          ...hookFields(hook),
          failed: episode.failed,
          dropped: episode.dropped,
          sinceMs: episode.sinceMs,
        });
      }
      return;
    }
    case 'abandoned': {
      const why = report.why === 'exit' ? 'the supervisor exits and waits no longer' : 'a config reload removed the hook';
      logger.warn(`hook ${hook.name}: ${report.count} event(s) not delivered: ${why}`, { event: 'hook_abandoned', ...hookFields(hook), count: report.count, why: report.why });
    }
  }
}
