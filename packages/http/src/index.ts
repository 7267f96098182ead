export { jsonReply, errorReply, JSON_TYPE, type ErrorBody, type Handler, type Reply, type RouteRequest, type Routes } from './reply.js';
export { StatusServer, DEFAULT_LIMITS, type ServerLimits, type StatusServerOptions, type ListeningAddress } from './server.js';
export { ListenError, UnsafeBindingError, type ListenFailure } from './errors.js';
export { assertSafeBinding, isLoopbackHost } from './bind-policy.js';
export { bearerTokenMatches } from './auth.js';
export type { BreakerView, ChildView, ExitView, StatusSource, StatusView } from './status-view.js';
export { healthVerdict, readinessVerdict, describeDown, describeOpenBreaker, type HealthJsonStatus, type Verdict } from './verdict.js';
export { HEALTH_JSON_TYPE, checksOf, childDocument, breakerDocument, healthDocument, readinessDocument, livenessDocument, type CheckEntry } from './health-document.js';
export { statusRoutes } from './status-routes.js';
