import type { CompleteRequest, InspectRequest, IsCompleteRequest } from "../protocol/messages.js";
import { maskMagics, magicNameAt } from "../magics/parse.js";
import type { KernelServices, Reply } from "./context.js";

export async function complete(services: KernelServices, req: CompleteRequest): Promise<Reply> {
  const cursor = req.cursor_pos ?? req.code.length;
  const magic = magicNameAt(req.code, cursor);
  if (magic) {
    const names = magic.cell ? services.registry.cellMagics() : services.registry.lineMagics();
    return { msgType: "complete_reply", content: { status: "ok", matches: names.filter((n) => n.startsWith(magic.prefix)), cursor_start: magic.start, cursor_end: cursor, metadata: {} } };
  }
  const adapter = await services.adapter();
  const found = adapter.complete(maskMagics(req.code, services.registry), cursor);
  return { msgType: "complete_reply", content: { status: "ok", matches: found.candidates, cursor_start: found.start, cursor_end: found.end, metadata: {} } };
}

export async function inspect(services: KernelServices, req: InspectRequest): Promise<Reply> {
  const adapter = await services.adapter();
  const text = adapter.inspect(maskMagics(req.code, services.registry), req.cursor_pos ?? req.code.length);
  return { msgType: "inspect_reply", content: { status: "ok", found: text !== null, data: text ? { "text/plain": text } : {}, metadata: {} } };
}

export async function isComplete(services: KernelServices, req: IsCompleteRequest): Promise<Reply> {
  const adapter = await services.adapter();
  const result = adapter.isComplete(maskMagics(req.code, services.registry));
  return { msgType: "is_complete_reply", content: result.status === "incomplete" ? { status: "incomplete", indent: result.indent ?? "" } : { status: result.status } };
}
