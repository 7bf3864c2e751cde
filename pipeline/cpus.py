"""How many worker processes to start, and workers that die with their parent.

``--jobs N`` asks for N processes; this module decides how many make sense on this machine:

- never more than the CPUs this process may run on (``os.sched_getaffinity``: a container or
  ``taskset`` limit counts, not the machine's core count), unless forced: ``--jobs 1000`` on two
  CPUs started 120 workers and took 8.4 GB;
- no more than the CPUs other processes leave idle, and at least one: a worker sharing a core
  with another busy process gains nothing and costs the pool's start-up and the parent's work on
  the records. Measured on two cores with one of them taken by other work, ``--jobs 2`` took
  10.0 s where one job took 5.0 s (20 MB); with both taken it falls back to one job too.
  "Busy" is judged from the tasks of other processes runnable right now (``/proc/loadavg``, the
  median of five looks 10 ms apart): the load average lags a minute behind;
- a worker process watches its parent and exits when the parent is gone (``kill -9`` of
  ``policytag tag`` left loky workers running for minutes): a watchdog thread checks
  ``os.getppid()`` twice a second. Linux's ``PR_SET_PDEATHSIG`` was not used: it fires when the
  *thread* that started the worker ends, and loky starts workers from its own threads, so it
  could kill a healthy worker in the middle of a run.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any


def available_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def other_load(samples: int = 5, pause: float = 0.01) -> float | None:
    """Runnable tasks of other processes right now: the median of a few looks at ``/proc/loadavg``.

    The count there includes this process (one runnable task); that is taken off. The 1-minute load
    average is not used to decide: it lags a minute behind (a build that just ended still shows,
    spinning processes started a second ago do not). None when it cannot be told (then no fallback).
    """
    counts = []
    for i in range(samples):
        try:
            with open("/proc/loadavg", encoding="ascii") as fh:
                counts.append(int(fh.read().split()[3].split("/")[0]))
        except (OSError, ValueError, IndexError):
            return None
        if i < samples - 1:
            time.sleep(pause)
    counts.sort()
    return float(max(0, counts[len(counts) // 2] - 1))


@dataclass
class JobPlan:
    """The number of local worker processes to start, and why when it is not what was asked."""

    jobs: int
    notes: list[str] = field(default_factory=list)


def plan_jobs(requested: int, inputs: int, force: bool = False, cpus: int | None = None,
              load: float | None = None, measure_load: bool = True) -> JobPlan:
    """How many processes ``--jobs requested`` gets for ``inputs`` inputs (``force``: as asked, up to the inputs).

    ``cpus`` and ``load`` default to this machine's (``available_cpus``, ``other_load``).
    """
    jobs = max(1, min(requested, inputs))  # one report with --jobs 4 costs what one job costs
    notes: list[str] = []
    if jobs == 1 or force:
        return JobPlan(jobs, notes)
    cpus = available_cpus() if cpus is None else cpus
    if jobs > cpus:
        notes.append(f"--jobs {requested} capped at {cpus}: this process may use {cpus} CPU(s) "
                     f"(--force-jobs starts them all)")
        jobs = cpus
    if jobs > 1:
        load = (other_load() if measure_load else None) if load is None else load
        free = max(1, int(cpus - load + 0.5)) if load is not None else jobs
        if free < jobs:
            notes.append(f"the machine is busy ({load:.0f} runnable task(s) of other processes on {cpus} CPU(s)): "
                         f"running {free} job(s) instead of {jobs}, which would not be faster "
                         f"(--force-jobs starts them)")
            jobs = free
    return JobPlan(jobs, notes)


# ---------------------------------------------------------------------------------------- workers
_GUARDED: dict[str, int] = {}


def guard_worker(parent: int, interval: float = 0.5) -> None:
    """In a worker process started by process ``parent``: exit as soon as that parent is gone. Idempotent.

    ``policytag.batch`` makes it the loky workers' initializer, with the parent's pid, so it runs when a
    worker starts; a worker whose parent died while it was still starting exits at once.
    """
    if _GUARDED.get("pid") == os.getpid():
        return
    _GUARDED["pid"] = os.getpid()
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="policytag-parent-watch", daemon=True).start()


def local_pool(jobs: int, backend: str = "loky") -> Any:
    """A joblib ``Parallel`` (results as a generator, in order) whose local workers die with this process.

    ``backend="dask"``: the cluster joblib is pointed at (``parallel_config``); its workers are not ours.
    """
    from joblib import Parallel

    pool_backend: Any = backend
    if backend == "loky":
        from joblib._parallel_backends import LokyBackend

        pool_backend = LokyBackend(initializer=guard_worker, initargs=(os.getpid(),))
    elif backend == "dask":
        pool_backend = None
    return Parallel(n_jobs=jobs, backend=pool_backend, return_as="generator")
