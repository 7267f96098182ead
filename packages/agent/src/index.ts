// The public face of @mpm/agent. Importing it starts nothing; attachAgent does the work.
export { attachAgent, type AgentHandle } from './attach.js';
export type { IpcChannel } from './channel.js';
export { AGENT_DEFAULTS, AgentOptionError, type AgentOptions } from './options.js';
export { EXIT_CLOSED, EXIT_NOT_CLOSED, type ShutdownReason } from './shutdown.js';
