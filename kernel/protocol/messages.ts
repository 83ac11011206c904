// Typed Jupyter messages (wire protocol 5.3). Only the shapes Parallab reads or writes.

export const PROTOCOL_VERSION = "5.3";

export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

/** A decoded message. `identities` are the ROUTER routing frames it arrived with. */
export interface Message<C = Record<string, unknown>> {
  identities: Buffer[];
  header: Header;
  parent_header: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

export type Channel = "shell" | "control" | "iopub" | "stdin";

export interface ExecuteRequest {
  code: string;
  silent?: boolean;
  store_history?: boolean;
  user_expressions?: Record<string, string>;
  allow_stdin?: boolean;
  stop_on_error?: boolean;
}

export interface CompleteRequest {
  code: string;
  cursor_pos?: number;
}
export interface InspectRequest {
  code: string;
  cursor_pos?: number;
  detail_level?: 0 | 1;
}
export interface IsCompleteRequest {
  code: string;
}
export interface ShutdownRequest {
  restart?: boolean;
}
export interface CommInfoRequest {
  target_name?: string;
}
export interface CommOpen {
  comm_id: string;
  target_name: string;
  data?: Record<string, unknown>;
}
export interface CommMsg {
  comm_id: string;
  data?: Record<string, unknown>;
}

export interface HistoryRequest {
  output?: boolean;
  raw?: boolean;
  hist_access_type: "range" | "tail" | "search";
  session?: number;
  start?: number;
  stop?: number;
  n?: number;
  pattern?: string;
  unique?: boolean;
}

export interface InputReply {
  value: string;
}

/** The content of each request the kernel handles, by msg_type (shell and control). */
export interface RequestContents {
  kernel_info_request: Record<string, unknown>;
  interrupt_request: Record<string, unknown>;
  execute_request: ExecuteRequest;
  complete_request: CompleteRequest;
  inspect_request: InspectRequest;
  is_complete_request: IsCompleteRequest;
  history_request: HistoryRequest;
  comm_info_request: CommInfoRequest;
  comm_open: CommOpen;
  comm_msg: CommMsg;
  comm_close: CommMsg;
  shutdown_request: ShutdownRequest;
}
export type RequestType = keyof RequestContents;

/** A reply's content when the request failed in the kernel itself (not in a cell). */
export interface ErrorReply extends ErrorContent {
  status: "error";
}

export type ExecuteReply =
  | { status: "ok"; execution_count: number; payload: Record<string, unknown>[]; user_expressions: Record<string, unknown> }
  | (ErrorReply & { execution_count: number; payload: Record<string, unknown>[]; user_expressions: Record<string, unknown> })
  | { status: "aborted"; execution_count: number };

/** The content of each reply the kernel sends, by msg_type. */
export interface ReplyContents {
  execute_reply: ExecuteReply;
  complete_reply: { status: "ok"; matches: string[]; cursor_start: number; cursor_end: number; metadata: Record<string, unknown> } | ErrorReply;
  inspect_reply: { status: "ok"; found: boolean; data: MimeBundle; metadata: Record<string, unknown> } | ErrorReply;
  is_complete_reply: { status: "complete" | "invalid" } | { status: "incomplete"; indent: string } | ErrorReply;
  history_reply: { status: "ok"; history: unknown[] } | ErrorReply;
  comm_info_reply: { status: "ok"; comms: Record<string, { target_name: string }> } | ErrorReply;
  shutdown_reply: { status: "ok"; restart: boolean } | ErrorReply;
  interrupt_reply: { status: "ok" } | ErrorReply;
  kernel_info_reply: Record<string, unknown>;
}
export type ReplyType = keyof ReplyContents;

/** The reply type that answers a request type: `execute_request` → `execute_reply`. */
export type ReplyTo<T extends string> = T extends `${infer Base}_request` ? (`${Base}_reply` extends ReplyType ? `${Base}_reply` : never) : never;

/** A mime bundle: mime type → data (strings, or JSON for +json types). */
export type MimeBundle = Record<string, unknown>;

export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

export function newHeader(msgType: string, session: string, username = "kernel"): Header {
  return {
    msg_id: crypto.randomUUID(),
    msg_type: msgType,
    session,
    username,
    date: new Date().toISOString(),
    version: PROTOCOL_VERSION,
  };
}
