#!/usr/bin/python3
"""Kernel benchmark: parallab vs tslab vs ipykernel, side by side in one run.

Run with Debian's python (it has jupyter_client 7.x / ipykernel 6.x):
    /usr/bin/python3 bench/kernel/bench.py [--kernels parallab,tslab,ipykernel]
                                           [--cells N] [--quick]
or through the dispatcher:  npm run bench -- kernel [options]

Figures per kernel (see bench/README.md):
  start-up     Popen -> first kernel_info_reply (median of --repeats fresh kernels)
  trivial      round trip of the cell `1`: execute_request sent -> execute_reply on
               shell AND status idle on iopub received (p50/p95)
  growth       a session of N declaration cells: latency of cell 1 and cell N,
               RSS after start and after N cells

Human-readable tables go to stdout as the run proceeds; the LAST line of stdout is
one JSON object with the target ratios (and "raw" figures). Diagnostics go to stderr.
"""

import argparse
import gc
import hmac
import json
import os
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KERNEL_ORDER = ("parallab", "tslab", "ipykernel")
DELIM = b"<IDS|MSG>"
MB = 1024 * 1024

try:
    import zmq
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager
except ImportError as exc:  # pragma: no cover
    sys.exit(
        f"bench.py: cannot import jupyter_client/pyzmq ({exc}).\n"
        "Run it with Debian's python: /usr/bin/python3 bench/kernel/bench.py"
    )

try:
    import psutil
except ImportError:  # fall back to /proc
    psutil = None


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def out(*a):
    print(*a, flush=True)


class KernelError(Exception):
    """The kernel died, timed out, or broke the protocol."""


class KernelTimeout(KernelError):
    pass


# After an execute_reply, the longest wait for the request's `status: idle` on iopub.
IDLE_GRACE_S = 2.0


# --------------------------------------------------------------------------- cells


def trivial_cell(_kernel):
    return "1"


def growth_cell(kernel, i, prefix=("a", "f")):
    a, f = prefix
    if KERNELS[kernel]["language"] == "python":
        return f"{a}{i} = {i}\ndef {f}{i}(x): return x + {a}{i}"
    return f"const {a}{i} = {i};\nfunction {f}{i}(x: number) {{ return x + {a}{i}; }}"


# --------------------------------------------------------------------------- kernels


def node_exe():
    return shutil.which("node") or "node"


def parallab_argv(env):
    script = (
        f"import {{ kernelJson }} from {json.dumps((REPO / 'dist/cli/kernelspec.js').as_uri())};"
        "console.log(JSON.stringify(kernelJson().argv));"
    )
    out = subprocess.check_output([node_exe(), "--input-type=module", "-e", script], text=True, env=env)
    # kernel.json starts the kernel through the launcher, from the compiler snapshot that
    # `parallab install` builds: build it here too, so that no kernel measured builds it.
    built = subprocess.run(
        [node_exe(), str(REPO / "dist/cli/scripts/build-compiler-snapshot.js")], capture_output=True, text=True, env=env
    )
    log(f"parallab: {(built.stdout or built.stderr).strip()}")
    return json.loads(out.strip().splitlines()[-1])


KERNELS = {
    "parallab": {
        "language": "typescript",
        "file": REPO / "dist" / "kernel" / "main.js",
        # Exactly what `parallab install` writes into kernel.json (node flags included).
        "argv": lambda env: parallab_argv(env),
        "missing": "dist/kernel/main.js not found: run npm run build first "
        "(or use `npm run bench -- kernel`, which builds)",
    },
    "tslab": {
        "language": "typescript",
        # tslab's own launcher (bin/tslab = require("../dist/main.js").main()); running
        # dist/main.js directly only defines main() and exits at once.
        "file": REPO / "node_modules" / "tslab" / "bin" / "tslab",
        "argv": lambda env: [
            node_exe(),
            str(REPO / "node_modules/tslab/bin/tslab"),
            "kernel",
            "--config-path",
            "{connection_file}",
        ],
        "missing": "node_modules/tslab/bin/tslab not found: run npm install (tslab is a dependency)",
        # tslab does not await zeromq's send(); with zeromq 6.8 (our override) every ~512
        # iopub messages one send throws EBUSY and that message is lost, so about one cell
        # in 170 never gets its `status: idle`. Such cells are dropped from the samples and
        # counted (iopub_idle_lost) instead of failing the run; for other kernels it's an error.
        "lossy_iopub": True,
    },
    "ipykernel": {
        "language": "python",
        "file": None,
        "argv": lambda env: ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "missing": "ipykernel is not importable by /usr/bin/python3 (apt install python3-ipykernel)",
    },
}


