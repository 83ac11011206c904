// The `widgets` namespace and `interact` a kernel session's cells import: every class bound to
// the session's WidgetManager, so `new widgets.IntSlider()` opens its model's comm there.
import * as api from "./api.js";
import { interactions } from "./interact.js";
import type { WidgetManager } from "./manager.js";
import { WIDGET_CLASSES } from "./registry.js";

export type WidgetsApi = typeof api;

export function sessionWidgets(manager: WidgetManager): WidgetsApi {
  const bound = Object.fromEntries(Object.entries(WIDGET_CLASSES).map(([name, cls]) => [name, manager.bind(cls as unknown as new (...args: unknown[]) => api.Widget)]));
  return Object.freeze({ ...api, ...bound, ...interactions(manager) }) as WidgetsApi;
}
