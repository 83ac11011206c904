// A widget: a model whose state is synced with the front end over its own comm (the widget
// protocol, ./protocol.ts). Setting a synced key in the kernel sends an `update`; an update
// from the front end is echoed to every front end (`echo_update`), validated, and fires the
// observers. Each class's model and state come from ./models.ts; `widgetClass` turns that spec
// into a class with a typed property per key.
import { isDeepStrictEqual, inspect } from "node:util";
import { UsageError } from "../../common/errors.js";
import type { CommMessage, JupyterComm } from "../comms/interfaces.js";
import { type Displayable, MIME_BUNDLE } from "../display/mime.js";
import type { MimeBundle } from "../protocol/messages.js";
import type { ModelSpec } from "./models.js";
import { describe, FORMAT_VERSION, type JsonState, MODEL_REFERENCE, parseWidgetRequest, removeBuffers, VIEW_MIME, WidgetMessageProblem } from "./protocol.js";

/** Where a widget's runtime sits: on the prototype of a session's bound classes (./runtime.ts). */
export const WIDGET_RUNTIME = Symbol.for("parallab.widget.runtime");

/** What widgets need from where they live: a kernel session, or a Node program without a front end. */
export interface WidgetRuntime {
  /** A new model id; the id of the front end's comm when the front end created the model. */
  newModelId(): string;
  /** Opens the model's comm with its first state (null where there is no front end). */
  openComm(widget: Widget, state: JsonState, bufferPaths: (string | number)[][], buffers: Uint8Array[]): JupyterComm | null;
  /** A new widget of `model` (by its `_model_name`), bound to this runtime: a widget's layout and style. */
  create(model: string, options: Record<string, unknown>): Widget;
  /** A new widget of class `cls`, bound to this runtime (the widgets interact makes). */
  construct<W extends Widget, A extends unknown[]>(cls: new (...args: A) => W, ...args: A): W;
  /** The live widget with this model id. */
  lookup(modelId: string): Widget | undefined;
  /** The closed widget's model is forgotten. */
  forget(widget: Widget): void;
  /** The front end showed that it has a widget manager (it sent a message to a model). */
  frontEndSeen(): void;
  /** The msg_id of the message whose output is being produced (a cell's or a comm handler's). */
  currentMessageId(): string;
  display(value: unknown): void;
  clearOutput(wait: boolean): void;
  /** Async work an observer or handler started: a comm handler waits for it; its failure is shown. */
  track(work: Promise<unknown>): void;
  /** Shows an error in the running cell's (or handler's) output. */
  showError(thrown: unknown): void;
  /** A line in the kernel's log. */
  log(text: string): void;
}

/** A change of one key, as ipywidgets' (traitlets') observers get it. */
export interface Change<T = unknown, W = Widget> {
  name: string;
  old: T;
  new: T;
  owner: W;
  type: "change";
}

export type Observer<T = unknown, W = Widget> = (change: Change<T, W>) => unknown;

/** Options of a widget: its synced keys; a widget-valued key (layout, style) also takes that widget's options. */
export type WidgetOptions<S> = { [K in keyof S]?: S[K] extends Widget ? S[K] | Record<string, unknown> : S[K] };

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as PromiseLike<unknown> | null)?.then === "function";
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** A default's own copy: lists and objects are not shared between widgets. */
function copyDefault(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyDefault);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyDefault(v)]));
  return value;
}

/** The state as JSON goes: widgets become "IPY_MODEL_<id>" references (binary values stay, for removeBuffers). */
export function toJson(value: unknown): unknown {
  if (value instanceof Widget) return MODEL_REFERENCE + value.modelId;
  if (Array.isArray(value)) return value.map(toJson);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return value;
}

export abstract class Widget<S extends object = object> implements Displayable {
  declare readonly [WIDGET_RUNTIME]: WidgetRuntime;
  /** The model this class speaks; each concrete class sets it (see widgetClass). */
  static readonly spec: ModelSpec;
  /** The model's id: its comm's id, and what "IPY_MODEL_<id>" references name. */
  readonly modelId: string;
  protected readonly state: Record<string, unknown> = {};
  private comm: JupyterComm | null = null;
  private closed = false;
  private readonly observers = new Map<string, Set<Observer<never, never>>>();
  private readonly messageHandlers = new Set<(content: unknown, buffers: Uint8Array[]) => unknown>();
  /** The JSON values of a front end's update being applied: they are not sent back (ipywidgets' property lock). */
  private lock: JsonState | null = null;
  /** Keys changed inside holdSync(), sent together when it ends. */
  private held: Set<string> | null = null;