def kernel_available(name):
    spec = KERNELS[name]
    if spec["file"] is not None:
        return spec["file"].is_file()
    try:
        import ipykernel  # noqa: F401
    except ImportError:
        return False
    return os.path.exists("/usr/bin/python3")


def rss_of(pid):
    """(rss of the process, rss of the process + all descendants) in bytes."""
    if psutil is not None:
        try:
            p = psutil.Process(pid)
            own = p.memory_info().rss
            tree = own
            for c in p.children(recursive=True):
                try:
                    tree += c.memory_info().rss
                except psutil.Error:
                    pass
            return own, tree
        except psutil.Error:
            return None, None
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    own = int(line.split()[1]) * 1024
                    return own, own  # no cheap descendant walk without psutil
    except OSError:
        pass
    return None, None


class Kernel:
    """One kernel process + a lean synchronous ZMQ client for the timed paths.

    Launch and connection set-up go through jupyter_client (KernelManager with a
    kernel spec in a temporary dir, BlockingKernelClient for the sockets); the timed
    loops use synchronous shadows of the client's sockets and a zmq.Poller on shell
    and iopub together, so the client adds as little latency as possible.
    """

    live = set()  # every started kernel, so that cleanup can always stop it

    def __init__(self, name, ctx):
        self.name = name
        self.ctx = ctx
        self.km = None
        self.kc = None
        self.proc = None
        self.pid = None
        self.children = set()
        self.log_path = None
        self.log_fh = None
        self.session = None
        self.shell = self.iopub = None
        self.info = {}
        self.lost_idle = 0

    # ---------------------------------------------------------------- lifecycle

    def _launch(self):
        """Launch the process through jupyter_client with its log file; return the launch time."""
        ctx = self.ctx
        ctx.seq += 1
        tag = f"{self.name}-{ctx.seq}"
        self.log_path = ctx.tmp / "logs" / f"{tag}.log"
        self.log_fh = open(self.log_path, "wb")
        self.km = KernelManager(
            kernel_name=f"bench-{self.name}",
            kernel_spec_manager=ctx.ksm,
            connection_file=str(ctx.tmp / "runtime" / f"kernel-{tag}.json"),
        )
        self.km.shutdown_wait_time = 3.0
        Kernel.live.add(self)
        t0 = time.perf_counter()
        try:
            self.km.start_kernel(cwd=str(REPO), env=ctx.env, stdout=self.log_fh, stderr=self.log_fh)
        except Exception as exc:
            raise KernelError(f"could not launch: {exc}") from exc
        self.proc = self.km.provisioner.process
        self.pid = self.proc.pid
        self.kc = self.km.client()
        return t0

    def start(self):
        """Start the process; return seconds from launch to the first kernel_info_reply."""
        ctx = self.ctx
        t0 = self._launch()
        self.kc.start_channels(shell=True, iopub=True, stdin=False, hb=False, control=False)
        self.session = self.kc.session
        # synchronous views of the client's (asyncio) sockets
        self.shell = zmq.Socket.shadow(self.kc.shell_channel.socket.underlying)
        self.iopub = zmq.Socket.shadow(self.kc.iopub_channel.socket.underlying)
        self.poller = zmq.Poller()
        self.poller.register(self.shell, zmq.POLLIN)
        self.poller.register(self.iopub, zmq.POLLIN)

        # kernel_info_request, re-sent every 200 ms in case early ones are dropped
        deadline = t0 + ctx.timeout
        sent = set()
        next_send = 0.0
        while True:
            now = time.perf_counter()
            if now >= next_send:
                sent.add(self._send("kernel_info_request", {}))
                next_send = now + 0.2
            for sock, msg in self._poll(min(next_send, deadline), deadline, "kernel_info_reply"):
                if sock is self.shell and msg["parent_header"].get("msg_id") in sent:
                    t1 = time.perf_counter()
                    self.info = msg["content"]
                    return t1 - t0

    def start_as_jupyter_client(self):
        """Start the process the way JupyterLab's server and nbclient do, and time it with
        jupyter_client itself: (seconds to wait_for_ready returning, seconds to the first cell's
        result). wait_for_ready counts a kernel ready only once an iopub message follows a
        kernel_info_reply (jupyter_server's "nudge" does the same)."""
        ctx = self.ctx
        t0 = self._launch()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=ctx.timeout)
        except RuntimeError as exc:
            raise KernelError(f"wait_for_ready: {exc}") from exc
        t_ready = time.perf_counter()
        msg_id = self.kc.execute("1 + 1")
        deadline = t0 + 2 * ctx.timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise KernelTimeout("no result for the first cell `1 + 1`")
            try:
                msg = self.kc.get_iopub_msg(timeout=left)
            except queue.Empty:
                raise KernelTimeout("no result for the first cell `1 + 1`") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "error":
                raise KernelError(f"first cell `1 + 1` failed: {msg['content'].get('evalue')}")
            # tslab shows a cell's value on stdout, the others as an execute_result
            if kind == "execute_result" or (kind == "stream" and msg["content"].get("name") == "stdout"):
                return t_ready - t0, time.perf_counter() - t0

    def wait_iopub(self):
        """Make sure our iopub subscription is live (PUB/SUB slow joiner) before timing."""
        deadline = time.perf_counter() + min(self.ctx.timeout, 30)
        sent = set()
        next_send = 0.0
        while True:
            now = time.perf_counter()
            if now >= next_send:
                sent.add(self._send("kernel_info_request", {}))
                next_send = now + 0.1
            for sock, msg in self._poll(min(next_send, deadline), deadline, "iopub status"):
                if (
                    sock is self.iopub
                    and msg["header"]["msg_type"] == "status"
                    and msg["parent_header"].get("msg_id") in sent
                ):
                    self.drain(0.05)
                    return

    def drain(self, quiet_s):
        """Read and drop everything until nothing arrived for quiet_s seconds."""
        while self.poller.poll(int(quiet_s * 1000)):
            for sock in (self.shell, self.iopub):
                while True:
                    try:
                        sock.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break

    def shutdown(self, fast=False):
        """Polite shutdown (shutdown_request, then TERM/KILL after 3 s); fast = kill now.
        Any descendant process still alive afterwards is killed too."""
        Kernel.live.discard(self)
        if self.pid and psutil is not None:
            try:
                self.children.update(psutil.Process(self.pid).children(recursive=True))
            except psutil.Error:
                pass
        for sock in (self.shell, self.iopub):
            if sock is not None:
                try:
                    self.poller.unregister(sock)
                except Exception:
                    pass
        self.shell = self.iopub = None  # shadows; the client owns the sockets
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
        if self.km is not None:
            try:
                if self.km.has_kernel:
                    self.km.shutdown_kernel(now=fast)
            except Exception as exc:
                log(f"[{self.name}] shutdown: {exc}; killing")
                try:
                    os.killpg(self.pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                self.km.cleanup_resources()
            except Exception:
                pass
        for c in self.children:
            try:
                c.kill()
            except Exception:
                pass
        if self.log_fh:
            self.log_fh.close()
            self.log_fh = None

    def log_tail(self, lines=15):
        try:
            text = Path(self.log_path).read_text(errors="replace").strip().splitlines()
        except Exception:
            return ""
        return "\n".join("    | " + l for l in text[-lines:])

    # ---------------------------------------------------------------- protocol

    def _send(self, msg_type, content):
        msg = self.session.msg(msg_type, content)
        self.session.send(self.shell, msg)
        return msg["header"]["msg_id"]

    def _parse(self, frames):
        i = frames.index(DELIM)
        sig, h, ph, md, c = frames[i + 1 : i + 6]
        if self.session.auth is not None:
            if not hmac.compare_digest(sig, self.session.sign([h, ph, md, c])):
                raise KernelError("message with an invalid HMAC signature")
        return {
            "header": json.loads(h),
            "parent_header": json.loads(ph),
            "content": json.loads(c),
        }

    def _poll(self, until, deadline, waiting_for):
        """Yield (socket, msg) for every message that arrives before `until`
        (perf_counter time). Raises KernelError when the process has died and
        KernelTimeout when `deadline` has passed."""

        def what():
            return waiting_for() if callable(waiting_for) else waiting_for

        while True:
            now = time.perf_counter()
            if now >= deadline:
                raise KernelTimeout(f"timed out after {self.ctx.timeout:.0f} s waiting for {what()}")
            if now >= until:
                return
            wait_ms = max(1, int(min(until - now, deadline - now, 0.5) * 1000))
            events = self.poller.poll(wait_ms)
            if not events:
                rc = self.proc.poll()
                if rc is not None:
                    raise KernelError(f"process exited with code {rc} while waiting for {what()}")
                continue
            for sock, _ in events:
                while True:
                    try:
                        frames = sock.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    yield sock, self._parse(frames)

    def execute(self, code, wait_idle=True):
        """Run one cell. Returns (seconds, error): seconds from sending execute_request
        until its execute_reply (shell) and, if wait_idle, its status: idle (iopub) have
        both arrived; error is None when the reply status is ok.

        If the reply came but the idle status did not within IDLE_GRACE_S, the iopub
        message was lost: for kernels marked lossy_iopub (tslab, see KERNELS) the cell
        is counted in self.lost_idle and seconds is None (no sample); for any other
        kernel it is an error."""
        t0 = time.perf_counter()
        msg_id = self._send(
            "execute_request",
            {
                "code": code,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            },
        )
        deadline = t0 + self.ctx.timeout
        reply = None
        reply_at = None
        idle = not wait_idle
        errtext = []

        def waiting():
            return " and ".join(
                w for w, have in (("execute_reply", reply is not None), ("status idle", idle)) if not have
            )

        while True:
            limit = deadline if reply_at is None else min(deadline, reply_at + IDLE_GRACE_S)
            try:
                for sock, msg in self._poll(limit + 1, limit, waiting):
                    if msg["parent_header"].get("msg_id") != msg_id:
                        continue
                    mt = msg["header"]["msg_type"]
                    if sock is self.shell and mt == "execute_reply":
                        reply = msg["content"]
                        reply_at = time.perf_counter()
                    elif sock is self.iopub:
                        if mt == "status" and msg["content"].get("execution_state") == "idle":
                            idle = True
                        elif mt == "error":
                            errtext.append(f"{msg['content'].get('ename')}: {msg['content'].get('evalue')}")
                        elif mt == "stream" and msg["content"].get("name") == "stderr":
                            errtext.append(msg["content"].get("text", "").strip())
                    if reply is not None and (idle or mt == "execute_reply"):
                        break  # done, or re-arm the poll with the idle grace deadline
            except KernelTimeout:
                if reply_at is None or time.perf_counter() >= deadline:
                    raise
                if not KERNELS[self.name].get("lossy_iopub"):
                    raise KernelError(
                        f"execute_reply arrived but no status idle on iopub within {IDLE_GRACE_S:.0f} s "
                        "(iopub message lost?)"
                    ) from None
                self.lost_idle += 1
                return None, self._error(reply, errtext)
            if reply is not None and idle:
                t_done = time.perf_counter()
                break
        return t_done - t0, self._error(reply, errtext)

    @staticmethod
    def _error(reply, errtext):
        if reply.get("status") == "ok":
            return None
        detail = "; ".join(t for t in errtext if t) or f"{reply.get('ename')}: {reply.get('evalue')}"
        return f"status={reply.get('status')} {detail}"


# --------------------------------------------------------------------------- stats


def pct(values, p):
    """Percentile with linear interpolation (p in 0..100)."""
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def ms(seconds):
    return None if seconds is None else round(seconds * 1000.0, 3)


def mb(nbytes):
    return None if nbytes is None else round(nbytes / MB, 1)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 3)


