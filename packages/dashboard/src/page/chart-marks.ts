/**
 * What the charts draw besides the series, in uPlot's draw hooks: threshold rules across
 * the whole plot (even with a single sample, when a series line would be a dot) and dotted
 * restart marks with a small flag at the top. Restart marks carry no text: a label would
 * hide the threshold rules, and the section's note names them.
 */
import uPlot from 'uplot';

export interface Rule {
  readonly value: number;
  readonly colour: string;
  /** Canvas dash in CSS pixels. */
  readonly dash: readonly number[];
}

function withPen(plot: uPlot, colour: string, dash: readonly number[], draw: (ctx: CanvasRenderingContext2D, ratio: number) => void): void {
  const { ctx } = plot;
  const ratio = uPlot.pxRatio;
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.fillStyle = colour;
  ctx.lineWidth = ratio;
  ctx.setLineDash(dash.map((length) => length * ratio));
  draw(ctx, ratio);
  ctx.restore();
}

export function drawRules(plot: uPlot, rules: readonly Rule[]): void {
  const { bbox } = plot;
  for (const rule of rules) {
    const y = Math.round(plot.valToPos(rule.value, 'y', true)) + 0.5;
    if (y < bbox.top || y > bbox.top + bbox.height) continue;
    withPen(plot, rule.colour, rule.dash, (ctx) => {
      ctx.beginPath();
      ctx.moveTo(bbox.left, y);
      ctx.lineTo(bbox.left + bbox.width, y);
      ctx.stroke();
    });
  }
}

/** `xs` in seconds, as the x scale. */
export function drawRestarts(plot: uPlot, xs: readonly number[], colour: string): void {
  const { bbox } = plot;
  for (const x of xs) {
    const px = Math.round(plot.valToPos(x, 'x', true));
    if (px < bbox.left || px > bbox.left + bbox.width) continue;
    withPen(plot, colour, [2, 3], (ctx, ratio) => {
      ctx.lineWidth = 1.5 * ratio;
      ctx.beginPath();
      ctx.moveTo(px, bbox.top);
      ctx.lineTo(px, bbox.top + bbox.height);
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(px - 4 * ratio, bbox.top);
      ctx.lineTo(px + 4 * ratio, bbox.top);
      ctx.lineTo(px, bbox.top + 6 * ratio);
      ctx.fill();
    });
  }
}
