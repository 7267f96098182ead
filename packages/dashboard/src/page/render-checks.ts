/** The checks table: one row per metric of the latest round, worst first. */
import type { FeedCheck } from '../feed.js';
import { byId, el } from './dom.js';
import { formatThresholds, formatValue } from './format.js';
import { HEALTH_SEVERITY, healthTone } from './tones.js';

const cell = (className: string, ...children: (Node | string)[]): HTMLTableCellElement => el('td', { class: className }, ...children);

function row(check: FeedCheck): HTMLTableRowElement {
  const tone = healthTone(check.status);
  return el(
    'tr',
    { 'data-testid': 'check-row', 'data-check': check.name, 'data-status': check.status, 'data-tone': tone },
    cell('status', el('span', { class: 'dot', 'aria-hidden': 'true' }), check.status),
    cell('name', check.name),
    cell('num value', formatValue(check.value, check.unit)),
    // Without thresholds a phone drops the line (the class); a laptop shows the dash.
    cell(check.thresholds === null ? 'thresholds none' : 'thresholds', formatThresholds(check.thresholds, check.unit)),
    cell('message', check.message),
  );
}

/** Keyed by the checks' content, so the once-a-second tick does not rebuild the table. */
let drawn = '';

export function renderChecks(checks: readonly FeedCheck[]): void {
  const key = JSON.stringify(checks);
  if (key === drawn) return;
  drawn = key;
  const body = byId('checks-body');
  if (checks.length === 0) {
    body.replaceChildren(el('tr', { class: 'empty' }, el('td', { colspan: '5' }, 'No check round yet for this child.')));
    return;
  }
  const sorted = checks.map((check, index) => ({ check, index })).sort((a, b) => HEALTH_SEVERITY[a.check.status] - HEALTH_SEVERITY[b.check.status] || a.index - b.index);
  body.replaceChildren(...sorted.map(({ check }) => row(check)));
}