def fmt(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def table(header, rows, first_width=26):
    widths = [first_width] + [max(11, len(h) + 2) for h in header[1:]]
    lines = ["".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths)))]
    for row in rows:
        lines.append(
            "".join(
                (str(c).ljust(w) if i == 0 else str(c).rjust(w)) for i, (c, w) in enumerate(zip(row, widths))
            )
        )
    out("\n".join(lines))


def rotated(names, r):
    r %= max(1, len(names))
    return names[r:] + names[:r]


# --------------------------------------------------------------------------- phases


class Context:
    def __init__(self, args, tmp):
        self.args = args
        self.timeout = args.timeout
        self.tmp = tmp
        self.seq = 0
        (tmp / "kernels").mkdir()
        (tmp / "runtime").mkdir()
        (tmp / "logs").mkdir()
        (tmp / "ipython").mkdir()
        self.env = dict(os.environ)
        self.env["IPYTHONDIR"] = str(tmp / "ipython")  # keep ipykernel's history db out of ~
        # and parallab's history, code cache and compiler snapshot (built before the first kernel)
        self.env["JUPYTER_DATA_DIR"] = str(tmp / "jupyter-data")
        self.env["JUPYTER_RUNTIME_DIR"] = str(tmp / "runtime")
        self.env.pop("PYTHONSTARTUP", None)
        for name in KERNELS:
            d = tmp / "kernels" / f"bench-{name}"
            d.mkdir()
            (d / "kernel.json").write_text(
                json.dumps(
                    {
                        "argv": KERNELS[name]["argv"](self.env),
                        "display_name": f"bench {name}",
                        "language": KERNELS[name]["language"],
                        "interrupt_mode": "signal",
                    }
                )
            )
        # only our temporary kernel dir: nothing from (or into) the user's Jupyter dirs
        self.ksm = KernelSpecManager(kernel_dirs=[str(tmp / "kernels")], ensure_native_kernel=False)


