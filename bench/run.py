"""policytag benchmark: throughput, stages, cold start, memory, training, parallelism, baseline.

    .venv/bin/python bench/run.py                 # 20 MB corpus; --jobs 2 and RSS on 200 MB (~5 min)
    .venv/bin/python bench/run.py --quick         # smoke run: 2 MB, RSS at 2 and 10 MB (~25 s)
    .venv/bin/python bench/run.py --mb 50 --skip-rss --out /tmp/bench.json

Everything is measured in this one run: the naive baseline (bench/baseline.py) runs
on the same corpus in the same run, so ratios never rest on numbers from elsewhere.
Prints a table (metric, value, target, pass/fail) and writes it with the raw
measurements as JSON (default bench/results/latest.json). Exit code 0 when every
measured target passes, 1 when one fails, 2 on a setup problem.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from corpus import MB, BenchError, build_corpus, corpus_bytes, seed_files, training_texts, write_training_file

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared"
JIEBA_COLD = "import sys, jieba; jieba.lcut(open(sys.argv[1], encoding='utf-8').read())"


# ---------------------------------------------------------------------------------------- options
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="policytag benchmark (see bench/README.md)")
    ap.add_argument("--mb", type=float, default=None, help="corpus size in MB (10^6 bytes; default 20, --quick 2)")
    ap.add_argument("--jobs-mb", type=float, default=None,
                    help="corpus for the --jobs 2 / 1 job ratio (default 200; --quick: same as --mb)")
    ap.add_argument("--quick", action="store_true", help="smoke run: small sizes, one repeat")
    ap.add_argument("--skip-rss", action="store_true", help="skip the peak-memory runs (the 200 MB one is slowest)")
    ap.add_argument("--rss-mb", default=None, help="two corpus sizes for peak RSS (default 10,200; --quick 2,10)")
    ap.add_argument("--train-n", type=int, default=None, help="training paragraphs (default 20000; --quick 5000)")
    ap.add_argument("--repeat", type=int, default=None, help="runs per throughput number, median (default 3)")
    ap.add_argument("--cold-runs", type=int, default=None, help="cold-start runs, median (default 7)")
    ap.add_argument("--seeds", type=Path, default=DEFAULT_SHARED / "seeds", help="folder of seed reports (.txt)")
    ap.add_argument("--data", type=Path, default=DEFAULT_SHARED / "data", help="labeled paragraphs for the baseline")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp folder, removed)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder (corpora are reused next run)")
    ap.add_argument("--profile", action="store_true", help="also profile the in-process tag path (cProfile)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json", help="JSON results")
    args = ap.parse_args(argv)
    q = args.quick
    args.mb = args.mb if args.mb is not None else (2.0 if q else 20.0)
    args.jobs_mb = args.jobs_mb if args.jobs_mb is not None else (args.mb if q else 200.0)
    args.rss_mb = [float(x) for x in (args.rss_mb or ("2,10" if q else "10,200")).split(",")]
    args.train_n = args.train_n if args.train_n is not None else (5000 if q else 20000)
    args.repeat = args.repeat if args.repeat is not None else (1 if q else 3)
    args.cold_runs = args.cold_runs if args.cold_runs is not None else (3 if q else 7)
    if len(args.rss_mb) != 2 or args.mb <= 0 or args.jobs_mb <= 0:
        ap.error("--rss-mb takes two sizes, e.g. 10,200; --mb and --jobs-mb must be positive")
    return args


# ---------------------------------------------------------------------------------------- processes
def policytag_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "policytag"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "policytag"]


# Runs the command as its grandchild and reports that process's own rusage. Measuring a direct
# child of this (large) process would not do: Linux counts the RSS the child had before exec
# (a copy of ours) in its ru_maxrss.
_WRAPPER = """
import json, os, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, ru = os.wait4(p.pid, 0)
print(json.dumps({"s": time.perf_counter() - t0, "rss_mb": ru.ru_maxrss / 1024,
                  "rc": os.waitstatus_to_exitcode(status)}))
