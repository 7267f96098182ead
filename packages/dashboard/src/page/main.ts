/**
 * The dashboard page: wires the stream to the store and the store to the renderers.
 * Everything time-dependent (uptimes, countdowns, "ago") is redrawn once a second from
 * the last state; charts, checks and timeline only when a document arrives.
 */
import { ChartBoard } from './chart-board.js';
import { ServerClock } from './clock.js';
import { byId } from './dom.js';
import { connectFeed } from './feed-client.js';
import { renderCards } from './render-cards.js';
import { renderChecks } from './render-checks.js';
import { renderConnection, renderHeader } from './render-header.js';
import { prependTimeline, renderTimeline } from './render-timeline.js';
import { FeedStore } from './store.js';

const store = new FeedStore();
const clock = new ServerClock();
const charts = new ChartBoard(byId('charts'));

function renderClocks(): void {
  if (store.state === null) return;
  renderHeader(store.state, clock);
  renderCards(store.state, store.samples.at(-1), clock);
}

function renderDocument(): void {
  if (store.state === null) return;
  renderClocks();
  renderChecks(store.state.checks);
  charts.update(store.state, store.samples, store.timeline);
}

connectFeed('stream', {
  snapshot(snapshot) {
    store.applySnapshot(snapshot);
    clock.sync(snapshot.state.now);
    renderDocument();
    renderTimeline(store.timeline);
  },
  update(update) {
    const added = store.applyUpdate(update);
    clock.sync(update.state.now);
    renderDocument();
    prependTimeline(added);
  },
  connection: renderConnection,
});

window.setInterval(renderClocks, 1000);
