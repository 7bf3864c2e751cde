"""policytag benchmark: throughput against the naive script and the old code, cold start, memory,
linearity, --jobs, stages, training.

    .venv/bin/python bench/run.py                       # the issue's sizes (~10 min on 2 cores)
    .venv/bin/python bench/run.py --old /work/wt/base13/.venv/bin/policytag   # also old vs new, paired
    .venv/bin/python bench/run.py --quick               # smoke run (~1 min)
    .venv/bin/python bench/run.py --flat-mb 10,200 --skip-busy --out /tmp/bench.json

Every comparison is paired in this one run (A, B, A, B ...), in CPU seconds (user + sys of the
command and its workers) beside wall seconds, and every run records the load other processes put
on the machine meanwhile: on two shared cores the wall clock swings 3×, CPU seconds much less.
Prints a table (metric, value, target, pass/fail) and writes it with every raw run as JSON
(default bench/results/latest.json). Exit code 0 when every measured target passes, 1 when one
fails or a section could not run, 2 on a setup problem.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from corpus import MB, BenchError, build_corpus, corpus_bytes, seed_files, training_texts, write_training_file
from proc import BusyLoad, checked, machine_state, pair_ratio, paired, run_child

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared"
JIEBA_COLD = "import sys, jieba; jieba.lcut(open(sys.argv[1], encoding='utf-8').read())"
SHORT_LINE = "常委会开展执法检查。\n"  # one sentence, one paragraph: 30 bytes a line


# ---------------------------------------------------------------------------------------- options
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="policytag benchmark (see bench/README.md)")
    ap.add_argument("--mb", type=float, default=None,
                    help="corpus for tag vs naive (and vs --old), MB of 10^6 bytes (default 10; --quick 1)")
    ap.add_argument("--old", default=None,
                    help="the `policytag` executable of another checkout (e.g. a worktree of an older main with its "
                         "own venv): its tag runs are paired with this one's")
    ap.add_argument("--jobs-mb", type=float, default=None, help="corpus for --jobs 2 / 1 job (default 200; --quick 2)")
    ap.add_argument("--quick", action="store_true", help="smoke run: small sizes, one repeat, nothing judged on size")
    ap.add_argument("--skip-rss", action="store_true", help="skip the peak-memory runs")
    ap.add_argument("--skip-busy", action="store_true", help="skip --jobs 2 on a machine kept busy")
    ap.add_argument("--skip-linearity", action="store_true", help="skip the per-stage growth check")
    ap.add_argument("--doc-mb", type=float, default=None, help="the single big document for peak RSS (default 20)")
    ap.add_argument("--lines", type=int, default=None, help="short lines of the one-file RSS run (default 1000000)")
    ap.add_argument("--flat-mb", default=None,
                    help="two corpus sizes (many reports) whose peak RSS must be flat (default 10,1000; --quick 1,4)")
    ap.add_argument("--rss-kill-mb", type=float, default=3000, help="kill a memory run above this RSS (default 3000)")
    ap.add_argument("--rss-timeout", type=float, default=900, help="kill a memory run after this many s (default 900)")
    ap.add_argument("--train-n", type=int, default=None, help="training paragraphs (default 20000; --quick 2000)")
    ap.add_argument("--repeat", type=int, default=None, help="rounds of each paired comparison (default 3)")
    ap.add_argument("--cold-runs", type=int, default=None, help="cold-start rounds (default 7; --quick 3)")
    ap.add_argument("--seeds", type=Path, default=DEFAULT_SHARED / "seeds", help="folder of seed reports (.txt)")
    ap.add_argument("--data", type=Path, default=DEFAULT_SHARED / "data",
                    help="labeled paragraphs for the naive script")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp folder, removed)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder (corpora are reused next run)")
    ap.add_argument("--profile", action="store_true", help="also profile tag (and --old's) under cProfile: top 10")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json", help="JSON results")
    args = ap.parse_args(argv)
    q = args.quick
    args.mb = args.mb if args.mb is not None else (1.0 if q else 10.0)
    args.jobs_mb = args.jobs_mb if args.jobs_mb is not None else (2.0 if q else 200.0)
    args.doc_mb = args.doc_mb if args.doc_mb is not None else (1.0 if q else 20.0)
    args.lines = args.lines if args.lines is not None else (20_000 if q else 1_000_000)
    args.flat_mb = [float(x) for x in (args.flat_mb or ("1,4" if q else "10,1000")).split(",")]
    args.train_n = args.train_n if args.train_n is not None else (2000 if q else 20000)
    args.repeat = args.repeat if args.repeat is not None else (1 if q else 3)
    args.cold_runs = args.cold_runs if args.cold_runs is not None else (3 if q else 7)
    if len(args.flat_mb) != 2 or min(args.mb, args.jobs_mb, args.doc_mb, *args.flat_mb) <= 0 or args.lines <= 0:
        ap.error("--flat-mb takes two sizes, e.g. 10,1000; sizes must be positive")
    if args.old and not Path(args.old).is_file():
        ap.error(f"--old {args.old}: no such executable (give the policytag script of the other checkout's venv)")
    return args


# ---------------------------------------------------------------------------------------- processes
def policytag_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "policytag"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "policytag"]


def tag_cmd(exe: list[str], inputs: Path, out: Path, *extra: str) -> list[str]:
    return [*exe, "tag", str(inputs), "-o", str(out), "--no-progress", *extra]


def _fresh(path: Path) -> None:
    """Delete the last output and flush dirty pages, so no run pays for the last one's write-back."""
    path.unlink(missing_ok=True)
    os.sync()


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def _lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))


