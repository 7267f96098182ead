import type { HealthChecker } from '../checker.js';
import { NetworkChecker } from './network-checker.js';
import { ProcessChecker } from './process-checker.js';
import { ServiceChecker } from './service-checker.js';
import { SocketIoChecker, type SocketIoCheckerOptions } from './socketio-checker.js';

/** Every checker of docs/design.md §3, in the order their metrics are listed. */
export function defaultCheckers(options: { socketio?: SocketIoCheckerOptions } = {}): HealthChecker[] {
  return [new ProcessChecker(), new NetworkChecker(), new SocketIoChecker(options.socketio), new ServiceChecker()];
}
