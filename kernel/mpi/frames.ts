// What a %%mpi rank tells the kernel, besides its own output: its result or its error, as one
// line of its stdout (mpirun forwards every rank's stdout, tagged with the rank).
import v8 from "node:v8";
import type { ErrorRecord } from "../../common/errors.js";
import type { RankDone } from "../spmd/rank.js";

export type RankFrame = ({ type: "done" } & RankDone) | ({ type: "error" } & ErrorRecord);

/** A frame starts with this (record separator + name) and ends at the next newline. */
export const FRAME_MARK = "\u001ePARALLAB-MPI:";

export function encodeFrame(frame: RankFrame): string {
  let bytes: Buffer;
  try {
    bytes = v8.serialize(frame);
  } catch {
    // The value itself cannot travel (a function, a class with native state): its text still does.
    bytes = v8.serialize({ ...frame, value: undefined });
  }
  return `${FRAME_MARK}${bytes.toString("base64")}\n`;
}

export function decodeFrame(payload: string): RankFrame {
  return v8.deserialize(Buffer.from(payload, "base64")) as RankFrame;
}
