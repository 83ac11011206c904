// Reading a cell's result in the benchmarks: its text/plain, or its error as an exception.

/** The execute_result's text/plain of a cell run by KernelClient.execute; throws the cell's error. */
export function text(result) {
  const e = result.outputs.find((m) => m.header.msg_type === "error");
  if (e) throw new Error(`${e.content.ename}: ${e.content.evalue}\n${e.content.traceback.join("\n")}`);
  return result.outputs.find((m) => m.header.msg_type === "execute_result")?.content.data["text/plain"];
}

/** Rank 0's value of an SPMD cell whose ranks return a JSON string: "[rank 0] '…'". */
export const rank0 = (result) =>
  JSON.parse(
    eval(
      text(result)
        .split("\n")[0]
        .replace(/^\[rank 0\] /, ""),
    ),
  );
