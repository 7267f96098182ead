import { formatDuration } from './durations.js';
import type { ReadFailure, SupervisorFacts } from './status-row.js';

/**
 * One line on why a running supervisor could not be read, saying what to do where
 * there is something to do. Never a stack trace: these are expected outcomes.
 */
export function describeFailure(failure: ReadFailure, supervisor: SupervisorFacts): string {
  const server = `status server ${supervisor.statusUrl ?? ''}`.trimEnd();
  switch (failure.kind) {
    case 'unauthorized':
      return failure.tokenSent
        ? `${server} refused the token (401): MPM_HTTP_TOKEN (or http.token in --config) is not the supervisor's`
        : `${server} needs a token: set MPM_HTTP_TOKEN (or http.token in --config)`;
    case 'timeout':
      return `${server} did not answer within ${formatDuration(failure.timeoutMs)} (the supervisor may be overloaded or stopped)`;
    case 'refused':
      return `${server} refused the connection (the supervisor may be starting or stopping)`;
    case 'http_error':
      return `${server} answered HTTP ${failure.status}${failure.message === null ? '' : `: ${failure.message}`}`;
    case 'bad_answer':
      return `${server} gave an answer status cannot read: ${failure.reason}`;
    case 'network':
      return `${server} could not be reached: ${failure.code ?? failure.message}`;
    case 'token_withheld':
      return `${server} is not on loopback: the token is sent there only when MPM_HTTP_HOST (or http.host in --config) is ${failure.host} where status runs`;
    case 'no_address':
      return `the state file ${supervisor.stateFile} names no status server address status can use`;
  }
}