"""


def run_child(cmd: list[str], cwd: Path | None = None) -> dict[str, Any]:
    """Run ``cmd``: its wall seconds, peak RSS (MB), exit code and the tail of its stderr."""
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, *map(str, cmd)], cwd=cwd, capture_output=True,
                          text=True, check=False)
    try:
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise RuntimeError(f"could not run {cmd[0]}: {proc.stderr.strip()[-500:]}") from None
    out["stderr"] = proc.stderr.strip()[-2000:]
    return out


def checked(cmd: list[str], cwd: Path | None = None) -> dict[str, Any]:
    r = run_child(cmd, cwd)
    if r["rc"] != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {r['rc']}: {r['stderr'][-500:]}")
    return r


# ---------------------------------------------------------------------------------------- results
class Results:
    """Rows of the table plus raw details; every section fills its own part."""

    # Throughput targets assume a corpus of many MB: on a smoke run process start dominates.
    SIZE_DEPENDENT = ("tag_mb_s", "jobs2_ratio", "tag_vs_baseline", "jobs2_ratio_small")

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


def one_and_two_jobs(corpus_dir: Path, work: Path, repeat: int) -> dict[str, Any]:
    """`policytag tag DIR -o out.jsonl` with 1 job and with `--jobs 2`: medians of ``repeat`` runs each."""
    out = work / "tag_out.jsonl"
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    for _ in range(repeat):
        for jobs in (1, 2):  # interleaved, so drift in machine load hits both alike
            # Each run starts clean: without the previous run's output to delete, nor its hundreds of
            # MB of dirty pages being written back meanwhile - kernel work that a one-job run absorbs
            # on the idle core and a two-job run pays for.
            out.unlink(missing_ok=True)
            os.sync()
            cmd = [*policytag_cmd(), "tag", str(corpus_dir), "-o", str(out), "--no-progress", "--jobs", str(jobs)]
            r = checked(cmd)
            with open(out, "rb") as fh:
                r["records"] = sum(1 for _ in fh)
            runs[jobs].append(r)
    out.unlink(missing_ok=True)
    if runs[1][0]["records"] == 0:
        raise RuntimeError("policytag tag wrote no records")
    if runs[1][0]["records"] != runs[2][0]["records"]:
        raise RuntimeError("--jobs 2 wrote another number of records than one job")
    med = {j: statistics.median(r["s"] for r in rs) for j, rs in runs.items()}
    return {"runs": {str(j): rs for j, rs in runs.items()}, "records": runs[1][0]["records"], "median_s": med}


def bench_throughput(res: Results, files: list[Path], mb: float, work: Path, repeat: int) -> None:
    """End-to-end `policytag tag DIR -o out.jsonl` on the main corpus, one job and two."""
    r = one_and_two_jobs(files[0].parents[1], work, repeat)
    res.details["tag"] = r
    one, two = mb / r["median_s"][1], mb / r["median_s"][2]
    res.add("tag_mb_s", f"tag throughput, 1 job ({mb:.1f} MB)", one, "MB/s", "≥ 4 MB/s", one >= 4)
    res.add("tag_jobs2_mb_s", "tag throughput, --jobs 2", two, "MB/s")
    res.add("jobs2_ratio_small", f"--jobs 2 / 1 job on {mb:.0f} MB", two / one, "×",
            note="pool start-up weighs on a few-second run (see cold start, --jobs 2)")


def bench_scaling(res: Results, seeds: Path, work: Path, mb: float, repeat: int) -> None:
    """`--jobs 2` against one job on a corpus large enough that the pool's start-up is not what is measured."""
    files = corpus(seeds, work, mb)
    size = corpus_bytes(files) / MB
    r = one_and_two_jobs(files[0].parents[1], work, repeat)
    res.details["scaling"] = {**r, "mb": size, "files": len(files)}
    one, two = size / r["median_s"][1], size / r["median_s"][2]
    res.add("scale_tag_mb_s", f"tag throughput, 1 job ({size:.0f} MB, {len(files):,} files)", one, "MB/s")
    res.add("scale_jobs2_mb_s", f"tag throughput, --jobs 2 ({size:.0f} MB)", two, "MB/s")
    res.add("jobs2_ratio", f"--jobs 2 / 1 job on {size:.0f} MB", two / one, "×", "≥ 1.8×", two / one >= 1.8)


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


