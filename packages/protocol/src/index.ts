export {
  MESSAGE_PREFIX,
  PROBE_AUTH_FIELD,
  PROBE_PING_EVENT,
  type AckMessage,
  type AgentMessage,
  type ClearConnectionsMessage,
  type PingMessage,
  type PongMessage,
  type ProbePingReply,
  type ReadyMessage,
  type ServiceStats,
  type ShutdownMessage,
  type SupervisorMessage,
} from './messages.js';
export { parseAgentMessage, parseSupervisorMessage, type Parsed } from './parse.js';