# ---------------------------------------------------------------------------------------- results
class Results:
    """Rows of the table plus raw details; every section fills its own part."""

    # Throughput targets assume a corpus of many MB: on a smoke run process start dominates.
    SIZE_DEPENDENT = ("tag_vs_naive", "tag_vs_old", "jobs2_ratio", "busy_ratio", "rss_flat")

    def __init__(self, smoke: bool = False) -> None:
        self.smoke = smoke
        self.rows: list[dict[str, Any]] = []
        self.details: dict[str, Any] = {}
        self.errors: dict[str, str] = {}

    def add(self, key: str, metric: str, value: float | None, unit: str, target: str | None = None,
            ok: bool | None = None, note: str = "") -> None:
        if self.smoke and key in self.SIZE_DEPENDENT:
            ok, note = None, "not judged on a --quick run (start-up dominates)"
        self.rows.append({"key": key, "metric": metric, "value": value, "unit": unit, "target": target,
                          "pass": ok, "note": note})

    def value(self, key: str) -> float | None:
        return next((r["value"] for r in self.rows if r["key"] == key), None)

    def section(self, name: str, fn: Any, *a: Any) -> Any:
        t0 = time.perf_counter()
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        try:
            return fn(*a)
        except Exception as exc:  # noqa: BLE001 - one broken stage must not hide the other numbers
            self.errors[name] = f"{type(exc).__name__}: {exc}"
            self.details.setdefault("tracebacks", {})[name] = traceback.format_exc()[-3000:]
            print(f"[bench] {name}: NOT MEASURED ({self.errors[name][:300]})", file=sys.stderr)
            return None
        finally:
            self.details.setdefault("section_s", {})[name] = round(time.perf_counter() - t0, 2)


def _fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "n/a"
    if unit == "×":
        return f"{v:.2f}×"
    if unit == "CPUs":
        return f"{v:.2f} CPUs"
    if unit in ("s", "MB/s"):
        return f"{v:.2f} {unit}" if v < 100 else f"{v:.0f} {unit}"
    return f"{v:.0f} {unit}" if unit == "MB" else f"{v:g} {unit}".strip()


def _verdict(res: Results, r: dict[str, Any]) -> str:
    if r["pass"] is not None:
        return "PASS" if r["pass"] else "FAIL"
    if r["value"] is None and r["target"]:
        return "n/a"
    return "smoke" if res.smoke and r["key"] in res.SIZE_DEPENDENT else "info"


