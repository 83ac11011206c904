import type { CompleteRequest, InspectRequest, IsCompleteRequest } from "../protocol/messages.js";
import { completePath } from "../files/path-completion.js";
import { maskMagics, magicNameAt, pathArgumentAt } from "../magics/parse.js";
import type { Reply } from "./reply.js";
import type { KernelSession } from "../session.js";

/** The code with its magics (`%…`, `!…`) blanked; `x = !name` with a notebook variable `name` stays TypeScript. */
const masked = (session: KernelSession, code: string) => maskMagics(code, session.registry, (name) => session.notebook.has(name));

export async function complete(session: KernelSession, req: CompleteRequest): Promise<Reply> {
  const cursor = req.cursor_pos ?? req.code.length;
  const magic = magicNameAt(req.code, cursor);
  if (magic) {
    const names = magic.cell ? session.registry.cellMagics() : session.registry.lineMagics();
    return { msgType: "complete_reply", content: { status: "ok", matches: names.filter((n) => n.startsWith(magic.prefix)), cursor_start: magic.start, cursor_end: cursor, metadata: {} } };
  }
  const pathArgument = pathArgumentAt(req.code, cursor, session.registry);
  if (pathArgument) {
    const matches = completePath(pathArgument.typed, pathArgument.paths);
    return { msgType: "complete_reply", content: { status: "ok", matches, cursor_start: pathArgument.start, cursor_end: cursor, metadata: {} } };
  }
  const adapter = await session.adapter();
  const found = adapter.complete(masked(session, req.code), cursor);
  return { msgType: "complete_reply", content: { status: "ok", matches: found.candidates, cursor_start: found.start, cursor_end: found.end, metadata: {} } };
}

export async function inspect(session: KernelSession, req: InspectRequest): Promise<Reply> {
  const adapter = await session.adapter();
  const text = adapter.inspect(masked(session, req.code), req.cursor_pos ?? req.code.length);
  return { msgType: "inspect_reply", content: { status: "ok", found: text !== null, data: text ? { "text/plain": text } : {}, metadata: {} } };
}

export async function isComplete(session: KernelSession, req: IsCompleteRequest): Promise<Reply> {
  const adapter = await session.adapter();
  const result = adapter.isComplete(masked(session, req.code));
  return { msgType: "is_complete_reply", content: result.status === "incomplete" ? { status: "incomplete", indent: result.indent ?? "" } : { status: result.status } };
}