def fail(results, name, phase, k, exc):
    msg = f"[{name}] {phase}: {exc}"
    log(f"!! {msg}")
    tail = k.log_tail() if k is not None else ""
    if tail:
        log(f"   last lines of the kernel's output ({k.log_path.name}):\n{tail}")
    results[name].setdefault("errors", []).append(msg)


def fresh_kernel_rounds(ctx, names, results, phase, measure):
    """One warm-up round and --repeats rounds, each kernel started afresh in a rotating order;
    measure(kernel, round) returns the round's figures. Returns ({name: figures of the timed
    rounds}, the names of kernels that failed)."""
    figures = {n: [] for n in names}
    dead = set()
    for r in range(ctx.args.repeats + 1):
        for name in rotated(names, r):
            if name in dead:
                continue
            k = Kernel(name, ctx)
            try:
                got = measure(k, r)
                if r > 0:
                    figures[name].append(got)
            except KernelError as exc:
                fail(results, name, phase, k, exc)
                dead.add(name)
            except BaseException:
                k.shutdown(fast=True)
                raise
            k.shutdown()
    return figures, dead


def phase_startup(ctx, names, results):
    repeats = ctx.args.repeats
    out(f"\n== start-up: launch -> first kernel_info_reply; 1 warm-up round + {repeats} rounds, interleaved ==")

    def measure(k, r):
        s = k.start()
        # what a user feels: launch -> the first cell's execute_reply
        e, err = k.execute("1", wait_idle=False)
        if err:
            raise KernelError(f"first cell `1` failed: {err}")
        label = "warm-up" if r == 0 else f"round {r}"
        out(f"  {label:8} {k.name:10} start-up {s * 1000:8.1f} ms   + first `1` {e * 1000:7.1f} ms")
        if r == 0:
            impl = k.info.get("implementation", "?")
            ver = k.info.get("implementation_version", "")
            results[k.name]["implementation"] = f"{impl} {ver}".strip()
        return s, s + e

    per_kernel, dead = fresh_kernel_rounds(ctx, names, results, "start-up", measure)
    samples = {n: [s for s, _ in per_kernel[n]] for n in names}
    first = {n: [f for _, f in per_kernel[n]] for n in names}
    for name in names:
        res = results[name]
        if name in dead or not samples[name]:
            res["startup_ms"] = None
            res["startup_first_result_ms"] = None
            continue
        res["startup_ms"] = ms(statistics.median(samples[name]))
        res["startup_samples_ms"] = [ms(x) for x in samples[name]]
        res["startup_first_result_ms"] = ms(statistics.median(first[name]))
    rows = [
        [n, fmt(results[n]["startup_ms"]), fmt(ms(min(samples[n])) if samples[n] else None),
         fmt(ms(max(samples[n])) if samples[n] else None), fmt(results[n]["startup_first_result_ms"])]
        for n in names
    ]
    table(["kernel", "median ms", "min ms", "max ms", "->1st `1` ms"], rows, 12)
    return [n for n in names if n not in dead]