  constructor(options: WidgetOptions<S> = {}) {
    this.modelId = this.runtime.newModelId();
    const spec = this.spec;
    const given = options as Record<string, unknown>;
    for (const key of Object.keys(given)) {
      if (!Object.hasOwn(spec.defaults, key) && given[key] !== undefined)
        throw new UsageError(
          `${this.constructor.name} has no option ${JSON.stringify(key)}; its options are ${Object.keys(spec.defaults)
            .filter((k) => !k.startsWith("_"))
            .join(", ")}`,
        );
    }
    for (const [key, value] of Object.entries(spec.defaults)) {
      const model = spec.children[key];
      const option = given[key];
      if (model) this.state[key] = option instanceof Widget ? option : this.runtime.create(model, isPlainObject(option) ? option : {});
      else this.state[key] = option === undefined ? copyDefault(value) : this.toInteger(key, option);
    }
    // Validate once everything is in, as traitlets does for a constructor's arguments: the
    // bounds first, then the values they bound.
    const keys = Object.keys(given).filter((k) => given[k] !== undefined && !spec.children[k]);
    const valuesLast = [...keys.filter((k) => !VALUE_KEYS.has(k)), ...keys.filter((k) => VALUE_KEYS.has(k))];
    for (const key of valuesLast) this.state[key] = this.validate(key, this.state[key]);
  }

  /** The model this widget speaks. */
  get spec(): ModelSpec {
    return (this.constructor as typeof Widget).spec;
  }

  protected get runtime(): WidgetRuntime {
    return this[WIDGET_RUNTIME];
  }

  /** True once closed (by the kernel or a front end): it no longer syncs. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Reads a synced key. */
  get<K extends keyof S & string>(name: K): S[K] {
    return this.state[name] as S[K];
  }

  /** Sets synced keys (validated), sends the changed ones to the front end, then runs their observers. */
  set<K extends keyof S & string>(name: K, value: S[K]): void;
  set(values: Partial<S>): void;
  set(nameOrValues: string | Record<string, unknown>, value?: unknown): void {
    const values = typeof nameOrValues === "string" ? { [nameOrValues]: value } : nameOrValues;
    const changes: Change[] = [];
    this.holdSync(() => {
      for (const [name, v] of Object.entries(values)) {
        if (!Object.hasOwn(this.spec.defaults, name)) throw new UsageError(`${this.constructor.name} has no synced key ${JSON.stringify(name)}`);
        const change = this.assign(name, this.validate(name, this.toInteger(name, v)));
        if (change) changes.push(change);
      }
    });
    const failures = this.notifyAll(changes);
    if (failures.length > 0) throw failures[0];
  }

  /**
   * Calls `handler` with each change of `name` (a synced key, or a kernel-side one such as a
   * Dropdown's `value`), as `{ name, old, new, owner, type: "change" }`; `"*"` for every key.
   * Returns a function that stops it. What the handler prints goes to the cell whose message
   * caused the change: the cell that set it, or the front end's update.
   */
  observe<K extends keyof this & string>(name: K | readonly K[], handler: Observer<this[K], this>): () => void;
  observe(name: "*", handler: Observer<unknown, this>): () => void;
  observe(name: string | readonly string[], handler: Observer<never, never>): () => void {
    if (typeof handler !== "function") throw new UsageError("observe(name, handler): handler must be a function (change) => …");
    const names = typeof name === "string" ? [name] : [...name];
    for (const n of names) {
      if (!this.observers.has(n)) this.observers.set(n, new Set());
      this.observers.get(n)!.add(handler);
    }
    return () => {
      for (const n of names) this.observers.get(n)?.delete(handler);
    };
  }

