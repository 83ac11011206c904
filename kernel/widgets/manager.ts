// The widgets of one kernel session: the live models by id, the session's bound classes, the
// `jupyter.widget` target (a front end may create models too) and the `jupyter.widget.control`
// target (a widget manager fetches every model's state through it when it connects). It also
// knows whether a front end with a widget manager is there: Parallab's own outputs (the
// parallel.map progress bar, %workers) are widgets only then, and text in nbconvert, nbclient
// and `parallab run`.
import type { CommManager } from "../comms/manager.js";
import { newCommId } from "../comms/manager.js";
import type { CommMessage, JupyterComm } from "../comms/interfaces.js";
import type { DisplayApi } from "../display/api.js";
import type { OutputRouter } from "../execute/output-router.js";
import {
  CONTROL_PROTOCOL_VERSION,
  CONTROL_TARGET,
  describe,
  type JsonState,
  MODEL_REFERENCE,
  putBuffers,
  removeBuffers,
  WIDGET_PROTOCOL_VERSION,
  WIDGET_TARGET,
  WidgetMessageProblem,
} from "./protocol.js";
import { classForModel } from "./registry.js";
import { bindClass, requireClass } from "./runtime.js";
import type { Widget, WidgetRuntime } from "./widget.js";

export interface WidgetHost {
  comms: CommManager;
  router: OutputRouter;
  output: DisplayApi;
  /** Shows an error in the running cell's or handler's output (synchronously: an Output widget may be taking it). */
  showError(thrown: unknown): void;
  log(text: string): void;
}

const majorOf = (version: unknown) => (typeof version === "string" ? version.split(".")[0] : undefined);

export class WidgetManager implements WidgetRuntime {
  private readonly live = new Map<string, Widget>();
  private readonly bound = new Map<unknown, unknown>();
  /** A model the front end opened, while its widget is being built: it takes that comm and id. */
  private adopting: { comm: JupyterComm; idTaken: boolean } | null = null;
  private widgetFrontEnd = false;

  constructor(private readonly host: WidgetHost) {
    host.comms.registerTarget(WIDGET_TARGET, (comm, msg) => this.adopt(comm, msg));
    host.comms.registerTarget(CONTROL_TARGET, (comm, msg) => this.control(comm, msg));
  }

  /** True once a front end showed it has a widget manager (it asked for the widget comms, opened the control comm, or spoke to a model). */
  get hasWidgetFrontEnd(): boolean {
    return this.widgetFrontEnd;
  }

  frontEndSeen(): void {
    this.widgetFrontEnd = true;
  }

  /** `cls` bound to this session (one subclass per class, so `instanceof` holds across cells). */
  bind<W extends Widget, A extends unknown[]>(cls: new (...args: A) => W): new (...args: A) => W {
    let bound = this.bound.get(cls) as (new (...args: A) => W) | undefined;
    if (!bound) {
      bound = bindClass(cls as unknown as new (...args: never[]) => W, this) as unknown as new (...args: A) => W;
      this.bound.set(cls, bound);
    }
    return bound;
  }

  newModelId(): string {
    const adopting = this.adopting;
    if (adopting && !adopting.idTaken) {
      adopting.idTaken = true;
      return adopting.comm.commId;
    }
    return newCommId();
  }

  openComm(widget: Widget, state: JsonState, bufferPaths: (string | number)[][], buffers: Uint8Array[]): JupyterComm {
    this.live.set(widget.modelId, widget);
    if (this.adopting?.comm.commId === widget.modelId) return this.adopting.comm;
    return this.host.comms.open(WIDGET_TARGET, { state, buffer_paths: bufferPaths }, { metadata: { version: WIDGET_PROTOCOL_VERSION }, buffers, commId: widget.modelId });
  }

  create(model: string, options: Record<string, unknown>): Widget {
    return this.construct(requireClass(model), options);
  }

  construct<W extends Widget, A extends unknown[]>(cls: new (...args: A) => W, ...args: A): W {
    return new (this.bind(cls))(...args);
  }

  lookup(modelId: string): Widget | undefined {
    return this.live.get(modelId);
  }