def print_table(res: Results) -> None:
    head = ("metric", "value", "target", "result")
    lines = [(r["metric"], _fmt(r["value"], r["unit"]), r["target"] or "—", _verdict(res, r)) for r in res.rows]
    widths = [max(_width(x[i]) for x in [head, *lines]) for i in range(4)]
    print()
    for row in [head, tuple("-" * w for w in widths), *lines]:
        print("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip())
    for name, err in res.errors.items():
        print(f"not measured: {name}: {err[:200]}")


def _width(s: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def _pad(s: str, w: int) -> str:
    return s + " " * (w - _width(s))


# ---------------------------------------------------------------------------------------- sections
def corpus(seeds: Path, work: Path, mb: float) -> list[Path]:
    """The corpus of ``mb`` MB in the scratch folder, built once and shared by the sections that use it."""
    return build_corpus(seeds, work / f"corpus_{mb:g}mb", mb)


def write_terms(path: Path) -> Path:
    """Every form the tagger matches (its loaded lexicon), one a line, for the naive script."""
    from policytag.config import load_config
    from policytag.lexicon import load_lexicon

    lex = load_lexicon(load_config()["match"]["lexicon"], cache=False)
    forms = list(dict.fromkeys(f for e in lex for f in e.forms))
    path.write_text("\n".join(forms) + "\n", encoding="utf-8")
    return path


def bench_throughput(res: Results, files: list[Path], mb: float, work: Path, args: argparse.Namespace) -> None:
    """tag (1 job) vs the naive script (set-up included) vs --old's tag: paired rounds, CPU seconds."""
    root = files[0].parents[1]
    outs = {"tag": work / "out_tag.jsonl", "naive": work / "out_naive.jsonl", "old": work / "out_old.jsonl"}
    terms = write_terms(work / "terms.txt")
    cmds = {"tag": tag_cmd(policytag_cmd(), root, outs["tag"])}
    if args.old:
        cmds["old"] = tag_cmd([args.old], root, outs["old"])
    cmds["naive"] = [sys.executable, str(ROOT / "bench" / "baseline.py"), str(root), "-o", str(outs["naive"]),
                     "--data", str(args.data), "--terms", str(terms)]
    for name in cmds:  # warm-up: page cache, bytecode, the lexicon cache, jieba's dictionary cache
        if name != "naive":
            checked(cmds[name])
    r = paired(cmds, args.repeat, before=lambda name: _fresh(outs[name]))
    r["records"] = {name: _lines(outs[name]) for name in cmds}
    if args.old:
        r["outputs_identical"] = _digest(outs["tag"]) == _digest(outs["old"])
    r["terms"] = sum(1 for _ in terms.open(encoding="utf-8"))
    for p in outs.values():
        p.unlink(missing_ok=True)
    res.details["throughput"] = r
    med = r["median"]
    judged = mb >= 5  # the target is stated for >= 5 MB
    res.add("tag_cpu_s", f"tag, 1 job, {mb:.1f} MB ({len(files)} files): CPU", med["tag"]["cpu_s"], "s",
            note=f"wall {med['tag']['wall_s']:.2f} s = {mb / med['tag']['wall_s']:.2f} MB/s; "
                 f"{mb / med['tag']['cpu_s']:.2f} MB per CPU-s")
    res.add("naive_cpu_s", "naive script (jieba + `in` + TF-IDF/LR), set-up included: CPU", med["naive"]["cpu_s"], "s",
            note=f"wall {med['naive']['wall_s']:.2f} s; same {r['terms']} term forms as the tagger")
    ratio = pair_ratio(r, "naive", "tag")
    res.add("tag_vs_naive", "naive CPU / tag CPU (paired)", ratio, "×", "≥ 8× (goal 10×)" if judged else None,
            (ratio >= 8) if judged else None, note=f"wall ratio {pair_ratio(r, 'naive', 'tag', 's'):.2f}×")
    if args.old:
        ratio = pair_ratio(r, "old", "tag")
        res.add("old_cpu_s", f"old tag ({args.old}): CPU", med["old"]["cpu_s"], "s",
                note=f"wall {med['old']['wall_s']:.2f} s; outputs identical: {r['outputs_identical']}")
        res.add("tag_vs_old", "per-core speed-up: old CPU / new CPU (paired)", ratio, "×", "≥ 2×", ratio >= 2,
                note=f"wall ratio {pair_ratio(r, 'old', 'tag', 's'):.2f}×")
    res.add("throughput_load", "load of other processes during these runs", max(m["others_load"] for m in med.values()),
            "CPUs", note="median per command; 0 = the machine was ours")


def bench_jobs(res: Results, seeds: Path, work: Path, mb: float, repeat: int) -> None:
    """`--jobs 2` against one job on a corpus large enough that the pool's start-up is not what is measured."""
    files = corpus(seeds, work, mb)
    size = corpus_bytes(files) / MB
    root = files[0].parents[1]
    out = work / "out_jobs.jsonl"
    idle_before = machine_state()
    cmds = {"1": tag_cmd(policytag_cmd(), root, out, "--jobs", "1"),
            "2": tag_cmd(policytag_cmd(), root, out, "--jobs", "2")}
    counts: dict[str, int] = {}

    def after(name: str, run: dict[str, Any]) -> None:
        counts[name] = _lines(out)
        run["fell_back"] = "busy" in run["stderr"]

    r = paired(cmds, repeat, before=lambda name: _fresh(out), after=after)
    out.unlink(missing_ok=True)
    if counts["1"] != counts["2"]:
        raise RuntimeError("--jobs 2 wrote another number of records than one job")
    ratio = pair_ratio(r, "1", "2", "s")
    others = max(r["median"]["1"]["others_load"], r["median"]["2"]["others_load"])
    idle = others < 0.3 and idle_before.get("others_busy_cpus", 0) < 0.3
    fell_back = sum(run["fell_back"] for run in r["runs"]["2"])
    res.details["jobs"] = {**r, "mb": size, "files": len(files), "machine_before": idle_before,
                           "second_core_idle": idle, "runs_fallen_back": fell_back}
    res.add("jobs_1_wall_s", f"tag, 1 job, {size:.0f} MB ({len(files):,} files): wall", r["median"]["1"]["wall_s"], "s",
            note=f"CPU {r['median']['1']['cpu_s']:.1f} s")
    res.add("jobs_2_wall_s", f"tag --jobs 2, {size:.0f} MB: wall", r["median"]["2"]["wall_s"], "s",
            note=f"CPU {r['median']['2']['cpu_s']:.1f} s (parent + workers); fell back to 1 job in {fell_back} run(s)")
    judged = idle and size >= 100
    res.add("jobs2_ratio", f"--jobs 2 / 1 job, wall (paired), {size:.0f} MB", ratio, "×",
            "≥ 1.8× (second core idle)" if judged else None, (ratio >= 1.8) if judged else None,
            note=f"others' load before {idle_before.get('others_busy_cpus', '?')} CPUs (load1 "
                 f"{idle_before.get('loadavg', {}).get('load1', '?')}), during {others:.2f} CPUs: "
                 f"second core {'idle' if idle else 'NOT idle: not judged'}")


def bench_busy(res: Results, files: list[Path], mb: float, work: Path, repeat: int) -> None:
    """--jobs 2 vs one job while every CPU is already taken by another process: never slower."""
    from policytag.cpus import available_cpus

    root = files[0].parents[1]
    out = work / "out_busy.jsonl"
    cpus = available_cpus()
    cmds = {"1": tag_cmd(policytag_cmd(), root, out, "--jobs", "1"),
            "2": tag_cmd(policytag_cmd(), root, out, "--jobs", "2")}
    with BusyLoad(cpus, seconds=600):
        state = machine_state(0.5)
        r = paired(cmds, repeat, before=lambda name: _fresh(out))
    out.unlink(missing_ok=True)
    notes = sum("busy" in run["stderr"] for run in r["runs"]["2"])
    ratio = pair_ratio(r, "2", "1", "s")
    res.details["busy"] = {**r, "spinners": cpus, "machine": state, "fallback_notes": notes}
    res.add("busy_ratio", f"busy machine ({cpus} spinning processes): --jobs 2 wall / 1 job wall", ratio, "×",
            "≤ 1.1× (never slower)", ratio <= 1.1,
            note=f"{notes} of {len(r['runs']['2'])} --jobs 2 runs fell back to one job; {mb:.0f} MB")


def big_document(seeds: Path, path: Path, mb: float) -> Path:
    """One document of ``mb`` MB: the seed reports one after the other, again and again."""
    body = "\n\n".join(p.read_text(encoding="utf-8") for p in seed_files(seeds)).encode("utf-8")
    with open(path, "wb") as fh:
        written = 0
        while written < mb * MB:
            fh.write(body + b"\n\n")
            written += len(body) + 2
    return path


def bench_rss(res: Results, seeds: Path, work: Path, args: argparse.Namespace) -> None:
    """Peak RSS of `policytag tag` (one job): one big document, one file of short lines, many reports (flat)."""
    out = work / "out_rss.jsonl"
    runs: dict[str, Any] = {}

    def measure(key: str, inputs: Path, size_mb: float) -> dict[str, Any]:
        _fresh(out)
        r = run_child(tag_cmd(policytag_cmd(), inputs, out), kill_mb=args.rss_kill_mb, timeout=args.rss_timeout)
        if r["killed"]:  # over the memory or time limit: the run's figure is at least the limit
            r["rss_mb"] = max(r["rss_mb"], args.rss_kill_mb if "RSS" in r["killed"] else 0)
            r["note"] = f"{r['killed']}; "
        elif r["rc"] != 0:
            raise RuntimeError(f"policytag tag {inputs} exited {r['rc']}: {r['stderr'][-500:]}")
        r.update(mb=size_mb, mb_s=size_mb / r["s"])
        out.unlink(missing_ok=True)
        runs[key] = r
        return r

    doc = big_document(seeds, work / "one_document.txt", args.doc_mb)
    size = doc.stat().st_size / MB
    r = measure("document", doc, size)
    res.add("rss_document", f"peak RSS, one {size:.0f} MB document", r["rss_mb"], "MB", "≤ 150 MB",
            r["rss_mb"] <= 150 and not r["killed"],
            note=f"{r.get('note', '')}CPU {r['cpu']:.1f} s, wall {r['s']:.1f} s")
    doc.unlink()
    lines = work / "short_lines.txt"
    lines.write_text(SHORT_LINE * args.lines, encoding="utf-8")
    size = lines.stat().st_size / MB
    r = measure("short_lines", lines, size)
    res.add("rss_lines", f"peak RSS, one file of {args.lines:,} short lines ({size:.0f} MB)", r["rss_mb"], "MB",
            "≤ 300 MB", r["rss_mb"] <= 300 and not r["killed"],
            note=f"{r.get('note', '')}CPU {r['cpu']:.1f} s, wall {r['s']:.1f} s")
    lines.unlink()
    small, large = args.flat_mb
    peaks = []
    for key, size_mb in (("flat_small", small), ("flat_large", large)):
        files = corpus(seeds, work, size_mb)
        got = corpus_bytes(files) / MB
        r = measure(key, files[0].parents[1], got)
        r["files"] = len(files)
        peaks.append(r["rss_mb"])
        res.add(f"rss_{key}", f"peak RSS, {got:,.0f} MB of reports ({len(files):,} files)", r["rss_mb"], "MB",
                note=f"{r.get('note', '')}CPU {r['cpu']:.1f} s = {got / r['cpu']:.2f} MB per CPU-s")
        if key == "flat_large" and not args.keep:
            shutil.rmtree(files[0].parents[1], ignore_errors=True)
    growth = peaks[1] / peaks[0]
    judged = large / small >= 10
    res.add("rss_flat", f"peak RSS {large:g} MB / {small:g} MB of reports (flat)", growth, "×",
            "≤ 1.1×" if judged else None, (growth <= 1.1) if judged else None)
    res.details["rss"] = runs


def bench_cold(res: Results, seeds: Path, work: Path, runs: int, old: str | None) -> None:
    """One report in a fresh process: `policytag tag` vs `python -c "import jieba; jieba.lcut(text)"`, paired."""
    report = max(seed_files(seeds), key=lambda p: p.stat().st_size)
    one = work / "one_report.txt"
    shutil.copyfile(report, one)
    pair = work / "two_reports"  # --jobs 2 starts no more workers than there are inputs
    pair.mkdir(exist_ok=True)
    for i in (1, 2):
        shutil.copyfile(report, pair / f"report_{i}.txt")
    x = work / "x.jsonl"
    cmds = {"tag": tag_cmd(policytag_cmd(), one, x), "jieba": [sys.executable, "-c", JIEBA_COLD, str(one)],
            "tag_two": tag_cmd(policytag_cmd(), pair, x),
            "tag_two_jobs2": tag_cmd(policytag_cmd(), pair, x, "--jobs", "2", "--force-jobs"),
            "python": [sys.executable, "-c", "pass"]}
    if old:
        cmds["old"] = tag_cmd([old], one, x)
    for cmd in cmds.values():  # warm-up: page cache, bytecode, the lexicon cache, jieba's dictionary cache
        checked(cmd)
    r = paired(cmds, runs)
    med = r["median"]
    res.details["cold"] = {"report": report.name, "bytes": one.stat().st_size, **r}
    kb = one.stat().st_size / 1000
    ratio = pair_ratio(r, "tag", "jieba")
    res.add("cold_tag", f"cold start: policytag tag, one {kb:.0f} KB report: CPU", med["tag"]["cpu_s"], "s",
            note=f"wall {med['tag']['wall_s']:.2f} s")
    res.add("cold_jieba", "cold start: import jieba; jieba.lcut(report): CPU", med["jieba"]["cpu_s"], "s",
            note=f"wall {med['jieba']['wall_s']:.2f} s")
    res.add("cold_python", "cold start: python -c pass (floor): CPU", med["python"]["cpu_s"], "s")
    res.add("cold_ratio", "cold start tag / jieba, CPU (paired)", ratio, "×", "≤ 0.5×", ratio <= 0.5,
            note=f"wall ratio {pair_ratio(r, 'tag', 'jieba', 's'):.2f}×")
    if old:
        res.add("cold_old", "cold start: old tag: CPU", med["old"]["cpu_s"], "s",
                note=f"old / new {pair_ratio(r, 'old', 'tag'):.2f}× (CPU, paired)")
    res.add("cold_jobs2", "cold start: two such reports, --jobs 2: CPU", med["tag_two_jobs2"]["cpu_s"], "s",
            note=f"wall {med['tag_two_jobs2']['wall_s']:.2f} s; one job: CPU {med['tag_two']['cpu_s']:.2f} s, "
                 f"wall {med['tag_two']['wall_s']:.2f} s: the pool's start-up is the difference")


def bench_linearity(res: Results, seeds: Path, work: Path, quick: bool) -> None:
    from linearity import LINEAR_MAX, STAGES, measure

    base = ({"reports": 50_000, "wrapped": 300, "one_line_paragraphs": 1000} if quick
            else {"reports": 250_000, "wrapped": 1250, "one_line_paragraphs": 5000})
    lin = measure(seed_files(seeds), work / "linearity", base)
    res.details["linearity"] = {"base": base, "results": lin}
    print("\nlinearity: CPU cost ratio per doubling of the input (2.0 = linear, 4.0 = quadratic)")
    for kind, r in lin.items():
        print(f"  {kind} ({r['chars'][0]:,} → {r['chars'][-1]:,} chars, {r['paragraphs'][-1]:,} paragraphs at 8×)")
        for stage in STAGES:
            s = r[stage]
            ratios = " ".join(f"{x:.2f}" if x is not None else "-" for x in s["per_doubling"])
            print(f"    {stage:<9} {ratios:<18} slope 2×→8× {s['slope'] or 0:.2f}  ({s['cpu_s'][-1]:.3f} CPU-s at 8×)")
            if s["linear"] is not None:
                res.add(f"linear_{kind}_{stage}", f"linearity: {kind}, {stage}: cost per doubling, 2×→8×",
                        s["slope"], "×", f"≤ {LINEAR_MAX}×", s["linear"],
                        note=f"{s['cpu_s'][-1]:.2f} CPU-s at 8×; per doubling {s['per_doubling']}")


def bench_stages(res: Results, files: list[Path], mb: float, work: Path) -> None:
    from stages import STAGES, measure_stages

    st = measure_stages(files, mb, work / "stages_out.jsonl")
    (work / "stages_out.jsonl").unlink(missing_ok=True)
    res.details["stages"] = st
    res.add("setup_s", "stage setup (lexicon, automaton, model, tokenizer)", st["setup_s"], "s")
    for name in STAGES:
        if name in st["stages"]:
            s = st["stages"][name]
            share = f"{s['share']:.0%} of tag path" if s["share"] is not None else "not on the default tag path"
            res.add(f"stage_{name}", f"stage {name}", s["mb_s"], "MB/s", note=f"{s['s']:.2f} s, {share}")
    for name, err in st["errors"].items():
        res.errors[f"stage {name}"] = err
    if st["default_path_s"]:
        res.add("stages_mb_s", "stages read+segment+match+classify+write", mb / st["default_path_s"], "MB/s")


def bench_training(res: Results, seeds: Path, work: Path, n: int) -> None:
    """`policytag train --no-cv` (policytag.train.train_bundle) on ``n`` paragraphs cut from the seeds."""
    from policytag.config import load_config
    from policytag.read import read_path
    from policytag.segment import segment
    from policytag.tagger import Tagger
    from policytag.train import train_bundle

    config = load_config()
    paras = [p.text for f in seed_files(seeds) for p in segment(read_path(f, config), config)
             if not p.is_heading and not p.is_glossary]
    texts = training_texts(paras, n)
    model = Tagger(config).classifier.model
    labels = model.predict(texts)  # labels from the shipped model: consistent with the text
    source = "shipped model's predictions"
    missing = [lab for lab in model.labels_ if not any(lab in y for y in labels)]
    if missing:  # a label the model never predicts: cycle the hand labels instead
        rows = [json.loads(ln) for f in sorted(DATA.glob("*.jsonl")) for ln in f.read_text("utf-8").splitlines()]
        labels = [rows[i % len(rows)]["labels"] for i in range(n)]
        source = f"hand labels of {DATA} cycled"
    data = write_training_file(texts, labels, work / "train.jsonl")
    t0 = time.perf_counter()
    train_bundle([str(data)], work / "trained_model", config, cv=False)
    secs = time.perf_counter() - t0
    res.details["training"] = {"n": n, "labels": source, "s": secs, "chars": sum(map(len, texts)),
                               "label_counts": {lab: sum(lab in y for y in labels) for lab in model.labels_}}
    from policytag.train import THRESHOLD_FOLDS

    judged = n >= 20000  # the target is stated for 20,000 paragraphs
    res.add("train_s", f"train on {n:,} paragraphs (policytag train --no-cv)", secs, "s",
            "≤ 15 s" if judged else None, (secs <= 15) if judged else None,
            note=f"C={config['classify']['C']:g}; 1 fit per label"
                 + (f" + {THRESHOLD_FOLDS} out-of-fold fits (tuned thresholds)" if config["classify"]["tune_thresholds"]
                    else " (thresholds 0.5)") + "; save")


def _python_of(exe: str) -> str:
    """The interpreter of a venv's console script (its shebang line)."""
    with open(exe, "rb") as fh:
        first = fh.readline().decode("utf-8", "replace").strip()
    return first[2:].strip() if first.startswith("#!") else sys.executable


def _top(stats_file: Path, n: int = 10) -> list[dict[str, Any]]:
    import pstats

    stats = pstats.Stats(str(stats_file))
    total = sum(v[2] for v in stats.stats.values())
    top = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:n]
    return [{"function": f"{Path(k[0]).name}:{k[1]}({k[2]})", "own_s": round(v[2], 3),
             "share": round(v[2] / total, 4), "calls": v[1]} for k, v in top]


def bench_profile(res: Results, files: list[Path], work: Path, old: str | None) -> None:
    """cProfile of `policytag tag CORPUS` (one job), this checkout's and --old's: top 10 functions by own time."""
    root = files[0].parents[1]
    sides = {"new": sys.executable, **({"old": _python_of(old)} if old else {})}
    res.details["profile_top"] = {}
    for side, python in sides.items():
        prof, out = work / f"profile_{side}.prof", work / "profile_out.jsonl"
        checked([python, "-m", "cProfile", "-o", str(prof), "-m", "policytag", "tag", str(root), "-o", str(out),
                 "--no-progress"])
        out.unlink(missing_ok=True)
        top = res.details["profile_top"][side] = _top(prof)
        print(f"\nprofile of tag, {side} (cProfile, own time, {len(files)} files):")
        for row in top:
            print(f"  {row['share']:6.1%}  {row['own_s']:6.2f} s  {row['function']}")


# ---------------------------------------------------------------------------------------- main
DATA = DEFAULT_SHARED / "data"


def environment() -> dict[str, Any]:
    from importlib import metadata

    versions = {}
    for pkg in ("policytag", "rjieba", "jieba", "ahocorasick-rs", "numpy", "scikit-learn", "joblib"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             check=False).stdout.strip()
    except OSError:
        rev = ""
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "git": rev or None, "versions": versions}


