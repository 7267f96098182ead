import { HEALTH_JSON_TYPE, healthDocument, livenessDocument, readinessDocument } from './health-document.js';
import { errorReply, jsonReply, type Handler, type RouteRequest } from './reply.js';
import type { StatusSource } from './status-view.js';

/** The endpoints of docs/design.md §6, answered from the source at request time. */
export function statusRoutes(source: StatusSource): Map<string, Handler> {
  return new Map<string, Handler>([
    [
      '/health',
      () => {
        const { httpStatus, body } = healthDocument(source.view());
        return jsonReply(httpStatus, body, HEALTH_JSON_TYPE);
      },
    ],
    ['/health/live', () => jsonReply(200, livenessDocument(source.view()), HEALTH_JSON_TYPE)],
    [
      '/health/ready',
      () => {
        const { httpStatus, body } = readinessDocument(source.view());
        return jsonReply(httpStatus, body, HEALTH_JSON_TYPE);
      },
    ],
    ['/diagnostics', () => jsonReply(200, source.diagnostics())],
    [
      '/metrics',
      async () => {
        const { contentType, body } = await source.metrics();
        return { status: 200, contentType, body };
      },
    ],
    ['/events', (request) => eventsReply(source, request)],
  ]);
}

/** `?limit=N` keeps the newest N; `?since=ID` only those after that id (for pollers). */
function eventsReply(source: StatusSource, request: RouteRequest) {
  const limit = wholeNumber(request.query.get('limit'));
  const since = wholeNumber(request.query.get('since'));
  if (limit === 'invalid' || since === 'invalid') {
    return errorReply(400, 'bad_request', 'limit and since must be whole numbers, e.g. /events?limit=20 or /events?since=41');
  }
  let events = source.events();
  const kept = events.length;
  if (since !== undefined) events = events.filter((event) => event.id > since);
  if (limit !== undefined) events = limit === 0 ? [] : events.slice(-limit);
  return jsonReply(200, { events, kept });
}

function wholeNumber(text: string | null): number | undefined | 'invalid' {
  if (text === null) return undefined;
  return /^\d{1,9}$/.test(text) ? Number(text) : 'invalid';
}