  forget(widget: Widget): void {
    if (this.live.get(widget.modelId) === widget) this.live.delete(widget.modelId);
  }

  currentMessageId(): string {
    return this.host.router.current()?.parent.msg_id ?? "";
  }

  display(value: unknown): void {
    this.host.output.display(value);
  }

  clearOutput(wait: boolean): void {
    this.host.output.clearOutput({ wait });
  }

  track(work: Promise<unknown>): void {
    const shown = work.catch((err: unknown) => this.host.showError(err));
    // A comm handler waits for it; a cell does not (its failure still shows in the cell).
    this.host.router.waitFor(shown);
  }

  showError(thrown: unknown): void {
    this.host.showError(thrown);
  }

  log(text: string): void {
    this.host.log(text);
  }

  /** Every live model as the control comm's update_states and a notebook's saved state list them. */
  states(): Record<string, { model_name: string; model_module: string; model_module_version: string; state: JsonState }> {
    const states: ReturnType<WidgetManager["states"]> = {};
    for (const [id, widget] of this.live) {
      const { spec } = widget;
      states[id] = { model_name: spec.model, model_module: spec.modelModule.module, model_module_version: spec.modelModule.version, state: widget.getState() };
    }
    return states;
  }

  /** A model the front end created: the kernel builds its widget on the front end's comm. */
  private adopt(comm: JupyterComm, msg: CommMessage): void {
    this.frontEndSeen();
    const model = this.modelFrom(msg);
    if (typeof model === "string") {
      this.log(`comm_open to ${WIDGET_TARGET} (comm ${comm.commId}): ${model}; closed it`);
      comm.close();
      return;
    }
    this.adopting = { comm, idTaken: false };
    try {
      this.construct(model.cls, model.options);
    } finally {
      this.adopting = null;
    }
  }

  /** The class and options of the model a front end's comm_open describes, or what is wrong with it. */
  private modelFrom(msg: CommMessage): { cls: new (options: Record<string, unknown>) => Widget; options: Record<string, unknown> } | string {
    if (majorOf(msg.metadata.version) !== majorOf(WIDGET_PROTOCOL_VERSION)) return `widget protocol version ${describe(msg.metadata.version)}, but the kernel speaks ${WIDGET_PROTOCOL_VERSION}`;
    const state = msg.data.state;
    if (typeof state !== "object" || state === null || Array.isArray(state)) return `its state must be an object, got ${describe(state)}`;
    const full = { ...(state as JsonState) };
    try {
      putBuffers(full, msg.data.buffer_paths, msg.buffers);
    } catch (err) {
      if (err instanceof WidgetMessageProblem) return err.message;
      throw err;
    }
    const cls = classForModel(String(full._model_name));
    if (!cls) return `no widget class speaks the model ${describe(full._model_name)}`;
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(full)) {
      if (key.startsWith("_model_") || key.startsWith("_view_")) continue;
      options[key] = typeof value === "string" && value.startsWith(MODEL_REFERENCE) ? (this.lookup(value.slice(MODEL_REFERENCE.length)) ?? value) : value;
    }
    return { cls, options };
  }

  /** The control comm: `request_states` is answered with every model's state in one message. */
  private control(comm: JupyterComm, msg: CommMessage): void {
    this.frontEndSeen();
    if (majorOf(msg.metadata.version) !== majorOf(CONTROL_PROTOCOL_VERSION)) {
      this.log(`comm_open to ${CONTROL_TARGET}: control protocol version ${describe(msg.metadata.version)}, but the kernel speaks ${CONTROL_PROTOCOL_VERSION}; closed it`);
      comm.close();
      return;
    }
    comm.onMsg((request) => {
      if (request.data.method !== "request_states") {
        this.log(`${CONTROL_TARGET} comm ${comm.commId}: ignored a message with unknown method ${describe(request.data.method)} (expected "request_states")`);
        return;
      }
      const { state: states, bufferPaths, buffers } = removeBuffers(this.states());
      comm.send({ method: "update_states", states, buffer_paths: bufferPaths }, { buffers });
    });
  }
}
