/** The timeline: newest first, at most TIMELINE_LIMIT entries in the DOM. */
import type { TimelineEntry } from '../feed.js';
import { byId, byTestId, el } from './dom.js';
import { formatClock } from './format.js';
import { TIMELINE_LIMIT } from './store.js';
import { levelTone } from './tones.js';

function item(entry: TimelineEntry): HTMLLIElement {
  const local = new Date(entry.at);
  return el(
    'li',
    { 'data-testid': 'timeline-entry', 'data-kind': entry.kind, 'data-level': entry.level, 'data-tone': levelTone(entry.level) },
    el('time', { datetime: local.toISOString(), title: local.toLocaleString() }, formatClock(local)),
    el('span', { class: 'level' }, entry.level),
    el('div', { class: 'body' }, el('p', { class: 'title' }, entry.title), entry.detail !== null && el('p', { class: 'detail' }, entry.detail)),
  );
}

function trim(list: HTMLElement): void {
  while (list.childElementCount > TIMELINE_LIMIT) list.lastElementChild?.remove();
  byId('timeline-empty').hidden = list.childElementCount > 0;
}

/** Draws the whole timeline (after a snapshot). `entries` oldest first. */
export function renderTimeline(entries: readonly TimelineEntry[]): void {
  const list = byTestId('timeline');
  list.replaceChildren(...entries.map(item).reverse());
  trim(list);
}

/** Puts new entries (oldest first) on top. */
export function prependTimeline(entries: readonly TimelineEntry[]): void {
  if (entries.length === 0) return;
  const list = byTestId('timeline');
  list.prepend(...entries.map(item).reverse());
  trim(list);
}
