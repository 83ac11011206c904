import type { BackendName } from "../tensors/candidates.js";
import { runInTensorScope, type ScopeReport } from "../tensors/cell-scope.js";
import { tensorStatus, tensorsReady, useBackend, type TensorStatus } from "../tensors/runtime.js";
import { formatTime } from "./format-time.js";
import type { Magic, OptionSpecs } from "./contract.js";

const BACKENDS: readonly BackendName[] = ["tensorflow", "wasm", "cpu"];

const DESCRIPTION = `TensorFlow.js in this kernel (\`import { tf } from "parallab"\`). The best backend that really
works is chosen on first use: tensorflow on a GPU (@tensorflow/tfjs-node-gpu), tensorflow on
the CPU (@tensorflow/tfjs-node), wasm (SIMD), cpu.
  %gpu              the active backend and why; every candidate with its status and reason; the
                    machine's GPUs (nvidia-smi); tfjs memory; wasm SIMD support
  %gpu BACKEND      switch to tensorflow, wasm or cpu (fails, saying why, when it is unavailable)
  %%gpu             runs the cell with its tensors in one scope (like tf.tidy, async code too:
                    tensors it returns or tf.keep()s survive, the others are freed), then reports
                    the wall time once the device is done, the top kernels by time (tf.profile),
                    the peak bytes, and a warning for new tensors left alive`;

const OPTIONS = {
  backend: { type: "string", short: "b", value: "BACKEND", help: "%gpu: switch to it; %%gpu: run this cell on it, then switch back" },
  json: { type: "flag", only: "line", help: "the same status as data (the line's value)" },
} satisfies OptionSpecs;

function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function backendOf(name: string, usageError: (message: string) => Error): BackendName {
  if ((BACKENDS as readonly string[]).includes(name)) return name as BackendName;
  throw usageError(`%gpu: unknown backend ${JSON.stringify(name)}; choose one of ${BACKENDS.join(", ")}.`);
}

export function statusText(s: TensorStatus): string {
  const width = Math.max(...s.candidates.map((c) => c.id.length));
  const lines = [`Active backend: ${s.backend} (${s.active}): ${s.why}`, "", "Candidates, best first:"];
  for (const c of s.candidates) lines.push(`  ${c.id.padEnd(width)}  ${c.status.padEnd(11)}  ${c.reason}`);
  lines.push("");
  if (!s.gpus.found) lines.push(`GPUs: none found (${s.gpus.reason})`);
  else {
    lines.push(`GPUs (nvidia-smi${s.gpus.cuda ? `, CUDA ${s.gpus.cuda}` : ""}):`);
    for (const [i, g] of s.gpus.gpus.entries()) lines.push(`  ${i}: ${g.name}, memory ${g.memoryUsedMiB}/${g.memoryTotalMiB} MiB, driver ${g.driver}, ${g.utilizationPercent}% busy`);
  }
  lines.push(`tfjs memory: ${s.memory.tensors} tensors, ${formatBytes(s.memory.bytes)}${s.memory.gpuBytes === null ? "" : `, ${formatBytes(s.memory.gpuBytes)} on the GPU`}`);
  lines.push(`wasm SIMD: ${s.wasmSimd === null ? "n/a (wasm unavailable)" : s.wasmSimd ? "yes" : "no"}`);
  lines.push(`native matMul for wasm: ${s.nativeMatMul.ok ? `OpenBLAS, ${s.nativeMatMul.threads} threads` : `not in use (${s.nativeMatMul.reason})`}`);
  return `${lines.join("\n")}\n`;
}

export function scopeReportText(r: ScopeReport, top = 5): { report: string; warning: string | null } {
  const kernels = r.kernels.slice(0, top).map((k) => `${k.name} ${k.ms.toFixed(2)} ms (${k.calls}×)`);
  const report =
    `%%gpu on ${r.backend}: wall time ${formatTime(r.wallMs / 1000)} (device synchronized)\n` +
    `top kernels: ${kernels.length ? kernels.join(", ") : "none ran"}\n` +
    `tensors: peak ${formatBytes(r.peakBytes)}; ${r.freed} freed at the end of the cell, ${r.returned} returned, ${r.kept} kept with tf.keep()\n`;
  const warning =
    r.leaked.tensors > 0
      ? `Warning: ${r.leaked.tensors} new tensor${r.leaked.tensors === 1 ? "" : "s"} (${formatBytes(r.leaked.bytes)}) left alive after the cell (variables, or tensors made outside its scope): dispose them, or tf.keep() them to say it is on purpose.\n`
      : null;
  return { report, warning };
}

export const gpuMagic: Magic<typeof OPTIONS> = {
  name: "gpu",
  description: DESCRIPTION,
  options: OPTIONS,
  line: {
    args: "[BACKEND]",
    async run({ options, args, usageError }) {
      const json = options.json;
      const rest = options.backend === undefined ? args : [options.backend, ...args];
      if (rest.length > 1) throw usageError(`%gpu takes one backend name and/or --json, got ${JSON.stringify(rest.join(" "))}.`);
      if (rest[0]) {
        const chosen = await useBackend(backendOf(rest[0], usageError));
        if (!json) process.stdout.write(`Switched to ${chosen.backend} (${chosen.id}): ${chosen.reason}\n`);
      }
      const status = await tensorStatus();
      if (json) return status;
      if (!rest[0]) process.stdout.write(statusText(status));
      return undefined;
    },
  },
  cell: {
    async run({ session, options, body, run, usageError }) {
      const backend = options.backend === undefined ? undefined : backendOf(options.backend, usageError);
      const tf = await tensorsReady();
      const previous = (await tensorStatus()).backend;
      if (backend) await useBackend(backend);
      try {
        const { outcome, report } = await runInTensorScope(
          tf,
          () => run(`\n${body}`),
          (o) => (o.ok ? o.value : undefined),
          () => session.clock.userCodeStartedAt(),
        );
        const text = scopeReportText(report);
        process.stdout.write(text.report);
        if (text.warning) process.stderr.write(text.warning);
        return outcome;
      } finally {
        if (backend && backend !== previous) await useBackend(previous);
      }
    },
  },
};