def bench_cold(res: Results, seeds: Path, work: Path, runs: int) -> None:
    """One report in a fresh process: `policytag tag` vs `import jieba; jieba.lcut(text)`."""
    report = max(seed_files(seeds), key=lambda p: p.stat().st_size)
    one = work / "one_report.txt"
    shutil.copyfile(report, one)
    pair = work / "two_reports"  # --jobs 2 starts no more workers than there are inputs
    pair.mkdir(exist_ok=True)
    for i in (1, 2):
        shutil.copyfile(report, pair / f"report_{i}.txt")
    tag = [*policytag_cmd(), "tag", "-o", str(work / "x.jsonl"), "--no-progress"]
    cmds = {
        "tag": [*tag, str(one)],
        "tag_two": [*tag, str(pair)],
        "tag_two_jobs2": [*tag, str(pair), "--jobs", "2"],
        "jieba": [sys.executable, "-c", JIEBA_COLD, str(one)],
        "python": [sys.executable, "-c", "pass"],
    }
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for cmd in cmds.values():  # warm-up: OS file cache, jieba's dictionary cache file
        checked(cmd)
    for _ in range(runs):
        for k, cmd in cmds.items():
            times[k].append(checked(cmd)["s"])
    med = {k: statistics.median(v) for k, v in times.items()}
    res.details["cold"] = {"report": report.name, "bytes": one.stat().st_size, "runs_s": times, "median_s": med}
    ratio = med["tag"] / med["jieba"]
    kb = one.stat().st_size / 1000
    res.add("cold_tag_s", f"cold start: policytag tag, one {kb:.0f} KB report", med["tag"], "s")
    res.add("cold_jieba_s", "cold start: import jieba; jieba.lcut(report)", med["jieba"], "s")
    res.add("cold_python_s", "cold start: python -c pass (floor)", med["python"], "s")
    res.add("cold_ratio", "cold start ratio tag / jieba", ratio, "×", "≤ 0.6×", ratio <= 0.6)
    res.add("cold_tag_jobs2_s", "cold start: two such reports, --jobs 2", med["tag_two_jobs2"], "s",
            note=f"one job: {med['tag_two']:.2f} s; the pool's start-up shows in the difference")


def bench_rss(res: Results, seeds: Path, work: Path, sizes: list[float]) -> None:
    """Peak RSS of `policytag tag DIR -o out.jsonl` (one job) at two corpus sizes."""
    peaks = []
    res.details["rss"] = []
    for size in sizes:
        files = corpus(seeds, work, size)
        out = work / "rss_out.jsonl"
        r = checked([*policytag_cmd(), "tag", str(files[0].parents[1]), "-o", str(out), "--no-progress"])
        out.unlink(missing_ok=True)
        mb = corpus_bytes(files) / MB
        r.update(mb=mb, files=len(files), mb_s=mb / r["s"])
        res.details["rss"].append(r)
        peaks.append(r["rss_mb"])
        res.add(f"rss_{size:g}mb", f"peak RSS, tag {size:g} MB ({len(files)} files)", r["rss_mb"], "MB",
                "≤ 300 MB", r["rss_mb"] <= 300, note=f"{mb / r['s']:.2f} MB/s")
    growth = peaks[1] / peaks[0]
    res.add("rss_growth", f"peak RSS {sizes[1]:g} MB / {sizes[0]:g} MB (flat)", growth, "×", "≤ 1.25×",
            growth <= 1.25)


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


