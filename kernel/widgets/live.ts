// What Parallab's own outputs need to show themselves as widgets (the parallel.map progress bar,
// %workers): whether a front end with a widget manager is there, and the session's classes.
import type { WidgetRuntime } from "./widget.js";

export interface LiveWidgets {
  /** True once a front end showed it has a widget manager; nbconvert, nbclient and `parallab run` never do. */
  readonly hasWidgetFrontEnd: boolean;
  construct: WidgetRuntime["construct"];
}
