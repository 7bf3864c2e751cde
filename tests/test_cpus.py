"""``--jobs``: capped at the CPUs this process may use, one job on a busy machine, workers that die with the parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_robustness import REPORT, run_cli

from policytag.cpus import available_cpus, other_load, plan_jobs

POLICYTAG = str(Path(sys.executable).with_name("policytag"))


def test_plan_caps_at_the_cpus():
    plan = plan_jobs(1000, 50, cpus=2, load=0.0)
    assert plan.jobs == 2
    assert "capped at 2" in plan.notes[0]


def test_plan_never_more_than_inputs():
    assert plan_jobs(8, 1, cpus=8, load=0.0) == plan_jobs(1, 1)
    assert plan_jobs(8, 3, cpus=8, load=0.0).jobs == 3


def test_plan_uses_only_the_idle_cpus():
    busy = plan_jobs(2, 100, cpus=2, load=2.0)
    assert busy.jobs == 1 and "busy" in busy.notes[0]
    assert plan_jobs(2, 100, cpus=2, load=1.0).jobs == 1  # a worker sharing a core gains nothing
    assert plan_jobs(2, 100, cpus=2, load=0.0) == plan_jobs(2, 100, cpus=2, load=0.0, force=True)
    assert plan_jobs(4, 100, cpus=4, load=1.0).jobs == 3
    assert plan_jobs(4, 100, cpus=4, load=9.0).jobs == 1


def test_force_starts_what_was_asked():
    plan = plan_jobs(1000, 50, force=True, cpus=2, load=5.0)
    assert plan.jobs == 50 and plan.notes == []


def test_machine_facts():
    assert available_cpus() == len(os.sched_getaffinity(0))
    load = other_load()
    assert load is None or load >= 0


def test_jobs_1000_is_capped_with_a_note(tmp_path: Path):
    reports = tmp_path / "reports"
    reports.mkdir()
    for i in range(4):
        (reports / f"r{i}.txt").write_text(REPORT, encoding="utf-8")
    code, _, stderr = run_cli("tag", str(reports), "-o", str(tmp_path / "o.jsonl"), "--jobs", "1000")
    assert code == 0, stderr
    cpus = len(os.sched_getaffinity(0))
    assert f"note: --jobs 1000 capped at {cpus}" in stderr
    code, _, stderr = run_cli("tag", str(reports), "-o", str(tmp_path / "p.jsonl"), "--jobs", "1000",
                              "--force-jobs")
    assert code == 0, stderr
    assert "note:" not in stderr


def _children(pid: int) -> set[int]:
    """Pids whose parent is ``pid``."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                    stat = fh.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_parent(tmp_path: Path):
    reports = tmp_path / "reports"
    reports.mkdir()
    body = "".join(f"（{k % 9 + 1}）常委会开展第{k}次执法检查，听取审议专项工作报告。\n" for k in range(4000))
    for i in range(40):  # enough work that the workers are busy when the parent is killed
        (reports / f"r{i:02d}.txt").write_text(f"第{i}号报告\n{body}", encoding="utf-8")
    proc = subprocess.Popen([POLICYTAG, "tag", str(reports), "-o", str(tmp_path / "o.jsonl"), "--jobs", "2",
                             "--force-jobs", "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            workers |= _children(proc.pid)
            if len(workers) >= 3:  # loky's resource tracker and two workers
                break
            time.sleep(0.1)
        assert proc.poll() is None, "the run ended before its workers could be seen"
        assert len(workers) >= 2, f"no pool seen: {workers}"
        time.sleep(0.5)  # let the workers take their first task (and arm their watch)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(p) for p in workers):
            time.sleep(0.2)
        left = [p for p in workers if _alive(p)]
        info = {p: Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ")[:150] for p in left}
        assert not left, f"workers still alive after their parent was killed: {info}"
    finally:
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()


def test_reuse_jobs_is_capped_too(tmp_path: Path):
    reports = tmp_path / "reports"
    reports.mkdir()
    for i in range(3):
        (reports / f"r{i}.txt").write_text(REPORT + f"第{i}号。\n", encoding="utf-8")
    code, _, stderr = run_cli("reuse", str(reports), "-o", str(tmp_path / "pairs.csv"), "--jobs", "1000",
                              "--no-progress")
    assert code == 0, stderr
    assert f"note: --jobs 1000 capped at {len(os.sched_getaffinity(0))}" in stderr
