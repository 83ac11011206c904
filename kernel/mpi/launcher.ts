// Runs a compiled %%mpi cell under mpirun, one Node process per rank (rank-main.js), streams
// every rank's output into the cell with [rank r] prefixes, and collects every rank's last value.
// mpirun runs with --tag-output: each piece of a rank's output comes as `[job,rank]<stdout>:…`,
// which is how the output is told apart by rank, and how each rank's result frame is found.
import { spawn, type ChildProcess } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import type { SpmdTravel } from "../spmd/body.js";
import type { RankJob } from "../spmd/rank.js";
import { RankError, RankLines, type RankResult } from "../spmd/results.js";
import { decodeFrame, FRAME_MARK, type RankFrame } from "./frames.js";
import { type ErrorKind, InterruptError, ParallabError } from "../../common/errors.js";

export const RANK_MAIN = fileURLToPath(new URL("./rank-main.js", import.meta.url));

export interface MpiLaunch {
  size: number;
  /** mpirun --host (h1:slots,h2:slots). */
  hosts?: string;
  hostfile?: string;
  job: RankJob;
}

/** --share values go to the ranks' processes as v8.serialize bytes (copies). */
export const PROCESS_TRAVEL: SpmdTravel = {
  check: (value) => void v8.serialize(value),
  problem: "another process (it must be serializable with v8.serialize: functions, class instances with native state and sockets are not)",
};

/** mpirun failed without a rank's own error (a launch failure, a host that cannot be reached…). */
export class MpiLaunchError extends ParallabError {
  override readonly kind: ErrorKind = "launch";
  override name = "MpiLaunchError";
}

/**
 * The mpirun command: PARALLAB_MPIRUN when set (words, e.g. a wrapper that runs mpirun in
 * another network namespace), else `mpirun`. Open MPI's own settings come from OMPI_MCA_*
 * variables of the kernel's environment (btl, plm_rsh_agent, oob_tcp_if_include…).
 */
export function mpirunCommand(): string[] {
  const custom = process.env.PARALLAB_MPIRUN?.trim();
  return custom ? custom.split(/\s+/) : ["mpirun"];
}

export function mpirunArgs(launch: Pick<MpiLaunch, "size" | "hosts" | "hostfile">): string[] {
  const args = ["--tag-output", "-n", String(launch.size)];
  // Notebooks often ask for more ranks than cores; Open MPI refuses that unless told.
  args.push("--oversubscribe");
  if (process.getuid?.() === 0) args.push("--allow-run-as-root");
  if (launch.hosts) args.push("--host", launch.hosts);
  if (launch.hostfile) args.push("--hostfile", launch.hostfile);
  args.push(process.execPath, RANK_MAIN);
  return args;
}

const TAG = /\[(\d+),(\d+)\]<(stdout|stderr)>:/;
/** A possible start of a tag cut at the end of a chunk. */
const TAG_START = /\[[\d,]*(\](<[a-z]*>?)?)?$/;

/**
 * Splits one of mpirun's streams into the ranks' pieces. Open MPI tags the start of every chunk
 * it forwards and every line within it, so a piece runs from its tag to the next newline or tag;
 * text with no tag is mpirun's own.
 */
export class TagDemux {
  private buffer = "";
  private current: { rank: number; stream: "stdout" | "stderr" } | null = null;

  constructor(
    private readonly onRank: (rank: number, stream: "stdout" | "stderr", bytes: Buffer) => void,
    private readonly onOwn: (bytes: Buffer) => void,
  ) {}

  /** `chunk` as latin1 text: one char per byte, so that UTF-8 split by Open MPI is rejoined per rank. */
  feed(chunk: Buffer): void {
    this.buffer += chunk.toString("latin1");
    for (;;) {
      const m = TAG.exec(this.buffer);
      if (!m) {
        const partial = TAG_START.exec(this.buffer.slice(-24));
        const keep = partial ? partial[0].length : 0;
        this.emit(this.buffer.slice(0, this.buffer.length - keep));
        this.buffer = this.buffer.slice(this.buffer.length - keep);
        return;
      }
      this.emit(this.buffer.slice(0, m.index));
      this.current = { rank: Number(m[2]), stream: m[3] as "stdout" | "stderr" };
      this.buffer = this.buffer.slice(m.index + m[0].length);
    }
  }

