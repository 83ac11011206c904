import os from "node:os";
import type { BackendName } from "../tensors/candidates.js";
import { runInTensorScope, type ScopeReport } from "../tensors/cell-scope.js";
import { describeNativeCalls, nativeCallsSince, nativeCallsSnapshot } from "../tensors/native-kernels.js";
import { adapterName, type TensorStatus } from "../tensors/runtime.js";
import { formatTime } from "./format-time.js";
import type { Magic, OptionSpecs } from "./contract.js";

const BACKENDS: readonly BackendName[] = ["tensorflow", "webgpu", "wasm", "cpu"];

const DESCRIPTION = `TensorFlow.js in this kernel (\`import { tf } from "parallab"\`). The best backend that really
works is chosen on first use: tensorflow on a GPU (@tensorflow/tfjs-node-gpu, CUDA), webgpu on
a hardware adapter (Dawn: Vulkan, Metal, D3D12 or OpenGL ES), tensorflow on the CPU
(@tensorflow/tfjs-node), wasm (SIMD; matMul, conv2d and their gradients through OpenBLAS), cpu. A software WebGPU adapter
(llvmpipe, SwiftShader) is never the default but can be asked for.
  %gpu              the active backend and why; every candidate with its status and reason; the
                    WebGPU adapter (backend, limits, features); the machine's GPUs (nvidia-smi);
                    tfjs memory; wasm SIMD support; the kernels that run through OpenBLAS on
                    wasm, and its threads
  %gpu BACKEND      switch to tensorflow, webgpu, wasm or cpu (fails, saying why, when it is
                    unavailable); tensors held in notebook variables come along
  %%gpu             runs the cell with its tensors in one scope (like tf.tidy, async code too:
                    tensors it returns, assigns to notebook variables or tf.keep()s survive, the
                    intermediate ones are freed), then reports the wall time once the device is
                    done, the top kernels by time (tf.profile; GPU timestamps on webgpu where the
                    adapter has them), the peak bytes (and GPU memory on webgpu), the readback
                    time, which ops ran through OpenBLAS on wasm (and which fell back to tfjs's
                    kernels), and a warning for new tensors left alive`;

const OPTIONS = {
  backend: { type: "string", short: "b", value: "BACKEND", help: "%gpu: switch to it; %%gpu: run this cell on it, then switch back" },
  json: { type: "flag", only: "line", help: "the same status as data (the line's value)" },
} satisfies OptionSpecs;

