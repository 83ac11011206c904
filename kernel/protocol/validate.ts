// Checks a decoded message against the messaging spec before the kernel acts on it. A signed
// message is trusted to come from a client with the key, not to be well formed: a header that
// was a JSON string went out as the parent_header of busy/idle to every client on iopub.
import { z } from "zod";
import type { Header, InputReply, Message, RequestContents, RequestType } from "./messages.js";

/** An optional field; `null` (some clients send it) reads as absent. */
const opt = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);
const object = z.record(z.string(), z.unknown());

const header = z.looseObject({
  msg_id: z.string().min(1),
  msg_type: z.string().min(1),
  session: z.string(),
  username: opt(z.string()),
  date: opt(z.string()),
  version: opt(z.string()),
});

const code = z.string();
const cursor = opt(z.number().int().nonnegative());

const contents: { [T in RequestType]: z.ZodType<RequestContents[T], unknown> } = {
  kernel_info_request: object,
  interrupt_request: object,
  execute_request: z.looseObject({
    code,
    silent: opt(z.boolean()),
    store_history: opt(z.boolean()),
    user_expressions: opt(z.record(z.string(), z.string())),
    allow_stdin: opt(z.boolean()),
    stop_on_error: opt(z.boolean()),
  }),
  complete_request: z.looseObject({ code, cursor_pos: cursor }),
  inspect_request: z.looseObject({ code, cursor_pos: cursor, detail_level: opt(z.union([z.literal(0), z.literal(1)])) }),
  is_complete_request: z.looseObject({ code }),
  history_request: z.looseObject({
    hist_access_type: z.enum(["range", "tail", "search"]),
    output: opt(z.boolean()),
    raw: opt(z.boolean()),
    session: opt(z.number().int()),
    start: opt(z.number().int()),
    stop: opt(z.number().int()),
    n: opt(z.number().int()),
    pattern: opt(z.string()),
    unique: opt(z.boolean()),
  }),
  comm_info_request: z.looseObject({ target_name: opt(z.string()) }),
  comm_open: z.looseObject({ comm_id: z.string(), target_name: z.string(), data: opt(object) }),
  comm_msg: z.looseObject({ comm_id: z.string(), data: opt(object) }),
  comm_close: z.looseObject({ comm_id: z.string(), data: opt(object) }),
  shutdown_request: z.looseObject({ restart: opt(z.boolean()) }),
};

const inputReply = z.looseObject({ value: z.string() });

export const isRequestType = (type: string): type is RequestType => Object.hasOwn(contents, type);

/** A request whose content has its type's shape; `msgType` narrows `content`. */
export type ValidRequest = { [T in RequestType]: Omit<Message<RequestContents[T]>, "header"> & { msgType: T; header: Header } }[RequestType];

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** "content.code: expected string, received number" — the first few issues, for the log line. */
function describe(where: string, error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${[where, ...issue.path.map(String)].join(".")}: ${issue.message}`)
    .join("; ");
}

function checkFrames(msg: Message<unknown>): Checked<Header> {
  const h = header.safeParse(msg.header);
  if (!h.success) return { ok: false, problem: describe("header", h.error) };
  for (const part of ["parent_header", "metadata", "content"] as const) {
    const p = object.safeParse(msg[part]);
    if (!p.success) return { ok: false, problem: `${part} is not a JSON object` };
  }
  return { ok: true, value: h.data as Header };
}

/** A shell or control message, checked: its frames, and its content for the types we handle. */
export function checkRequest(msg: Message<unknown>): Checked<ValidRequest> {
  const frames = checkFrames(msg);
  if (!frames.ok) return frames;
  const type = frames.value.msg_type;
  if (!isRequestType(type)) return { ok: false, problem: `unknown message type ${JSON.stringify(type)}` };
  const content = contents[type].safeParse(msg.content);
  if (!content.success) return { ok: false, problem: describe("content", content.error) };
  return { ok: true, value: { ...msg, msgType: type, header: frames.value, content: content.data } as ValidRequest };
}

/** A stdin message: only input_reply is expected. */
export function checkInputReply(msg: Message<unknown>): Checked<InputReply> {
  const frames = checkFrames(msg);
  if (!frames.ok) return frames;
  if (frames.value.msg_type !== "input_reply") return { ok: false, problem: `unexpected ${JSON.stringify(frames.value.msg_type)} on stdin` };
  const content = inputReply.safeParse(msg.content);
  return content.success ? { ok: true, value: content.data } : { ok: false, problem: describe("content", content.error) };
}
