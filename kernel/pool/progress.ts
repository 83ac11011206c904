// The live progress bar of a long parallel call: one display updated in place. Where the front
// end has a widget manager it is an IntProgress with a Label that the kernel updates; elsewhere
// (nbconvert, nbclient, `parallab run`) a text bar whose output is replaced.
import type { DisplayApi, DisplayHandle } from "../display/api.js";
import { MIME_BUNDLE } from "../display/mime.js";
import type { MimeBundle } from "../protocol/messages.js";
import { HBox } from "../widgets/containers.js";
import { Label } from "../widgets/controls.js";
import type { LiveWidgets } from "../widgets/live.js";
import { IntProgress } from "../widgets/numbers.js";

/** Calls with more items than this show a bar at once; shorter ones only after SHOW_AFTER_MS. */
export const SHOW_ITEMS = 300;
const SHOW_AFTER_MS = 1000;
const REDRAW_MS = 100;
const WIDTH = 24;

/** Where the bar is drawn: text replaced in place, or widgets. */
interface ProgressView {
  draw(state: ProgressState): void;
  finish(state: ProgressState): void;
}

/** Where the call is: items done of total, a line that says so, and the bar as text and HTML. */
interface ProgressState {
  done: number;
  total: number;
  detail: string;
  bundle: MimeBundle;
}

export class ProgressBar {
  private view: ProgressView | null = null;
  private done = 0;
  private lastDraw = 0;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout | null;

  constructor(
    private readonly output: DisplayApi,
    private readonly label: string,
    private readonly total: number,
    readonly enabled: boolean,
    private readonly widgets?: LiveWidgets,
  ) {
    this.timer = enabled && total > 0 ? setTimeout(() => this.draw(), total > SHOW_ITEMS ? 0 : SHOW_AFTER_MS) : null;
  }

  advance(items: number): void {
    this.set(this.done + items);
  }

  set(done: number): void {
    this.done = done;
    if (this.view && performance.now() - this.lastDraw >= REDRAW_MS) this.draw();
  }

  /** Ends at 100% when the bar was shown; an unfinished call leaves the bar where it stopped. */
  finish(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.view) this.view.finish(this.state());
  }

  private draw(): void {
    this.lastDraw = performance.now();
    this.view ??= this.widgets?.hasWidgetFrontEnd ? new WidgetView(this.output, this.widgets, this.label) : new TextView(this.output);
    this.view.draw(this.state());
  }

  /** The bar as text and HTML: what a front end without widgets shows, and the widget's text fallback. */
  private state(): ProgressState {
    const seconds = (performance.now() - this.started) / 1000;
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
    return { done: this.done, total: this.total, detail: `${pct} · ${detail}`, bundle };
  }
}

/** Text and HTML, replaced in place (update_display_data). */
class TextView implements ProgressView {
  private handle: DisplayHandle | null = null;

  constructor(private readonly output: DisplayApi) {}

  draw({ bundle }: ProgressState): void {
    if (this.handle) this.handle.update(bundle);
    else this.handle = this.output.display(bundle, { displayId: true });
  }

  finish(state: ProgressState): void {
    this.draw(state);
  }
}

/** An IntProgress and a Label in a row; the display's text is the text bar, brought up to date at the end. */
class WidgetView implements ProgressView {
  private readonly bar: IntProgress;
  private readonly caption: Label;
  private readonly box: HBox;
  private handle: DisplayHandle | null = null;

  constructor(
    private readonly output: DisplayApi,
    widgets: LiveWidgets,
    label: string,
  ) {
    this.bar = widgets.construct(IntProgress, { description: label, style: { description_width: "initial" } });
    this.caption = widgets.construct(Label, {});
    this.box = widgets.construct(HBox, [this.bar, this.caption]);
  }

  draw({ done, total, detail, bundle }: ProgressState): void {
    this.bar.max = Math.max(total, 1);
    this.bar.value = Math.min(done, this.bar.max);
    this.caption.value = detail;
    this.handle ??= this.output.display(this.displayed(bundle), { displayId: true });
  }

  /** Green when every item is done, red when the call stopped short (an error, an interrupt). */
  finish(state: ProgressState): void {
    this.draw(state);
    this.bar.bar_style = state.done >= state.total ? "success" : "danger";
    this.handle?.update(this.displayed(state.bundle));
  }

  private displayed(bundle: MimeBundle): MimeBundle {
    return { ...this.box[MIME_BUNDLE](), "text/plain": bundle["text/plain"] };
  }
}

function formatRate(rate: number): string {
  return rate >= 1e6 ? `${(rate / 1e6).toFixed(1)}M` : rate >= 1e3 ? `${(rate / 1e3).toFixed(1)}k` : rate.toFixed(0);
}