  end(): void {
    this.emit(this.buffer);
    this.buffer = "";
  }

  private emit(text: string): void {
    while (text) {
      const nl = text.indexOf("\n");
      const piece = nl < 0 ? text : text.slice(0, nl + 1);
      text = text.slice(piece.length);
      const bytes = Buffer.from(piece, "latin1");
      if (this.current) this.onRank(this.current.rank, this.current.stream, bytes);
      else this.onOwn(bytes);
      // After a newline, Open MPI starts the rank's next line with a tag again.
      if (nl >= 0) this.current = null;
    }
  }
}

/** One rank's stdout or stderr: decoded as UTF-8, frames taken out, lines prefixed. */
class RankStream {
  private readonly decoder = new StringDecoder("utf8");
  private pending = "";
  /** A frame's pieces while its line has not ended (a large value spans many chunks). */
  private frame: string[] | null = null;
  private readonly lines: RankLines;

  constructor(
    rank: number,
    private readonly write: (text: string) => void,
    private readonly onFrame: ((frame: RankFrame) => void) | null,
  ) {
    this.lines = new RankLines(rank);
  }

  push(bytes: Buffer): void {
    let text = this.decoder.write(bytes);
    if (this.frame) {
      const nl = text.indexOf("\n");
      if (nl < 0) {
        this.frame.push(text);
        return;
      }
      this.frame.push(text.slice(0, nl));
      const line = this.frame.join("");
      this.frame = null;
      text = text.slice(nl + 1);
      this.onFrame!(decodeFrame(line.slice(FRAME_MARK.length)));
    }
    this.pending += text;
    for (;;) {
      const at = this.onFrame ? this.pending.indexOf("\u001e") : -1;
      if (at < 0) {
        this.out(this.pending);
        this.pending = "";
        return;
      }
      this.out(this.pending.slice(0, at));
      this.pending = this.pending.slice(at);
      const head = this.pending.slice(0, FRAME_MARK.length);
      if (!FRAME_MARK.startsWith(head)) {
        // A record separator of the rank's own: plain output.
        this.out(this.pending[0]!);
        this.pending = this.pending.slice(1);
        continue;
      }
      if (head.length < FRAME_MARK.length) return; // the mark itself is cut: wait for the rest
      const nl = this.pending.indexOf("\n");
      if (nl < 0) {
        // The rest of the frame is on its way.
        this.frame = [this.pending];
        this.pending = "";
        return;
      }
      const payload = this.pending.slice(FRAME_MARK.length, nl);
      this.pending = this.pending.slice(nl + 1);
      this.onFrame!(decodeFrame(payload));
    }
  }

  end(): void {
    this.out(this.pending + this.decoder.end());
    this.pending = "";
  }

  private out(text: string): void {
    if (text) this.write(this.lines.prefix(text));
  }
}

/** The mpirun jobs running now: ended with the kernel. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) killGroup(child, "SIGKILL");
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Stops a job: SIGTERM to mpirun (it tears the job down on every host), then, if it is still
 * there a moment later, SIGKILL to its whole process group.
 */
function stopJob(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    child.kill("SIGTERM");
  } catch {
    // gone
  }
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), 1500);
  timer.unref();
  child.once("exit", () => clearTimeout(timer));
}

/** Why a job ended without every rank's result, mpirun's own words after the first line. */
function launchFailure(code: number | null, signal: NodeJS.Signals | null, own: string, size: number, results: Map<number, RankResult>): string {
  const said = own.trim() ? `\n${own.trim()}` : "";
  // A rank that exited by itself (process.exit, a crash) before finishing its code.
  const exited = /Process name:\s*\[\[\d+,\d+\],(\d+)\][\s\S]*?Exit code:\s*(\d+)/.exec(own);
  if (exited) return `rank ${exited[1]}'s process exited (code ${exited[2]}) before it finished; mpirun stopped the job.${said}`;
  const signalled = /process rank (\d+) with PID \d+ on node (\S+) exited on signal (\d+)(?: \(([^)]*)\))?/.exec(own);
  if (signalled)
    return `rank ${signalled[1]}'s process (on ${signalled[2]}) was killed by signal ${signalled[3]}${signalled[4] ? ` (${signalled[4]})` : ""} before it finished; mpirun stopped the job.${said}`;
  const missing = Array.from({ length: size }, (_, r) => r).filter((r) => !results.has(r));
  const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  return `mpirun ${why}${missing.length ? ` before rank${missing.length > 1 ? "s" : ""} ${missing.join(", ")} finished` : ""}.${said}`;
}

