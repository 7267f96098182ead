import type { Duplex } from 'node:stream';
import type { ServerLimits } from './limits.js';
import { rawAnswer } from './respond.js';

/** The answer for a request the HTTP parser rejected or that came too slowly. */
export function clientErrorAnswer(error: Error & { code?: unknown }, limits: ServerLimits): string {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return rawAnswer(431, 'header_too_large', `the request head is larger than ${limits.maxHeaderBytes} bytes`);
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return rawAnswer(408, 'request_timeout', `the request did not arrive in time (its head within ${limits.headersTimeoutMs} ms, all of it within ${limits.requestTimeoutMs} ms)`);
    default:
      return rawAnswer(400, 'bad_request', `the request is not valid HTTP/1.1 (${typeof error.code === 'string' ? error.code : 'unparsable'})`);
  }
}

/** The connection itself failed (reset, broken pipe): there is nobody to answer. */
function isTransportError(error: Error & { code?: unknown; syscall?: unknown }): boolean {
  return typeof error.syscall === 'string' || error.code === 'ECONNRESET' || error.code === 'EPIPE';
}

/**
 * The server's 'clientError' listener: answers a bad or slow request with a JSON error and
 * `Connection: close` when the socket can still be written, then ends the connection.
 *
 * `answering`: an answer to an earlier request on this connection is on its way, or said
 * `Connection: close`. The bytes the parser choked on came after that request (a DELETE
 * whose body has no length, pipelined garbage): a second answer would break the first, so
 * the connection just ends once that one is written.
 */
export function answerClientError(error: Error & { code?: unknown }, socket: Duplex, limits: ServerLimits, answering: boolean): void {
  if (answering) {
    socket.end();
    return;
  }
  if (socket.writable && !isTransportError(error)) socket.write(clientErrorAnswer(error, limits));
  socket.destroy();
}
