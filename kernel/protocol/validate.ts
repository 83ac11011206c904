// Checks a decoded message against the messaging spec before the kernel acts on it. A signed
// message is trusted to come from a client with the key, not to be well formed: a header that
// was a JSON string went out as the parent_header of busy/idle to every client on iopub.
//
// Written here rather than with zod (which the tracker uses): this runs on the I/O thread before
// the first kernel_info_reply, and importing zod there took 75-120 ms of every kernel start.
import type { Header, InputReply, Message, RequestContents, RequestType } from "./messages.js";

/** What a field must hold: a kind, or one of a few literal values. */
type Kind = "string" | "non-empty string" | "boolean" | "integer" | "non-negative integer" | "object" | "object of strings" | readonly (string | number)[];
interface Field {
  kind: Kind;
  optional?: boolean;
}
type Shape = Readonly<Record<string, Field>>;

const required = (kind: Kind): Field => ({ kind });
/** An optional field; `null` (some clients send it) reads as absent. */
const optional = (kind: Kind): Field => ({ kind, optional: true });

const HEADER: Shape = {
  msg_id: required("non-empty string"),
  msg_type: required("non-empty string"),
  session: required("string"),
  username: optional("string"),
  date: optional("string"),
  version: optional("string"),
};

const code = required("string");
const cursor = optional("non-negative integer");

const CONTENTS: { readonly [T in RequestType]: Shape } = {
  kernel_info_request: {},
  interrupt_request: {},
  execute_request: {
    code,
    silent: optional("boolean"),
    store_history: optional("boolean"),
    user_expressions: optional("object of strings"),
    allow_stdin: optional("boolean"),
    stop_on_error: optional("boolean"),
  },
  complete_request: { code, cursor_pos: cursor },
  inspect_request: { code, cursor_pos: cursor, detail_level: optional([0, 1]) },
  is_complete_request: { code },
  history_request: {
    hist_access_type: required(["range", "tail", "search"]),
    output: optional("boolean"),
    raw: optional("boolean"),
    session: optional("integer"),
    start: optional("integer"),
    stop: optional("integer"),
    n: optional("integer"),
    pattern: optional("string"),
    unique: optional("boolean"),
  },
  comm_info_request: { target_name: optional("string") },
  comm_open: { comm_id: required("string"), target_name: required("string"), data: optional("object") },
  comm_msg: { comm_id: required("string"), data: optional("object") },
  comm_close: { comm_id: required("string"), data: optional("object") },
  shutdown_request: { restart: optional("boolean") },
};

const INPUT_REPLY: Shape = { value: required("string") };

export const isRequestType = (type: string): type is RequestType => Object.hasOwn(CONTENTS, type);

/** A request whose content has its type's shape; `msgType` narrows `content`. */
export type ValidRequest = { [T in RequestType]: Omit<Message<RequestContents[T]>, "header"> & { msgType: T; header: Header } }[RequestType];

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

const isLiterals = (kind: Kind): kind is readonly (string | number)[] => typeof kind !== "string";
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function holds(kind: Kind, v: unknown): boolean {
  if (isLiterals(kind)) return kind.includes(v as string | number);
  switch (kind) {
    case "string":
      return typeof v === "string";
    case "non-empty string":
      return typeof v === "string" && v.length > 0;
    case "boolean":
      return typeof v === "boolean";
    case "integer":
      return Number.isInteger(v);
    case "non-negative integer":
      return Number.isInteger(v) && (v as number) >= 0;
    case "object":
      return isObject(v);
    case "object of strings":
      return isObject(v) && Object.values(v).every((s) => typeof s === "string");
  }
  return false;
}

/** 'the string "x"', "the number 3", "null": what a field held instead, for the log line. */
function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return v.length === 0 ? "an empty string" : `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `the ${typeof v} ${JSON.stringify(v)}`;
}

const expected = (kind: Kind) => (isLiterals(kind) ? `one of ${kind.map((k) => JSON.stringify(k)).join(", ")}` : /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`);

/** The object with each field checked (unknown fields kept: a newer client's additions are no error). */
function checkShape(where: string, value: unknown, shape: Shape): Checked<Record<string, unknown>> {
  if (!isObject(value)) return { ok: false, problem: `${where}: expected an object, got ${describe(value)}` };
  const out: Record<string, unknown> = { ...value };
  for (const [name, field] of Object.entries(shape)) {
    const v = value[name];
    if ((v === undefined || v === null) && field.optional) {
      out[name] = undefined;
      continue;
    }
    if (!holds(field.kind, v)) return { ok: false, problem: `${where}.${name}: expected ${expected(field.kind)}, got ${describe(v)}` };
  }
  return { ok: true, value: out };
}

function checkFrames(msg: Message<unknown>): Checked<Header> {
  const header = checkShape("header", msg.header, HEADER);
  if (!header.ok) return header;
  for (const part of ["parent_header", "metadata"] as const) {
    if (!isObject(msg[part])) return { ok: false, problem: `${part}: expected an object, got ${describe(msg[part])}` };
  }
  return { ok: true, value: header.value as unknown as Header };
}

/** A shell or control message, checked: its frames, and its content for the types we handle. */
export function checkRequest(msg: Message<unknown>): Checked<ValidRequest> {
  const frames = checkFrames(msg);
  if (!frames.ok) return frames;
  const type = frames.value.msg_type;
  if (!isRequestType(type)) return { ok: false, problem: `unknown message type ${JSON.stringify(type)}` };
  const content = checkShape("content", msg.content, CONTENTS[type]);
  if (!content.ok) return content;
  return { ok: true, value: { ...msg, msgType: type, header: frames.value, content: content.value } as ValidRequest };
}

/** A stdin message: only input_reply is expected. */
export function checkInputReply(msg: Message<unknown>): Checked<InputReply> {
  const frames = checkFrames(msg);
  if (!frames.ok) return frames;
  if (frames.value.msg_type !== "input_reply") return { ok: false, problem: `unexpected ${JSON.stringify(frames.value.msg_type)} on stdin` };
  const content = checkShape("content", msg.content, INPUT_REPLY);
  return content.ok ? { ok: true, value: content.value as unknown as InputReply } : content;
}