/** Every rank's result, in rank order; rejects with the failing rank's error, MpiLaunchError, or InterruptError once `signal` aborts. */
export function runMpi(launch: MpiLaunch, { signal }: { signal?: AbortSignal } = {}): Promise<RankResult[]> {
  if (signal?.aborted) return Promise.reject(new InterruptError());
  const [command, ...prefixArgs] = mpirunCommand();
  const args = [...prefixArgs, ...mpirunArgs(launch)];
  return new Promise<RankResult[]>((resolve, reject) => {
    const child = spawn(command!, args, { cwd: launch.job.cwd, stdio: ["pipe", "pipe", "pipe"], detached: true, env: { ...process.env, FORCE_COLOR: "0" } });
    running.add(child);
    const results = new Map<number, RankResult>();
    let firstError: RankError | null = null;
    let interrupted = false;
    let own = "";
    const streams = new Map<string, RankStream>();
    const streamOf = (rank: number, name: "stdout" | "stderr") => {
      const key = `${rank}:${name}`;
      let s = streams.get(key);
      if (!s) {
        s = new RankStream(rank, (text) => process[name].write(text), name === "stdout" ? (frame) => onFrame(rank, frame) : null);
        streams.set(key, s);
      }
      return s;
    };
    const onFrame = (rank: number, frame: RankFrame) => {
      if (frame.type === "done") {
        results.set(rank, { rank, value: frame.value, text: frame.text });
        return;
      }
      if (!firstError) {
        firstError = new RankError(rank, frame.name, frame.message, frame.stack, frame.kind);
        // The rank aborts the job itself (MPI_Abort); this is in case it cannot.
        const timer = setTimeout(() => stopJob(child), 3000);
        timer.unref();
        child.once("exit", () => clearTimeout(timer));
      }
    };
    const demux = () =>
      new TagDemux(
        (rank, stream, bytes) => streamOf(rank, stream).push(bytes),
        (bytes) => {
          own += bytes.toString("utf8");
          if (own.length > 20000) own = own.slice(-20000);
        },
      );
    const outDemux = demux();
    const errDemux = demux();
    child.stdout!.on("data", (chunk: Buffer) => outDemux.feed(chunk));
    child.stderr!.on("data", (chunk: Buffer) => errDemux.feed(chunk));
    const onAbort = () => {
      interrupted = true;
      stopJob(child);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const unsubscribe = () => signal?.removeEventListener("abort", onAbort);
    child.on("error", (err) => {
      unsubscribe();
      running.delete(child);
      reject(new MpiLaunchError(`cannot start ${command}: ${err.message}`));
    });
    child.on("exit", () => {
      // Whatever is left of the job in mpirun's process group (local ranks, daemons) goes too.
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // nothing left
      }
      // A daemon that inherited mpirun's stdout may keep it open: stop waiting for it soon.
      const timer = setTimeout(() => {
        child.stdout!.destroy();
        child.stderr!.destroy();
      }, 1000);
      timer.unref();
      child.once("close", () => clearTimeout(timer));
    });
    child.on("close", (code, signal) => {
      unsubscribe();
      running.delete(child);
      outDemux.end();
      errDemux.end();
      for (const s of streams.values()) s.end();
      if (interrupted) return reject(new InterruptError());
      if (firstError) return reject(firstError);
      if (code === 0 && results.size === launch.size) {
        // mpirun's own words on a run that went well (warnings): shown, as mpirun would.
        if (own.trim()) process.stderr.write(own.endsWith("\n") ? own : `${own}\n`);
        return resolve([...results.values()].sort((a, b) => a.rank - b.rank));
      }
      reject(new MpiLaunchError(launchFailure(code, signal, own, launch.size, results)));
    });
    // The job goes to rank 0 over stdin (mpirun forwards it), then stdin closes.
    child.stdin!.on("error", () => {
      // mpirun gone before it read the job: its exit says why.
    });
    child.stdin!.end(v8.serialize(launch.job));
  });
}