def main(argv: list[str] | None = None) -> int:
    global DATA
    args = parse_args(argv)
    DATA = args.data
    started = time.perf_counter()
    try:
        import policytag  # noqa: F401
    except ImportError:
        print("bench: cannot import policytag: run with the project's .venv/bin/python", file=sys.stderr)
        return 2
    try:
        seed_files(args.seeds)
        if not args.data.is_dir():
            raise BenchError(f"labeled data folder not found: {args.data} (pass --data DIR)")
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="policytag-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    # the lexicon cache of the measured commands lives in the scratch folder (filled by the warm-up runs)
    os.environ["POLICYTAG_CACHE_DIR"] = str(work / "cache")
    res = Results(smoke=args.quick)
    res.details["machine_start"] = machine_state()
    try:
        files = corpus(args.seeds, work, args.mb)
        mb = corpus_bytes(files) / MB
        res.details["corpus"] = {"mb": mb, "files": len(files), "seeds": str(args.seeds)}
        res.section("cold start", bench_cold, res, args.seeds, work, args.cold_runs, args.old)
        res.section("throughput", bench_throughput, res, files, mb, work, args)
        res.section("jobs", bench_jobs, res, args.seeds, work, args.jobs_mb, args.repeat)
        if not args.skip_busy:
            res.section("busy", bench_busy, res, files, mb, work, args.repeat)
        if not args.skip_rss:
            res.section("peak RSS", bench_rss, res, args.seeds, work, args)
        if not args.skip_linearity:
            res.section("linearity", bench_linearity, res, args.seeds, work, args.quick)
        res.section("stages", bench_stages, res, files, mb, work)
        res.section("training", bench_training, res, args.seeds, work, args.train_n)
        if args.profile:
            res.section("profile", bench_profile, res, files, work, args.old)
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    res.details["machine_end"] = machine_state()
    total = time.perf_counter() - started
    print_table(res)
    start, end = res.details["machine_start"], res.details["machine_end"]
    print(f"\ncorpus {res.details['corpus']['mb']:.1f} MB in {res.details['corpus']['files']} files; "
          f"benchmark took {total:.0f} s; load1 {start['loadavg'].get('load1')} at the start, "
          f"{end['loadavg'].get('load1')} at the end ({start['cpus_available']} CPUs)")
    report = {"generated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
              "command": " ".join(["bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
              "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
              "environment": environment(), "total_s": round(total, 1), "metrics": res.rows,
              "not_measured": res.errors, "details": res.details}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, args.out)
    print(f"results written to {args.out}")
    failed = any(r["pass"] is False for r in res.rows)
    return 1 if failed or res.errors else 0


if __name__ == "__main__":
    sys.exit(main())
