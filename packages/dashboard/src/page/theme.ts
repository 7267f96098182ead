/**
 * Colours for the canvas, read from the stylesheet's custom properties so that light and
 * dark are defined once, in dashboard.css. Canvases do not follow CSS by themselves: the
 * charts are rebuilt when the scheme changes (see onThemeChange).
 */

export interface ChartTheme {
  readonly text: string;
  readonly grid: string;
  readonly series: readonly string[];
  readonly warning: string;
  readonly critical: string;
  readonly limit: string;
  readonly restart: string;
  readonly font: string;
}

export function readTheme(): ChartTheme {
  const style = getComputedStyle(document.documentElement);
  const colour = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    text: colour('--muted', '#5f6670'),
    grid: colour('--grid', 'rgba(128,128,128,0.18)'),
    series: [colour('--series-1', '#2563eb'), colour('--series-2', '#0d9488'), colour('--series-3', '#7c3aed'), colour('--series-4', '#db2777')],
    warning: colour('--warn-line', '#e08a00'),
    critical: colour('--crit-line', '#dc2626'),
    limit: colour('--limit', '#6b7280'),
    restart: colour('--restart', '#7c3aed'),
    font: `11px ${style.fontFamily || 'system-ui, sans-serif'}`,
  };
}

/** Calls back when the colour scheme flips (OS dark mode at dusk, for instance). */
export function onThemeChange(callback: () => void): void {
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', callback);
}