def phase_ready(ctx, names, results):
    repeats = ctx.args.repeats
    out(f"\n== ready and first result, through jupyter_client (wait_for_ready, then `1 + 1`); "
        f"1 warm-up round + {repeats} rounds, interleaved ==")

    def measure(k, r):
        t_ready, t_first = k.start_as_jupyter_client()
        label = "warm-up" if r == 0 else f"round {r}"
        out(f"  {label:8} {k.name:10} ready {t_ready * 1000:8.1f} ms   first result {t_first * 1000:8.1f} ms")
        return t_ready, t_first

    per_kernel, dead = fresh_kernel_rounds(ctx, names, results, "ready", measure)
    ready = {n: [t for t, _ in per_kernel[n]] for n in names}
    first = {n: [f for _, f in per_kernel[n]] for n in names}
    for name in names:
        res = results[name]
        ok = name not in dead and ready[name]
        res["ready_ms"] = ms(statistics.median(ready[name])) if ok else None
        res["first_result_ms"] = ms(statistics.median(first[name])) if ok else None
    table(["kernel", "ready ms", "1st result ms"], [[n, fmt(results[n]["ready_ms"]), fmt(results[n]["first_result_ms"])] for n in names], 12)


def note_lost(res, phase, k):
    if k is not None and k.lost_idle:
        res.setdefault("iopub_idle_lost", {})[phase] = k.lost_idle
        log(f"note: [{k.name}] {phase}: {k.lost_idle} cell(s) never got their status idle on iopub "
            "(known tslab/zeromq issue); those cells are left out of the samples")