def bench_baseline(res: Results, files: list[Path], mb: float, work: Path) -> None:
    from baseline import NaiveTagger

    t0 = time.perf_counter()
    naive = NaiveTagger(DATA)
    setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    n = naive.tag_files(files, work / "baseline_out.jsonl")
    secs = time.perf_counter() - t0
    (work / "baseline_out.jsonl").unlink(missing_ok=True)
    res.details["baseline"] = {"setup_s": setup, "s": secs, "records": n}
    res.add("baseline_mb_s", "naive baseline (jieba + `in` + TF-IDF/LR)", mb / secs, "MB/s",
            note=f"setup {setup:.1f} s not counted")
    tag = res.value("tag_mb_s")
    if tag is not None:
        ratio = tag / (mb / secs)
        res.add("tag_vs_baseline", "tag (1 job) / baseline", ratio, "×", "≥ 5×", ratio >= 5)


def bench_profile(res: Results, files: list[Path], work: Path) -> None:
    """cProfile of the in-process tag path: top functions by own time."""
    import cProfile
    import pstats

    from policytag.batch import tag_many
    from policytag.config import load_config
    from policytag.write import RecordWriter

    config = load_config()

    def run() -> None:
        writer = RecordWriter(work / "profile_out.jsonl", "jsonl", list(config["classify"]["labels"]))
        for _, recs in tag_many([str(f) for f in files], config):
            for r in recs if isinstance(recs, list) else []:
                writer.write(r)
        writer.close(True)

    prof = cProfile.Profile()
    prof.runcall(run)
    stats = pstats.Stats(prof)
    total = sum(v[2] for v in stats.stats.values())
    top = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:20]
    res.details["profile_top"] = [{"function": f"{Path(k[0]).name}:{k[1]}({k[2]})", "own_s": v[2],
                                   "share": v[2] / total, "calls": v[1]} for k, v in top]
    print("\nprofile (cProfile, own time, in-process tag path):")
    for row in res.details["profile_top"][:12]:
        print(f"  {row['share']:6.1%}  {row['own_s']:6.2f} s  {row['function']}")


# ---------------------------------------------------------------------------------------- main
DATA = DEFAULT_SHARED / "data"


def environment() -> dict[str, Any]:
    from importlib import metadata

    versions = {}
    for pkg in ("policytag", "rjieba", "jieba", "pyahocorasick", "numpy", "scikit-learn", "joblib"):
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
        print("bench: cannot import policytag: run with the project's .venv/bin/python",
              file=sys.stderr)
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
    res = Results(smoke=args.quick or args.mb < 10)
    try:
        files = corpus(args.seeds, work, args.mb)
        mb = corpus_bytes(files) / MB
        res.details["corpus"] = {"mb": mb, "files": len(files), "seeds": str(args.seeds)}
        res.section("throughput", bench_throughput, res, files, mb, work, args.repeat)
        res.section("scaling", bench_scaling, res, args.seeds, work, args.jobs_mb, args.repeat)
        res.section("stages", bench_stages, res, files, mb, work)
        res.section("cold start", bench_cold, res, args.seeds, work, args.cold_runs)
        if not args.skip_rss:
            res.section("peak RSS", bench_rss, res, args.seeds, work, args.rss_mb)
        res.section("training", bench_training, res, args.seeds, work, args.train_n)
        res.section("baseline", bench_baseline, res, files, mb, work)
        if args.profile:
            res.section("profile", bench_profile, res, files, work)
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - started
    print_table(res)
    print(f"\ncorpus {res.details['corpus']['mb']:.1f} MB in {res.details['corpus']['files']} files; "
          f"benchmark took {total:.0f} s")
    report = {"generated": datetime.datetime.now().isoformat(timespec="seconds"),
              "command": " ".join(["bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
              "options": {"mb": args.mb, "jobs_mb": args.jobs_mb, "quick": args.quick,
                          "rss_mb": None if args.skip_rss else args.rss_mb, "train_n": args.train_n,
                          "repeat": args.repeat, "cold_runs": args.cold_runs},
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
