// The messages that cross between the main thread (which runs cells) and the I/O thread
// (which owns the ZMQ sockets). Keeping the sockets off the main thread is what lets a busy
// cell stream output, answer heartbeats and be interrupted.
import type { Header, RequestContents, RequestType } from "../protocol/messages.js";
import type { ConnectionInfo } from "../protocol/connection.js";

/**
 * A request as the main thread sees it: checked by the I/O thread (kernel/protocol/validate.ts),
 * without routing frames or signature. `msgType` narrows `content` to its request's shape.
 */
export type IncomingRequest = {
  [T in RequestType]: {
    msgType: T;
    header: Header;
    parent_header: Header | Record<string, never>;
    metadata: Record<string, unknown>;
    content: RequestContents[T];
    buffers: Uint8Array[];
  };
}[RequestType];

export type ToIo =
  | { op: "reply"; channel: "shell" | "control"; parent: Header; msgType: string; content: unknown; metadata?: Record<string, unknown> }
  | { op: "publish"; parent: Header | null; msgType: string; content: unknown; metadata?: Record<string, unknown>; buffers?: Uint8Array[] }
  | { op: "stream"; parent: Header | null; name: "stdout" | "stderr"; text: string }
  | { op: "input_request"; parent: Header; prompt: string; password: boolean }
  /** Sends everything queued; with `close`, then closes the sockets (before the process exits). */
  | { op: "flush"; close?: boolean };

export type FromIo = { op: "request"; channel: "shell" | "control"; request: IncomingRequest } | { op: "input_reply"; value: string } | { op: "interrupt" } | { op: "ready" };

/** Slots of the Int32Array over the SharedArrayBuffer both threads hold. */
export const SharedSlot = {
  /** What the main thread is doing: a CellState. */
  Busy: 0,
  /** Bumped by the main thread each time it handles an interrupt itself. */
  InterruptAck: 1,
  /** Bumped by the I/O thread when a flush it was asked for is done. */
  Flushed: 2,
  /** 1 when an interrupt came while compiling: the cell's code must not start. */
  InterruptPending: 3,
} as const;
export const SHARED_SLOTS = 4;

/** Values of SharedSlot.Busy. Only user code may be stopped: never the compiler. */
export const CellState = {
  Idle: 0,
  RunningUserCode: 1,
  Compiling: 2,
} as const;
export type CellState = (typeof CellState)[keyof typeof CellState];

export interface IoThreadData {
  connection: ConnectionInfo;
  session: string;
  kernelInfo: Record<string, unknown>;
  shared: SharedArrayBuffer;
}