def stop_all(ks, fast=False):
    for k in ks.values():
        k.shutdown(fast=fast)


def start_many(ctx, names, results, phase):
    """Start one fresh kernel per name; returns {name: Kernel} of those that came up."""
    ks = {}
    for name in names:
        k = Kernel(name, ctx)
        try:
            k.start()
            k.wait_iopub()
            ks[name] = k
        except KernelError as exc:
            fail(results, name, phase, k, exc)
            k.shutdown(fast=True)
    return ks


def run_blocks(ctx, ks, results, phase, cells_of, block, on_sample):
    """Run each kernel's cell list in blocks of `block` cells, rotating the kernel
    order every round, so machine noise is spread over all kernels. cells_of(name)
    returns a list of (index, code); on_sample(name, index, seconds) records.
    A kernel that fails is shut down and dropped; returns the failed names."""
    cells = {n: cells_of(n) for n in ks}
    total = max(len(c) for c in cells.values()) if cells else 0
    failed = set()
    rnd = 0
    next_report = total // 5
    for start in range(0, total, block):
        if len(failed) == len(ks):
            break
        for name in rotated(list(ks), rnd):
            if name in failed:
                continue
            k = ks[name]
            gc.disable()
            try:
                for idx, code in cells[name][start : start + block]:
                    sec, err = k.execute(code)
                    if err:
                        raise KernelError(f"cell {idx} failed: {err}\n    code: {code!r}")
                    on_sample(name, idx, sec)  # sec None: sample lost (see Kernel.execute)
            except KernelError as exc:
                fail(results, name, phase, k, exc)
                failed.add(name)
                k.shutdown(fast=True)
            finally:
                gc.enable()
        rnd += 1
        gc.collect()
        done = min(start + block, total)
        if ctx.args.progress and next_report <= done < total and len(failed) < len(ks):
            out(f"  ... {done}/{total} cells")
            next_report = done + total // 5
    return failed


def phase_trivial(ctx, names, results):
    n, warm = ctx.args.trivial, ctx.args.trivial_warmup
    out(f"\n== trivial cell `1`: send -> execute_reply + status idle; {warm} warm-up + {n} timed, "
        f"in blocks of 25 interleaved ==")
    ks = start_many(ctx, names, results, "trivial")
    samples = {name: [] for name in ks}

    def cells_of(name):
        return [(i, trivial_cell(name)) for i in range(warm + n)]

    def on_sample(name, idx, sec):
        if idx >= warm and sec is not None:
            samples[name].append(sec)

    try:
        failed = run_blocks(ctx, ks, results, "trivial", cells_of, 25, on_sample)
    except BaseException:
        stop_all(ks, fast=True)
        raise
    stop_all(ks)
    rows = []
    for name in names:
        res = results[name]
        s = samples.get(name, [])
        ok = name in ks and name not in failed and len(s) > 0
        note_lost(res, "trivial", ks.get(name))
        res["trivial_p50_ms"] = ms(pct(s, 50)) if ok else None
        res["trivial_p95_ms"] = ms(pct(s, 95)) if ok else None
        res["trivial_mean_ms"] = ms(statistics.fmean(s)) if ok else None
        res["trivial_min_ms"] = ms(min(s)) if ok else None
        rows.append([name, fmt(res["trivial_p50_ms"], 2), fmt(res["trivial_p95_ms"], 2),
                     fmt(res["trivial_mean_ms"], 2), fmt(res["trivial_min_ms"], 2)])
    table(["kernel", "p50 ms", "p95 ms", "mean ms", "min ms"], rows, 12)


