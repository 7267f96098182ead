import { Counter, type Registry } from 'prom-client';
import type { HookReport } from '../hooks/hook-report.js';

export const HOOK_DELIVERIES_TOTAL = 'mpm_hook_deliveries_total';

/**
 * Hook deliveries by hook and result: delivered, failed (after its retries), dropped (a
 * full queue), abandoned (at exit, or the hook removed by a reload). Returns the function
 * that counts a report.
 */
export function registerHookMetrics(registry: Registry): (report: HookReport) => void {
  const deliveries = new Counter({
    name: HOOK_DELIVERIES_TOTAL,
    help: 'Events handed to hooks, by hook and result (delivered, failed, dropped, abandoned)',
    labelNames: ['hook', 'result'] as const,
    registers: [registry],
  });
  return (report) => {
    switch (report.kind) {
      case 'delivered':
      case 'failed':
      case 'dropped':
        deliveries.inc({ hook: report.hook.name, result: report.kind });
        return;
      case 'abandoned':
        deliveries.inc({ hook: report.hook.name, result: 'abandoned' }, report.count);
        return;
      case 'episode':
        return;
    }
  };
}
