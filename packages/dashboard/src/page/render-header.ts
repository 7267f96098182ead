/** The header: name, overall verdict, connection, version and the supervisor's pid/uptime. */
import type { FeedState } from '../feed.js';
import type { ServerClock } from './clock.js';
import { byId, byTestId, setAttr, setText } from './dom.js';
import type { ConnectionState } from './feed-client.js';
import { formatClock, formatDuration } from './format.js';
import { type Tone, verdictTone } from './tones.js';

const FAVICON_COLOURS: Readonly<Record<Tone, string>> = {
  ok: '#16a34a',
  warn: '#d97706',
  crit: '#dc2626',
  info: '#2563eb',
  neutral: '#8a8f98',
};

function faviconUrl(tone: Tone): string {
  const svg = `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><circle cx='8' cy='8' r='7' fill='${FAVICON_COLOURS[tone]}'/></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

export function renderHeader(state: FeedState, clock: ServerClock): void {
  const verdict = state.overall.status.toUpperCase();
  const tone = verdictTone(state.overall.status);
  setText(byId('name'), state.name);
  setText(byTestId('overall-status'), verdict);
  setText(byTestId('overall-output'), state.overall.output ?? (state.overall.status === 'pass' ? 'All checks pass.' : ''));
  setAttr(byId('verdict'), 'data-tone', tone);
  setAttr(byId('favicon'), 'href', faviconUrl(tone));
  const title = `${verdict} · ${state.name} — mpm-supervise`;
  if (document.title !== title) document.title = title;

  setText(byId('version'), `v${state.version}`);
  const uptime = formatDuration(clock.now() - state.supervisor.startedAt);
  setText(byId('supervisor'), `supervisor pid ${state.supervisor.pid} · up ${uptime}`);
  byId('stopping').hidden = !state.supervisor.stopping;
}

export function renderConnection(connection: ConnectionState): void {
  const element = byTestId('connection');
  setAttr(element, 'data-state', connection.kind);
  const since = (at: number): string => formatClock(new Date(at));
  const text =
    connection.kind === 'live' ? 'live' : connection.kind === 'connecting' ? 'connecting…' : connection.kind === 'reconnecting' ? 'reconnecting…' : `disconnected since ${since(connection.since)}`;
  setText(byId('connection-text'), text);
  // What is on screen stops being the truth once the stream is gone: say so visually too.
  setAttr(document.body, 'data-stale', connection.kind === 'disconnected' ? '' : null);
}
