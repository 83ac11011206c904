// The machine's NVIDIA GPUs as nvidia-smi reports them (when it exists).
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface GpuInfo {
  name: string;
  memoryUsedMiB: number;
  memoryTotalMiB: number;
  driver: string;
  utilizationPercent: number;
}

export type GpuReport = { found: true; cuda: string | null; gpus: GpuInfo[] } | { found: false; reason: string };

const QUERY = "name,memory.used,memory.total,driver_version,utilization.gpu";

export async function queryGpus(): Promise<GpuReport> {
  try {
    const { stdout } = await run("nvidia-smi", [`--query-gpu=${QUERY}`, "--format=csv,noheader,nounits"], { timeout: 10_000 });
    const gpus = stdout
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [name, used, total, driver, utilization] = line.split(",").map((s) => s.trim());
        return { name: name!, memoryUsedMiB: Number(used), memoryTotalMiB: Number(total), driver: driver!, utilizationPercent: Number(utilization) };
      });
    // The CUDA version the driver supports is only in nvidia-smi's banner.
    const banner = await run("nvidia-smi", [], { timeout: 10_000 }).then(
      (r) => r.stdout,
      () => "",
    );
    return { found: true, cuda: /CUDA Version:\s*([\d.]+)/.exec(banner)?.[1] ?? null, gpus };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") return { found: false, reason: "nvidia-smi is not installed: this machine has no NVIDIA driver" };
    return { found: false, reason: `nvidia-smi failed: ${(e.stderr || e.message).trim().split("\n")[0]}` };
  }
}

/** One line for reasons: what nvidia-smi says about the GPUs. */
export function describeGpus(report: GpuReport): string {
  if (!report.found) return report.reason;
  if (report.gpus.length === 0) return "nvidia-smi lists no GPU";
  return `nvidia-smi lists ${report.gpus.map((g) => g.name).join(", ")}${report.cuda ? `, driver for CUDA ${report.cuda}` : ""}`;
}