def phase_growth(ctx, names, results):
    n = ctx.args.cells
    warm = 10
    first_k, last_k = min(5, n), min(10, n)
    out(f"\n== growth: session of {n} cells `const a<i> = <i>; function f<i>(...)` "
        f"({warm} warm-up cells first); blocks of 50 interleaved ==")
    ks = start_many(ctx, names, results, "growth")
    lat = {name: [None] * n for name in ks}
    rss_start = {}
    time.sleep(0.3)
    for name, k in ks.items():
        rss_start[name] = rss_of(k.pid)

    def cells_of(name):
        items = [(-1 - j, growth_cell(name, j + 1, ("w", "g"))) for j in range(warm)]
        return items + [(i, growth_cell(name, i)) for i in range(1, n + 1)]

    def on_sample(name, idx, sec):
        if idx >= 1:
            lat[name][idx - 1] = sec

    rss_end = {}
    try:
        # each kernel's RSS is read right after its own last cell (others are idle then)
        def on_sample_rss(name, idx, sec):
            on_sample(name, idx, sec)
            if idx == n:
                rss_end[name] = rss_of(ks[name].pid)

        failed = run_blocks(ctx, ks, results, "growth", cells_of, 50, on_sample_rss)
    except BaseException:
        stop_all(ks, fast=True)
        raise
    stop_all(ks)
    rows = []
    for name in names:
        res = results[name]
        note_lost(res, "growth", ks.get(name))
        L = lat.get(name, [])
        head = [x for x in L[:first_k] if x is not None]
        tail = [x for x in L[-last_k:] if x is not None]
        ok = name in ks and name not in failed and head and tail and name in rss_end
        if not ok:
            for key in ("cell1_ms", "cellN_ms", "cellN_vs_cell1", "rss_start_mb", "rss_end_mb"):
                res[key] = None
            rows.append([name] + ["-"] * 5)
            continue
        res["cell1_ms"] = ms(statistics.median(head))
        res["cellN_ms"] = ms(statistics.median(tail))
        res["cellN_vs_cell1"] = ratio(res["cellN_ms"], res["cell1_ms"])
        deciles = []
        for i in range(10):
            part = [x for x in L[i * n // 10 : max(i * n // 10 + 1, (i + 1) * n // 10)] if x is not None]
            deciles.append(ms(statistics.median(part)) if part else None)
        res["cell_ms_by_decile"] = deciles
        res["growth_total_s"] = round(sum(x for x in L if x is not None), 2)
        res["decl_cell_p50_ms"] = ms(statistics.median([x for x in L if x is not None]))
        own0, tree0 = rss_start.get(name, (None, None))
        own1, tree1 = rss_end.get(name, (None, None))
        # RSS = kernel process + its descendants (helpers/workers count); *_main = the process alone
        res["rss_start_mb"], res["rss_end_mb"] = mb(tree0), mb(tree1)
        res["rss_start_main_mb"], res["rss_end_main_mb"] = mb(own0), mb(own1)
        rows.append([name, fmt(res["cell1_ms"], 2), fmt(res["cellN_ms"], 2), fmt(res["cellN_vs_cell1"], 2),
                     fmt(res["rss_start_mb"]), fmt(res["rss_end_mb"])])
    table(["kernel", "cell1 ms", f"cell{n} ms", "ratio", "RSS0 MB", f"RSS{n} MB"], rows, 12)


# --------------------------------------------------------------------------- main


def summary(names, results, n):
    out("\n== summary ==")
    fig = [
        ("start-up (ms)", "startup_ms", 1),
        ("start -> 1st result (ms)", "startup_first_result_ms", 1),
        ("ready, jupyter_client (ms)", "ready_ms", 1),
        ("1st result, jupyter_client (ms)", "first_result_ms", 1),
        ("declaration cell p50 (ms)", "decl_cell_p50_ms", 2),
        ("trivial p50 (ms)", "trivial_p50_ms", 2),
        ("trivial p95 (ms)", "trivial_p95_ms", 2),
        ("cell1 (ms)", "cell1_ms", 2),
        (f"cell{n} (ms)", "cellN_ms", 2),
        (f"cell{n} / cell1", "cellN_vs_cell1", 2),
        ("RSS after start (MB)", "rss_start_mb", 1),
        (f"RSS after {n} cells (MB)", "rss_end_mb", 1),
    ]
    table(["figure"] + list(names), [[label] + [fmt(results[k].get(key), d) for k in names]
                                      for label, key, d in fig])


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="bench/kernel/bench.py",
        description="Benchmark parallab against tslab and ipykernel (start-up, trivial round "
        "trip, growth over a long session). Last stdout line: JSON with the target ratios.",
    )
    ap.add_argument("--kernels", default=",".join(KERNEL_ORDER),
                    help="comma-separated subset of parallab,tslab,ipykernel (default: all)")
    ap.add_argument("--cells", type=int, default=None, help="cells in the growth session (default 1000; --quick 100)")
    ap.add_argument("--quick", action="store_true", help="fast smoke run: 100 cells, fewer repeats")
    ap.add_argument("--repeats", type=int, default=None, help="start-up rounds (default 5; --quick 3)")
    ap.add_argument("--trivial", type=int, default=None, help="timed trivial cells (default 200; --quick 50)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for any one reply (default 60)")
    ap.add_argument("--no-progress", dest="progress", action="store_false", help="no per-block progress lines")
    args = ap.parse_args(argv)
    q = args.quick
    args.cells = args.cells if args.cells is not None else (100 if q else 1000)
    args.repeats = args.repeats if args.repeats is not None else (3 if q else 5)
    args.trivial = args.trivial if args.trivial is not None else (50 if q else 200)
    args.trivial_warmup = 10 if q else 20
    if args.cells < 1 or args.repeats < 1 or args.trivial < 1:
        ap.error("--cells, --repeats and --trivial must be >= 1")
    names = [s.strip() for s in args.kernels.split(",") if s.strip()]
    bad = [s for s in names if s not in KERNELS]
    if bad or not names:
        ap.error(f"unknown kernel(s) {', '.join(bad) or '(none)'}; choose from {', '.join(KERNEL_ORDER)}")
    args.names = [k for k in KERNEL_ORDER if k in names]
    return args


def main(argv):
    args = parse_args(argv)
    names = args.names
    missing = [n for n in names if not kernel_available(n)]
    if missing:
        for n in missing:
            log(f"bench.py: {n}: {KERNELS[n]['missing']}")
        return 1
    if any(KERNELS[n]["language"] == "typescript" for n in names) and not shutil.which("node"):
        log("bench.py: `node` is not on PATH")
        return 1

    def on_term(signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)

    results = {n: {} for n in names}
    tmp = Path(tempfile.mkdtemp(prefix="parallab-bench-"))
    t_begin = time.time()
    load0 = os.getloadavg()
    out(f"kernel bench: {', '.join(names)} | cells={args.cells} trivial={args.trivial} "
        f"repeats={args.repeats} | {os.cpu_count()} CPUs, loadavg {load0[0]:.2f}")
    try:
        ctx = Context(args, tmp)
        alive = phase_startup(ctx, names, results)
        if alive:
            # its failures cost only its own figures
            phase_ready(ctx, alive, results)
            phase_trivial(ctx, alive, results)
            phase_growth(ctx, alive, results)
        summary(names, results, args.cells)
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        log("\nbench.py: interrupted; shutting kernels down")
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for k in list(Kernel.live):
            k.shutdown(fast=True)
        shutil.rmtree(tmp, ignore_errors=True)

    def get(kernel, key):
        return results.get(kernel, {}).get(key)

    ratios = {
        "startup_vs_tslab": ratio(get("parallab", "startup_ms"), get("tslab", "startup_ms")),
        "trivial_p50_vs_ipykernel": ratio(get("parallab", "trivial_p50_ms"), get("ipykernel", "trivial_p50_ms")),
        "cell1000_vs_cell1": ratio(get("parallab", "cellN_ms"), get("parallab", "cell1_ms")),
        "rss1000_vs_tslab": ratio(get("parallab", "rss_end_mb"), get("tslab", "rss_end_mb")),
        # issue 19's figures, against ipykernel, through jupyter_client
        "ready_vs_ipykernel": ratio(get("parallab", "ready_ms"), get("ipykernel", "ready_ms")),
        "first_result_vs_ipykernel": ratio(get("parallab", "first_result_ms"), get("ipykernel", "first_result_ms")),
        "decl_cell_vs_ipykernel": ratio(get("parallab", "decl_cell_p50_ms"), get("ipykernel", "decl_cell_p50_ms")),
        "rss1000_vs_ipykernel": ratio(get("parallab", "rss_end_mb"), get("ipykernel", "rss_end_mb")),
    }
    targets = {
        "startup_vs_tslab": 0.6,
        "trivial_p50_vs_ipykernel": 0.5,
        "cell1000_vs_cell1": 1.2,
        "rss1000_vs_tslab": 0.5,
        "ready_vs_ipykernel": 1.0,
        "first_result_vs_ipykernel": 1.0,
        "decl_cell_vs_ipykernel": 2.0,
        "rss1000_vs_ipykernel": 3.0,
    }
    out("\n== targets (parallab) ==")
    for key, limit in targets.items():
        v = ratios[key]
        verdict = "n/a" if v is None else ("PASS" if v <= limit else "FAIL")
        out(f"  {key:26} {fmt(v, 3):>8}   target <= {limit:<4}  {verdict}")
    load1 = os.getloadavg()
    raw = {
        "config": {
            "kernels": names,
            "cells": args.cells,
            "trivial": args.trivial,
            "trivial_warmup": args.trivial_warmup,
            "startup_repeats": args.repeats,
            "quick": args.quick,
            "cpus": os.cpu_count(),
            "loadavg_start": round(load0[0], 2),
            "loadavg_end": round(load1[0], 2),
            "duration_s": round(time.time() - t_begin, 1),
            "rss": "process + descendants" if psutil is not None else "process (VmRSS)",
        },
        "kernels": results,
    }
    out(json.dumps({**ratios, "raw": raw}, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
