"""Running a command the way the benchmark measures it: wall and CPU seconds, peak RSS, machine load.

Every command runs as the grandchild of this process, under a tiny wrapper that reports the
command's own resource use: CPU seconds (user + sys) of the command and every descendant it
waited for (loky workers included), its peak RSS, and the wall time. A direct child of the
benchmark would not do: Linux counts the RSS a child had before ``exec`` (a copy of the benchmark
process) in its ``ru_maxrss``.

The machine's state is read from ``/proc``: the load average, the runnable tasks, and per-CPU
busy time, so each run says how much CPU *other* processes took while it ran (machine busy CPU
seconds minus the run's own), and a section can say whether "the second core was idle".
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

_WRAPPER = r"""
import json, os, resource, signal, subprocess, sys, threading, time
timeout, kill_mb = float(sys.argv[1]), float(sys.argv[2])
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[3:], stdout=subprocess.DEVNULL, start_new_session=True)
why = []
done = threading.Event()  # set once the main thread has reaped the command (poll() here could reap it first)
def watch():
    while not done.wait(0.2):
        if timeout and time.perf_counter() - t0 > timeout:
            why.append(f"killed after {timeout:g} s")
        elif kill_mb:
            try:
                with open(f"/proc/{p.pid}/status") as fh:
                    rss = next(int(l.split()[1]) for l in fh if l.startswith("VmRSS:")) / 1024
            except (OSError, StopIteration, ValueError):
                rss = 0
            if rss > kill_mb:
                why.append(f"killed at {rss:.0f} MB of RSS (limit {kill_mb:g} MB)")
        if why:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            return
threading.Thread(target=watch, daemon=True).start()
_, status, _ = os.wait4(p.pid, 0)
done.set()
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"s": wall, "cpu": ru.ru_utime + ru.ru_stime, "user": ru.ru_utime, "sys": ru.ru_stime,
                  "rss_mb": ru.ru_maxrss / 1024, "rc": os.waitstatus_to_exitcode(status),
                  "killed": why[0] if why else None}))
"""

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def child_env() -> dict[str, str]:
    """The environment of measured commands: bytecode caching on, as for an installed package."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # else every run compiles policytag's sources again (~60 ms)
    return env


def cpu_times() -> dict[str, tuple[float, float]] | None:
    """``{"cpu": (busy_s, total_s), "cpu0": ...}`` from /proc/stat, or None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            lines = [ln.split() for ln in fh if ln.startswith("cpu")]
    except OSError:
        return None
    out = {}
    for f in lines:
        vals = [int(x) for x in f[1:9]]
        idle = vals[3] + vals[4]  # idle + iowait
        total = sum(vals)
        out[f[0]] = ((total - idle) / CLK_TCK, total / CLK_TCK)
    return out


def loadavg() -> dict[str, Any]:
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            f = fh.read().split()
        return {"load1": float(f[0]), "load5": float(f[1]), "load15": float(f[2]),
                "runnable_now": int(f[3].split("/")[0])}
    except (OSError, ValueError, IndexError):
        return {}


def machine_state(sample_s: float = 1.0) -> dict[str, Any]:
    """Load average and each CPU's idle share over ``sample_s`` seconds (this process sleeping meanwhile)."""
    a = cpu_times()
    time.sleep(sample_s)
    b = cpu_times()
    state: dict[str, Any] = {"loadavg": loadavg(), "cpus_available": len(os.sched_getaffinity(0))}
    if a and b:
        state["idle_share"] = {k: round(1 - (b[k][0] - a[k][0]) / max(1e-9, b[k][1] - a[k][1]), 3)
                               for k in b if k != "cpu"}
        state["others_busy_cpus"] = round(sum(b[k][0] - a[k][0] for k in b if k != "cpu") / sample_s, 2)
    return state


def run_child(cmd: list[Any], timeout: float = 0, kill_mb: float = 0, cwd: Path | None = None) -> dict[str, Any]:
    """Run ``cmd``: wall and CPU seconds, peak RSS (MB), exit code, stderr tail, and the other processes' load."""
    before = cpu_times()
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, str(timeout), str(kill_mb), *map(str, cmd)], cwd=cwd,
                          capture_output=True, text=True, check=False, env=child_env())
    after = cpu_times()
    try:
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise RuntimeError(f"could not run {cmd[0]}: {proc.stderr.strip()[-500:]}") from None
    out["stderr"] = proc.stderr.strip()[-2000:]
    if before and after:
        busy = after["cpu"][0] - before["cpu"][0]
        # CPUs kept busy by other processes while this one ran (its own CPU taken off; the wrapper's is noise)
        out["others_load"] = round(max(0.0, busy - out["cpu"]) / max(out["s"], 1e-9), 2)
    return out


def checked(cmd: list[Any], **kw: Any) -> dict[str, Any]:
    r = run_child(cmd, **kw)
    if r["rc"] != 0 or r.get("killed"):
        why = r.get("killed") or f"exited {r['rc']}"
        raise RuntimeError(f"{' '.join(map(str, cmd))[:200]} {why}: {r['stderr'][-500:]}")
    return r


def paired(cmds: dict[str, list[Any]], repeat: int, before: Any = None, after: Any = None) -> dict[str, Any]:
    """Run the commands in turn (A, B, C, A, B, C ...) ``repeat`` times; medians and per-round ratios.

    ``before(name)`` runs before each command (e.g. delete its last output), ``after(name, run)`` after.
    """
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in cmds}
    for _ in range(repeat):
        for name, cmd in cmds.items():
            if before:
                before(name)
            r = checked(cmd)
            if after:
                after(name, r)
            runs[name].append(r)
    summary = {name: {"wall_s": statistics.median(r["s"] for r in rs),
                      "cpu_s": statistics.median(r["cpu"] for r in rs),
                      "rss_mb": max(r["rss_mb"] for r in rs),
                      "others_load": statistics.median(r.get("others_load", 0.0) for r in rs)}
               for name, rs in runs.items()}
    return {"runs": runs, "median": summary}


def pair_ratio(result: dict[str, Any], num: str, den: str, key: str = "cpu") -> float:
    """Median over rounds of ``num``'s / ``den``'s figure in the same round (paired, so drift cancels)."""
    a, b = result["runs"][num], result["runs"][den]
    return statistics.median(x[key] / y[key] for x, y in zip(a, b, strict=True))


class BusyLoad:
    """``n`` processes spinning on the CPU (bounded: each stops by itself after ``seconds``)."""

    def __init__(self, n: int, seconds: float) -> None:
        code = f"import time\nend = time.time() + {seconds}\nwhile time.time() < end:\n    pass\n"
        self.procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(n)]

    def __enter__(self) -> BusyLoad:
        time.sleep(1.0)  # let them show in the run queue
        return self

    def __exit__(self, *exc: object) -> None:
        for p in self.procs:
            p.kill()
            p.wait()
