// The library face of the demo server, for tests that run it in-process. Importing this
// reads no environment and starts nothing; the executable is main.ts.
export { DemoConfigError } from './errors.js';
export { FAIL_EVENT } from './fail-event.js';
export { ACT_AFTER_MS, DEFAULT_LEAK_MB_PER_SEC, FAULT_EVENT, parseFaultRequest, type FaultAck, type FaultActions, type FaultKind, type FaultRequest } from './fault-events.js';
export { DEFAULT_FAULTS, parseFaults, type Environment, type Faults } from './faults.js';
export { DEFAULT_LISTEN, parseListenOptions, type ListenOptions } from './listen-options.js';
export type { PingReply } from './ping.js';
export { printLines } from './print-lines.js';
export { startDemoServer, type DemoServer, type DemoServerOptions, type DemoServerStats, type TickPayload } from './server.js';
export type { GrandchildMode } from './values.js';
