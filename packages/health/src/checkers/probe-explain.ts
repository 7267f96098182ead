import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HandshakeTarget, ProbeOutcome } from './socketio-probe.js';

/**
 * What the plain request found. `engine_answers` is no verdict: Engine.IO answered where
 * the client had just failed, so either the server began listening in between (a child
 * starting) or something breaks the client alone; only another try of the client tells.
 */
export type Explanation = ProbeOutcome | { readonly kind: 'engine_answers'; readonly mismatch: Extract<ProbeOutcome, { kind: 'mismatch' }> };

/** Enough of a body to tell an Engine.IO open packet or an error message. */
const BODY_BYTES = 512;

const CHECK_OFF = 'if the child is not a Socket.IO server, set health.checks.socketio.enabled to false';
const TLS_HINT = 'set health.probeCaFile to the certificate authority (for a self-signed certificate, the certificate itself), or health.probeInsecure to true';

/** TLS verification failures, by Node's error code, as an operator would say them. */
const CERTIFICATE_PROBLEMS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate of an unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate of an unknown authority',
  UNABLE_TO_GET_ISSUER_CERT: 'certificate of an unknown authority',
  CERT_HAS_EXPIRED: 'expired certificate',
  CERT_NOT_YET_VALID: 'certificate not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate issued for another name',
};

/**
 * Why a Socket.IO handshake failed before any Socket.IO answer: one plain GET of the
 * engine's first polling request, read as an operator would. Any HTTP answer, and any
 * TLS or protocol error, proves something serves the port, so it is a mismatch to fix in
 * the settings; only a refusal or silence says the server may be down or hung.
 */
export function explainRefusal(target: HandshakeTarget, timeoutMs: number, signal: AbortSignal): Promise<Explanation> {
  const where = new URL(target.url);
  const path = target.path.endsWith('/') ? target.path : `${target.path}/`;
  const url = new URL(`${path}?EIO=4&transport=polling`, where.origin.replace(/^ws/, 'http'));
  const secure = url.protocol === 'https:';
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: Explanation): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(outcome);
    };
    // agent: false, so that the connection closes with the answer, not idles on in a pool with the child.
    const options = { signal, agent: false, ...(secure ? { rejectUnauthorized: target.tls.rejectUnauthorized, ...(target.tls.ca === undefined ? {} : { ca: target.tls.ca }) } : {}) };
    const req = (secure ? httpsRequest : httpRequest)(url, options, (response) => {
      readStart(response).then(
        (body) => finish(fromAnswer(response.statusCode ?? 0, body, path)),
        () => finish(fromAnswer(response.statusCode ?? 0, '', path)),
      );
    });
    const timer = setTimeout(() => finish({ kind: 'timeout', reason: `no answer at ${path} within the probe timeout` }), timeoutMs);
    timer.unref();
    req.once('error', (error: NodeJS.ErrnoException) => finish(fromError(error, secure)));
    req.end();
  });
}

function readStart(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      body += chunk;
      if (body.length >= BODY_BYTES) {
        response.destroy();
        resolve(body.slice(0, BODY_BYTES));
      }
    });
    response.once('end', () => resolve(body));
    response.once('error', reject);
  });
}

function fromAnswer(status: number, body: string, path: string): Explanation {
  if (status === 200 && body.startsWith('0{')) {
    return { kind: 'engine_answers', mismatch: { kind: 'mismatch', cause: `the Socket.IO client could not connect, though ${path} answers Engine.IO`, hint: CHECK_OFF } };
  }
  const said = engineMessage(body);
  if (status === 404) return { kind: 'mismatch', cause: `HTTP 404 at ${path}`, hint: `set health.probePath to the server's Socket.IO path; ${CHECK_OFF}` };
  if (status === 400 && said === 'Unsupported protocol version') {
    return { kind: 'mismatch', cause: `HTTP 400 at ${path}: "${said}"`, hint: `a Socket.IO 2 server? the probe speaks Socket.IO 3 and 4; ${CHECK_OFF}` };
  }
  const quoted = said === undefined ? '' : `: "${said}"`;
  if (status === 200) return { kind: 'mismatch', cause: `HTTP 200 at ${path}, but not an Engine.IO answer`, hint: `set health.probePath to the server's Socket.IO path; ${CHECK_OFF}` };
  return { kind: 'mismatch', cause: `HTTP ${status} at ${path}${quoted}`, hint: `set health.probePath to the server's Socket.IO path; ${CHECK_OFF}` };
}

/** Engine.IO's error body is {"code":N,"message":"…"}; anything else is not shown. */
function engineMessage(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const message = (parsed as { message?: unknown } | null)?.message;
    return typeof message === 'string' ? message.replace(/[^\x20-\x7e]/g, '?').slice(0, 80) : undefined;
  } catch {
    return undefined;
  }
}

function fromError(error: NodeJS.ErrnoException, secure: boolean): ProbeOutcome {
  const code = error.code ?? '';
  if (code === 'ECONNREFUSED') return { kind: 'unreachable', reason: 'connection refused' };
  if (code === 'ABORT_ERR') return { kind: 'unreachable', reason: 'abandoned' };
  const certificate = CERTIFICATE_PROBLEMS[code];
  if (certificate !== undefined) return { kind: 'mismatch', cause: certificate, hint: TLS_HINT };
  if (secure && (code === 'EPROTO' || code.startsWith('ERR_SSL') || /wrong version number|packet length too long/.test(error.message))) {
    return { kind: 'mismatch', cause: 'the port does not speak TLS', hint: 'use http:// in health.probeUrl' };
  }
  if (code.startsWith('HPE_')) return { kind: 'mismatch', cause: 'the port answered, but not with HTTP', hint: `an https:// server? use https:// in health.probeUrl; ${CHECK_OFF}` };
  if (code === 'ECONNRESET') {
    const https = secure ? '' : 'an https:// server? use https:// in health.probeUrl; ';
    return { kind: 'mismatch', cause: 'the connection was closed without an HTTP answer', hint: `${https}${CHECK_OFF}` };
  }
  return { kind: 'unreachable', reason: code === '' ? error.message : code };
}
