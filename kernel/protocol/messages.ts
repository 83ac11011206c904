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
  cursor_pos: number;
}
export interface InspectRequest {
  code: string;
  cursor_pos: number;
  detail_level?: 0 | 1;
}
export interface IsCompleteRequest {
  code: string;
}
export interface ShutdownRequest {
  restart: boolean;
}
export interface CommInfoRequest {
  target_name?: string;
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