  /** Calls `handler(content, buffers)` with each custom message from the front end. */
  onMsg(handler: (content: unknown, buffers: Uint8Array[]) => unknown): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }

  /** Sends a custom message to the model in the front end. */
  send(content: unknown, buffers: (ArrayBuffer | ArrayBufferView)[] = []): void {
    this.comm?.send({ method: "custom", content }, { buffers });
  }

  /** Runs `fn` and sends the keys it changed in one update. */
  holdSync<T>(fn: () => T): T {
    if (this.held) return fn();
    this.held = new Set();
    try {
      return fn();
    } finally {
      const keys = [...this.held];
      this.held = null;
      this.sendState(keys);
    }
  }

  /** The whole synced state as it goes on the wire (`_model_*` and `_view_*` keys first). */
  getState(): JsonState {
    const { spec } = this;
    const state: JsonState = {
      _model_module: spec.modelModule.module,
      _model_module_version: spec.modelModule.version,
      _model_name: spec.model,
      _view_module: spec.viewModule.module,
      _view_module_version: spec.viewModule.version,
      _view_name: spec.view,
    };
    for (const key of Object.keys(spec.defaults)) state[key] = toJson(this.state[key]);
    return state;
  }

  /** Closes the model's comm: its views disappear from every front end. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const comm = this.comm;
    this.comm = null;
    comm?.close();
    this.runtime.forget(this);
  }

  [MIME_BUNDLE](): MimeBundle {
    const repr = this.toString();
    const bundle: MimeBundle = { "text/plain": repr.length > 110 ? `${repr.slice(0, 110)}…` : repr };
    if (this.spec.view !== null) bundle[VIEW_MIME] = { ...FORMAT_VERSION, model_id: this.modelId };
    return bundle;
  }

  /** `IntSlider(value=5, max=10)`: the keys that differ from their defaults, as ipywidgets' repr. */
  toString(): string {
    return `${this.constructor.name}(${this.reprEntries()
      .map(([k, v]) => `${k}=${v instanceof Widget ? v.toString() : inspect(v, { breakLength: Number.POSITIVE_INFINITY, depth: 2 })}`)
      .join(", ")})`;
  }

  /** ipywidgets' repr keys: not private, not a widget of its own (layout, style), not at the default. */
  protected reprEntries(): [string, unknown][] {
    const { spec } = this;
    return Object.keys(spec.defaults)
      .filter((k) => !k.startsWith("_") && !spec.children[k] && !isDeepStrictEqual(toJson(this.state[k]), (spec.defaults as Record<string, unknown>)[k]))
      .sort()
      .map((k) => [k, this.state[k]]);
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /**
   * Checks a value about to be set (from the kernel or a front end) and returns the value to
   * keep: a subclass clamps or refuses here (throws a UsageError), as ipywidgets' validators.
   */
  protected validate(_name: string, value: unknown): unknown {
    return value;
  }

  /** Called for each change before its observers: a subclass keeps derived keys in step (a Dropdown's value). */
  protected changed(_change: Change): void {}

  /** Opens the model's comm; a session's bound classes call it once the widget is built. */
  protected open(): void {
    if (this.comm || this.closed) return;
    const { state, bufferPaths, buffers } = removeBuffers(this.getState());
    this.comm = this.runtime.openComm(this, state, bufferPaths, buffers);
    this.comm?.onMsg((msg) => this.receive(msg));
    this.comm?.onClose(() => {
      this.closed = true;
      this.comm = null;
      this.runtime.forget(this);
    });
  }

  /** Runs the observers of a key that is not synced (a Dropdown's value, label and options). */
  protected notify(name: string, old: unknown, value: unknown): void {
    const failures = this.notifyAll([{ name, old, new: value, owner: this, type: "change" }]);
    if (failures.length > 0) throw failures[0];
  }

  /** Sets a synced key without validating it (a subclass keeping keys in step); the change, if any. */
  protected assign(name: string, value: unknown): Change | null {
    const old = this.state[name];
    if (isDeepStrictEqual(toJson(old), toJson(value))) return null;
    this.state[name] = value;
    this.sendState([name]);
    return { name, old, new: value, owner: this, type: "change" };
  }

  private toInteger(name: string, value: unknown): unknown {
    return typeof value === "number" && Number.isFinite(value) && this.spec.integers.includes(name) ? Math.trunc(value) : value;
  }

  /** Observers of each change, in order; errors are collected, async work is tracked. */
  private notifyAll(changes: Change[]): unknown[] {
    const failures: unknown[] = [];
    for (const change of changes) {
      try {
        this.changed(change);
      } catch (err) {
        failures.push(err);
      }
      for (const observer of [...(this.observers.get(change.name) ?? []), ...(this.observers.get("*") ?? [])]) {
        try {
          const result = (observer as Observer)(change);
          if (isThenable(result)) this.runtime.track(Promise.resolve(result));
        } catch (err) {
          failures.push(err);
        }
      }
    }
    return failures;
  }

  private sendState(keys: string[]): void {
    if (this.held) {
      for (const key of keys) this.held.add(key);
      return;
    }
    if (!this.comm) return;
    const state: JsonState = {};
    for (const key of keys) {
      const value = toJson(this.state[key]);
      // What the front end just sent is not sent back to it (the echo_update did that).
      if (this.lock && Object.hasOwn(this.lock, key) && isDeepStrictEqual(value, this.lock[key])) continue;
      state[key] = value;
    }
    if (Object.keys(state).length === 0) return;
    const split = removeBuffers(state);
    this.comm.send({ method: "update", state: split.state, buffer_paths: split.bufferPaths }, { buffers: split.buffers });
  }

  /** A comm_msg from the front end. */
  private receive(msg: CommMessage): void {
    this.runtime.frontEndSeen();
    let request;
    try {
      request = parseWidgetRequest(msg.data, msg.buffers);
    } catch (err) {
      if (!(err instanceof WidgetMessageProblem)) throw err;
      this.runtime.log(`${this.describeModel()}: ignored a message: ${err.message}`);
      return;
    }
    switch (request.method) {
      case "update":
        this.receiveUpdate(request.state);
        return;
      case "request_state": {
        // The whole state, the model's and view's names included (the front end may build the model from it).
        const whole = removeBuffers(this.getState());
        this.comm?.send({ method: "update", state: whole.state, buffer_paths: whole.bufferPaths }, { buffers: whole.buffers });
        return;
      }
      case "custom":
        for (const handler of [...this.messageHandlers]) {
          try {
            const result = handler(request.content, msg.buffers);
            if (isThenable(result)) this.runtime.track(Promise.resolve(result));
          } catch (err) {
            this.runtime.showError(err);
          }
        }
        return;
    }
  }

  /** An update from the front end: echoed, checked key by key, applied, then observed. */
  private receiveUpdate(received: JsonState): void {
    const accepted: JsonState = {};
    for (const [key, value] of Object.entries(received)) {
      // The model's and view's names never change (the spec says so): nothing to take.
      if (key.startsWith("_model_") || key.startsWith("_view_")) continue;
      const problem = this.problemWith(key, value);
      if (problem) this.runtime.log(`${this.describeModel()}: ignored ${JSON.stringify(key)} of an update: ${problem}`);
      else accepted[key] = value;
    }
    if (Object.keys(accepted).length === 0) return;
    // Every front end learns the new values first (protocol 2.1.0), the sender included: it
    // knows from the echo's parent which of its own updates the kernel has taken.
    const echo = removeBuffers(accepted);
    this.comm?.send({ method: "echo_update", state: echo.state, buffer_paths: echo.bufferPaths }, { buffers: echo.buffers });
    this.lock = accepted;
    try {
      const changes: Change[] = [];
      this.holdSync(() => {
        for (const [key, value] of Object.entries(accepted)) {
          const change = this.assign(key, this.validate(key, this.toInteger(key, this.fromJson(value))));
          if (change) changes.push(change);
        }
      });
      for (const failure of this.notifyAll(changes)) this.runtime.showError(failure);
    } finally {
      this.lock = null;
    }
  }

  /** Why a key of a front end's update cannot be taken, or null: an unknown key, or a value of the wrong kind. */
  private problemWith(key: string, value: unknown): string | null {
    const { defaults, children } = this.spec as { defaults: Record<string, unknown>; children: Record<string, string> };
    if (!Object.hasOwn(defaults, key)) return `${this.spec.model} has no such key`;
    if (children[key]) return typeof value === "string" && value.startsWith(MODEL_REFERENCE) ? null : `expected a model reference ("IPY_MODEL_…"), got ${describe(value)}`;
    const def = defaults[key];
    if (def === null || value === null) return null;
    const kind = (v: unknown) => (Array.isArray(v) ? "array" : v instanceof Uint8Array ? "binary" : typeof v);
    if (kind(def) !== kind(value)) return `expected ${kind(def) === "array" ? "an array" : `a ${kind(def)}`}, got ${describe(value)}`;
    if (typeof value === "number" && !Number.isFinite(value)) return `expected a finite number, got ${describe(value)}`;
    return null;
  }

  /** "IPY_MODEL_<id>" references back to the widgets they name. */
  private fromJson(value: unknown): unknown {
    if (typeof value === "string" && value.startsWith(MODEL_REFERENCE)) return this.runtime.lookup(value.slice(MODEL_REFERENCE.length)) ?? value;
    if (Array.isArray(value)) return value.map((v) => this.fromJson(v));
    if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.fromJson(v)]));
    return value;
  }

  private describeModel(): string {
    return `widget ${this.spec.model} ${this.modelId}`;
  }
}

/** Keys validated after the others at construction: the bounds and options come first. */
const VALUE_KEYS = new Set(["value", "index", "selected_index"]);

/** A widget class with typed properties for `spec`'s synced keys (each reads and sets the state). */
export type WidgetClass<S extends object> = abstract new (options?: WidgetOptions<S>) => Widget<S> & S;

export function widgetClass<S extends object>(spec: ModelSpec<S>): WidgetClass<S> {
  abstract class Synced extends Widget<S> {
    static override readonly spec: ModelSpec = spec;
  }
  for (const key of Object.keys(spec.defaults)) {
    Object.defineProperty(Synced.prototype, key, {
      get(this: Widget<S>) {
        return this.get(key as keyof S & string);
      },
      set(this: Widget<S>, value: unknown) {
        this.set(key as keyof S & string, value as S[keyof S & string]);
      },
      configurable: true,
    });
  }
  return Synced as unknown as WidgetClass<S>;
}
