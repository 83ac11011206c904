// Tells when a command waits for input on the stdin we gave it, so the kernel can ask the front
// end (input_request). A pipe cannot say that someone is reading it; Linux's /proc can: a
// process of the command's tree that is blocked in read() on that pipe (or in epoll_wait() with
// it in its interest list, as Node waits) is waiting for a line.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** System call numbers: the reads of a file descriptor, and epoll's waits. */
const SYSCALLS: Partial<Record<string, { reads: number[]; epollWaits: number[] }>> = {
  x64: { reads: [0, 17, 19, 295, 327], epollWaits: [232, 281, 441] },
  arm64: { reads: [63, 65, 67, 69, 286], epollWaits: [22, 441] },
};

const POLL_MS = 100;

const read = (file: string): string | null => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
};

const link = (file: string): string | null => {
  try {
    return readlinkSync(file);
  } catch {
    return null;
  }
};

/** Whether this machine lets us see what a process waits on (Linux's /proc/PID/syscall, on x64 or arm64). */
export function canWatchStdin(): boolean {
  return SYSCALLS[process.arch] !== undefined && read("/proc/self/syscall") !== null;
}

/** The process and its descendants (threads' children included). */
function tree(root: number): number[] {
  const all: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    all.push(pid);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      for (const child of (read(`/proc/${pid}/task/${tid}/children`) ?? "").split(" ")) if (child.trim()) queue.push(Number(child));
    }
  }
  return all;
}

/** Whether `pid` is blocked waiting to read `stdin` (the pipe's identity, as /proc shows it: `socket:[…]` or `pipe:[…]`). */
function waitsOn(pid: number, stdin: string): boolean {
  const calls = SYSCALLS[process.arch]!;
  const syscall = read(`/proc/${pid}/syscall`)?.trim().split(" ");
  if (!syscall || syscall.length < 2 || !/^\d+$/.test(syscall[0]!)) return false; // "running", or not ours to see
  const nr = Number(syscall[0]);
  const fd = Number.parseInt(syscall[1]!, 16);
  if (calls.reads.includes(nr)) return link(`/proc/${pid}/fd/${fd}`) === stdin;
  if (!calls.epollWaits.includes(nr)) return false;
  // The epoll instance's interest list: `tfd: N events: HEX …` per watched descriptor.
  const info = read(`/proc/${pid}/fdinfo/${fd}`) ?? "";
  for (const m of info.matchAll(/^tfd:\s*(\d+)\s+events:\s*([0-9a-f]+)/gm)) {
    if (Number.parseInt(m[2]!, 16) & 1 && link(`/proc/${pid}/fd/${m[1]}`) === stdin) return true;
  }
  return false;
}

/** Calls `onWaiting` each time a process of `root`'s tree is found waiting on root's stdin; the returned function stops it. */
export function watchStdin(root: number, onWaiting: () => void): () => void {
  const stdin = link(`/proc/${root}/fd/0`);
  if (!stdin) return () => undefined;
  const timer = setInterval(() => {
    if (tree(root).some((pid) => waitsOn(pid, stdin))) onWaiting();
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
