// The live progress bar of a long parallel call: one display updated in place.
import type { DisplayApi, DisplayHandle } from "../display/api.js";

/** Calls with more items than this show a bar at once; shorter ones only after SHOW_AFTER_MS. */
export const SHOW_ITEMS = 300;
const SHOW_AFTER_MS = 1000;
const REDRAW_MS = 100;
const WIDTH = 24;

export class ProgressBar {
  private handle: DisplayHandle | null = null;
  private done = 0;
  private lastDraw = 0;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout | null;

  constructor(
    private readonly output: DisplayApi,
    private readonly label: string,
    private readonly total: number,
    readonly enabled: boolean,
  ) {
    this.timer = enabled && total > 0 ? setTimeout(() => this.draw(), total > SHOW_ITEMS ? 0 : SHOW_AFTER_MS) : null;
  }

  advance(items: number): void {
    this.set(this.done + items);
  }

  set(done: number): void {
    this.done = done;
    if (this.handle && performance.now() - this.lastDraw >= REDRAW_MS) this.draw();
  }

  /** Ends at 100% when the bar was shown; an unfinished call leaves the bar where it stopped. */
  finish(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.handle) this.draw();
  }

  private draw(): void {
    this.lastDraw = performance.now();
    const seconds = (this.lastDraw - this.started) / 1000;
    const fraction = this.total ? this.done / this.total : 1;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const eta = rate > 0 && this.done < this.total ? `, ETA ${((this.total - this.done) / rate).toFixed(1)} s` : "";
    const filled = Math.round(fraction * WIDTH);
    const pct = `${Math.floor(fraction * 100)}%`;
    const detail = `${this.done}/${this.total} items, ${formatRate(rate)} items/s${eta}`;
    const bundle = {
      "text/plain": `${this.label} ${pct.padStart(4)} |${"█".repeat(filled)}${"░".repeat(WIDTH - filled)}| ${detail}`,
      "text/html": `<div style="font-family:monospace">${this.label} <progress value="${this.done}" max="${this.total}" style="width:16em;vertical-align:middle"></progress> ${pct} · ${detail}</div>`,
    };
    if (this.handle) this.handle.update(bundle);
    else this.handle = this.output.display(bundle, { displayId: true });
  }
}

function formatRate(rate: number): string {
  return rate >= 1e6 ? `${(rate / 1e6).toFixed(1)}M` : rate >= 1e3 ? `${(rate / 1e3).toFixed(1)}k` : rate.toFixed(0);
}