export function formatBytes(n: number): string {
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

/** The threads OpenBLAS uses here, and how the worker pool shares the cores with it. */
function nativeThreadsText(n: { threads: number; mainThread: boolean }): string {
  const cores = os.availableParallelism();
  return n.mainThread
    ? `${n.threads} thread${n.threads === 1 ? "" : "s"} in the kernel (of ${cores} cores); a pool worker or rank that trains uses 1, so the pool never oversubscribes the cores`
    : `${n.threads} thread${n.threads === 1 ? "" : "s"} in this worker (the kernel's main thread uses every core)`;
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
  if (s.webgpu) {
    const a = s.webgpu;
    const yesNo = (b: boolean) => (b ? "yes" : "no");
    lines.push(`WebGPU adapter (Dawn): ${adapterName(a)}`);
    lines.push(`  vendor ${a.vendor || "(not reported)"}, architecture ${a.architecture || "(not reported)"}, device ${a.device || "(not reported)"}${a.description ? ` (${a.description})` : ""}`);
    lines.push(`  backend ${a.api}, ${a.software ? "software (runs on the CPU)" : "hardware"}`);
    lines.push(`  limits: maxBufferSize ${formatBytes(a.limits.maxBufferSize)}, maxStorageBufferBindingSize ${formatBytes(a.limits.maxStorageBufferBindingSize)}`);
    lines.push(`  features: shader-f16 ${yesNo(a.features["shader-f16"])}, timestamp-query ${yesNo(a.features["timestamp-query"])}, subgroups ${yesNo(a.features.subgroups)}`);
    if (a.deviceMemory) lines.push(`  device memory: ${formatBytes(a.deviceMemory.inUseBytes)} in use, ${formatBytes(a.deviceMemory.allocatedBytes)} allocated`);
  } else lines.push("WebGPU adapter: none (see the webgpu candidate's reason)");
  lines.push(`tfjs memory: ${s.memory.tensors} tensors, ${formatBytes(s.memory.bytes)}${s.memory.gpuBytes === null ? "" : `, ${formatBytes(s.memory.gpuBytes)} on the GPU`}`);
  lines.push(`wasm SIMD: ${s.wasmSimd === null ? "n/a (wasm unavailable)" : s.wasmSimd ? "yes" : "no"}`);
  lines.push(`native kernels for wasm: ${s.nativeKernels.ok ? `OpenBLAS, ${nativeThreadsText(s.nativeKernels)}` : `not in use (${s.nativeKernels.reason})`}`);
  if (s.nativeKernels.ok)
    lines.push(
      `  ${s.nativeKernels.kernels.join(", ")} (float32, NHWC; GatherV2 copies rows of any 1- or 4-byte dtype, Identity and same-dtype Cast share the data; other cases run tfjs's own kernel)`,
    );
  return `${lines.join("\n")}\n`;
}

export function scopeReportText(r: ScopeReport, top = 5): { report: string; warning: string | null } {
  const kernels = r.kernels.slice(0, top).map((k) => (r.kernelTimes ? `${k.name} ${k.ms.toFixed(2)} ms (${k.calls}×)` : `${k.name} (${k.calls}×)`));
  const kernelLine = r.kernelTimes
    ? `top kernels${r.backend === "webgpu" ? " (GPU timestamps)" : ""}: ${kernels.length ? kernels.join(", ") : "none ran"}`
    : `kernels by calls (no per-kernel GPU times: this adapter has no timestamp-query): ${kernels.length ? kernels.join(", ") : "none ran"}`;
  const report =
    `%%gpu on ${r.backend}: wall time ${formatTime(r.wallMs / 1000)} (device synchronized), readback ${formatTime(r.readbackMs / 1000)}\n` +
    `${kernelLine}\n` +
    `tensors: peak ${formatBytes(r.peakBytes)}; ${r.freed} freed at the end of the cell, ${r.returned} returned, ${r.inVariables} kept in notebook variables, ${r.kept} kept with tf.keep()\n` +
    (r.gpu ? `GPU memory: ${formatBytes(r.gpu.inUseBytes)} in use, peak ${formatBytes(r.gpu.peakBytes)}\n` : "");
  const warning =
    r.leaked.tensors > 0
      ? `Warning: ${r.leaked.tensors} new tensor${r.leaked.tensors === 1 ? "" : "s"} (${formatBytes(r.leaked.bytes)}) left alive after the cell (variables, or tensors made outside its scope): dispose them when done, or hold them in a notebook variable (a top-level const or let) to say it is on purpose.\n`
      : null;
  return { report, warning };
}

export const gpuMagic: Magic<typeof OPTIONS> = {
  name: "gpu",
  description: DESCRIPTION,
  options: OPTIONS,
  line: {
    args: "[BACKEND]",
    async run({ session, options, args, usageError }) {
      const json = options.json;
      const rest = options.backend === undefined ? args : [options.backend, ...args];
      if (rest.length > 1) throw usageError(`%gpu takes one backend name and/or --json, got ${JSON.stringify(rest.join(" "))}.`);
      if (rest[0]) {
        const chosen = await session.tensors.use(backendOf(rest[0], usageError), () => session.notebook.locals);
        if (!json) process.stdout.write(`Switched to ${chosen.backend} (${chosen.id}): ${chosen.reason}\n`);
      }
      const status = await session.tensors.status();
      if (json) return status;
      if (!rest[0]) process.stdout.write(statusText(status));
      return undefined;
    },
  },
  cell: {
    async run({ session, options, body, label, run, usageError }) {
      const backend = options.backend === undefined ? undefined : backendOf(options.backend, usageError);
      const { tensors } = session;
      const tf = await tensors.ready();
      const previous = (await tensors.status()).backend;
      const held = () => session.notebook.locals;
      if (backend) await tensors.use(backend, held);
      try {
        const native = nativeCallsSnapshot();
        const { outcome, report } = await runInTensorScope(tf, () => run(`\n${body}`), {
          valueOfOutcome: (o) => (o.ok ? o.value : undefined),
          codeStartedAt: () => session.clock.userCodeStartedAt(),
          notebookValues: held,
          freed: tensors.freed,
          cell: label.replace(/^Cell/, ""),
          gpu: tensors.gpuProbe(),
        });
        const text = scopeReportText(report);
        process.stdout.write(text.report);
        const ran = describeNativeCalls(nativeCallsSince(native));
        if (ran) process.stdout.write(`native kernels (OpenBLAS, native/blas): ${ran}\n`);
        if (text.warning) process.stderr.write(text.warning);
        return outcome;
      } finally {
        if (backend && backend !== previous) await tensors.use(previous, held);
      }
    },
  },
};
