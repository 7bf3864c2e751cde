"""``policytag reuse``: accuracy on a planted corpus, time and memory at 1k and 10k documents.

    .venv/bin/python bench/bench_reuse.py                  # accuracy + 1k/10k, paired runs (≈10 min on 2 cores)
    .venv/bin/python bench/bench_reuse.py --sizes 200,1000 --repeat 1   # quick look

Accuracy: ``planted.build`` writes synthetic host reports holding lightly edited
copies of real seed paragraphs (three draws); precision and recall of the
planted pairs, and recall by kind of edit.

Scale: corpora of N documents = the five seeds + synthetic reports (≈6,000
characters each, first-order Markov text fitted on the seeds) into each of
which two paragraphs of earlier documents are copied with a light edit, so
shared text grows with N as in a real collection. ``policytag reuse DIR -o
pairs.csv`` runs in a fresh process for each size, sizes alternating (A, B, A,
B): wall seconds, CPU seconds (user+sys of the process and its workers) and
peak RSS. Then, in this process, the seconds of each stage at each size.
Results: printed, and written to bench/results/reuse.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import planted

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

_WRAPPER = """
import json, os, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = p.stderr.read()
_, status, ru = os.wait4(p.pid, 0)
print(json.dumps({"s": time.perf_counter() - t0, "cpu": ru.ru_utime + ru.ru_stime, "rss_mb": ru.ru_maxrss / 1024,
                  "rc": os.waitstatus_to_exitcode(status), "stderr": err.decode("utf-8", "replace")[-1500:]}))
"""


def run_child(cmd: list[str]) -> dict[str, Any]:
    """Wall, CPU seconds and peak RSS of ``cmd`` run as a grandchild (so our own RSS is not counted)."""
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, *map(str, cmd)], capture_output=True, text=True,
                          check=False)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if out["rc"] != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {out['rc']}: {out['stderr']}")
    return out


def policytag() -> str:
    return str(Path(sys.executable).parent / "policytag")


def load() -> str:
    return os.popen("uptime").read().strip()


# --------------------------------------------------------------------------- accuracy


def accuracy(seeds: Path, work: Path, draws: int) -> dict[str, Any]:
    totals = {"planted": 0, "found": 0, "reported": 0, "correct": 0, "seed_pairs": 0}
    by_edit: dict[str, list[int]] = {}
    for draw in range(1, draws + 1):
        hosts = work / f"planted_{draw}"
        sources, seed_files = planted.build(seeds, hosts, hosts=60, sources=40, seed=draw)
        out = work / f"planted_{draw}.csv"
        run_child([policytag(), "reuse", str(seeds), str(hosts), "-o", str(out), "--no-progress"])
        import pandas as pd

        score = planted.score(pd.read_csv(out, encoding="utf-8-sig"), sources, seed_files)
        totals["planted"] += score.planted_pairs
        totals["found"] += score.found
        totals["reported"] += score.reported
        totals["correct"] += score.correct
        totals["seed_pairs"] += score.seed_pairs
        for kind, (hit, n) in score.recall_by_edit.items():
            cell = by_edit.setdefault(kind, [0, 0])
            cell[0] += hit
            cell[1] += n
    return {**totals, "recall": totals["found"] / totals["planted"],
            "precision": totals["correct"] / totals["reported"] if totals["reported"] else None,
            "recall_by_edit": {k: {"found": v[0], "planted": v[1], "recall": v[0] / v[1]} for k, v in by_edit.items()},
            "draws": draws}


# --------------------------------------------------------------------------- scale corpus


def _places(n: int, rng: random.Random) -> list[str]:
    from policytag.regions import _table

    names = sorted(set(_table()[0].values()))
    return [rng.choice(names) for _ in range(n)]


def build_scale(seeds: Path, dest: Path, n_docs: int, seed: int = 11, chars: int = 6000) -> list[Path]:
    """The seeds plus ``n_docs - 5`` synthetic reports with two copied paragraphs each (cached)."""
    marker = dest / ".corpus.json"
    wanted = {"n": n_docs, "seed": seed, "chars": chars, "version": 1}
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        return sorted(dest.rglob("*.txt"))
    rng = random.Random(seed)
    paras = planted.seed_paragraphs(seeds)
    model = planted.Markov([p[1] for p in paras])
    n_hosts = n_docs - 5
    texts = []
    for lo in range(0, n_hosts, 2000):  # bounded memory for the (docs × chars) code array
        texts += model.sample(min(2000, n_hosts - lo), chars, np.random.default_rng(seed + lo))
    bodies = [planted.paragraphs_of(t, rng) for t in texts]
    pool = [p[1] for p in paras]  # paragraphs copies are drawn from: seeds, then every host written
    filler = "".join(texts[:50])
    places = _places(n_hosts, rng)
    dest.mkdir(parents=True, exist_ok=True)
    files = []
    for seed_file in sorted(seeds.glob("*.txt")):
        files.append(dest / seed_file.name)
        files[-1].write_bytes(seed_file.read_bytes())
    kinds = [k for k in planted.EDITS if k != "partial"]
    for i, blocks in enumerate(bodies):
        for _ in range(2):
            copy = planted.edit_text(rng.choice(pool), rng.choice(kinds), rng, filler)
            blocks.insert(rng.randrange(len(blocks) + 1), copy)
        pool.extend(blocks[:3])
        sub = dest / f"{i // 500:03d}"
        sub.mkdir(exist_ok=True)
        path = sub / f"synth_{i:06d}.txt"
        path.write_text(planted._header(places[i], 2015 + i % 10) + "\n\n".join(blocks) + "\n", encoding="utf-8")
        files.append(path)
    marker.write_text(json.dumps(wanted))
    return files


def stages(folder: Path) -> dict[str, float]:
    """CPU seconds of each stage in this process (read+segment+sign, candidates, alignment, tables)."""
    from policytag import reuse
    from policytag.config import load_config
    from policytag.corpus import list_inputs

    params = reuse.ReuseParams()
    t = time.process_time()
    corpus, _ = reuse.build_corpus(list_inputs([str(folder)]), load_config(), params)
    t_read = time.process_time() - t
    t = time.process_time()
    reuse.sign_paragraphs(corpus.texts, params)  # signing alone, again (it is part of the first figure)
    t_sign = time.process_time() - t
    t = time.process_time()
    unit_para, keys, para_doc = corpus.arrays()
    unit_doc = para_doc[unit_para]
    boiler, _ = reuse.boilerplate_units(keys, unit_doc, params.boilerplate_docs(len(corpus.docs)))
    cands = reuse.candidate_pairs(keys, unit_para, para_doc, boiler)
    t_cand = time.process_time() - t
    t = time.process_time()
    rows = reuse._verify(corpus, cands, params, None)
    t_align = time.process_time() - t
    t = time.process_time()
    reuse.find_reuse(corpus, params)
    t_all = time.process_time() - t
    return {"read_segment_sign": t_read, "of_which_sign": t_sign, "candidates": t_cand, "align": t_align,
            "find_reuse_total": t_all, "tables": max(t_all - t_cand - t_align, 0.0), "units": int(len(unit_para)),
            "paragraphs": len(corpus.texts), "candidate_pairs": int(len(cands)), "spans": len(rows),
            "chars": sum(len(x) for x in corpus.texts)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=Path, default=SHARED / "seeds")
    ap.add_argument("--sizes", default="1000,10000", help="corpus sizes in documents (two, paired)")
    ap.add_argument("--repeat", type=int, default=2, help="paired runs per size")
    ap.add_argument("--draws", type=int, default=3, help="planted corpora for accuracy (0: skip)")
    ap.add_argument("--jobs2", action="store_true", help="also run the largest size with --jobs 2")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "policytag-bench-reuse")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "reuse.json")
    args = ap.parse_args(argv)
    if not args.seeds.is_dir():
        print(f"seeds folder not found: {args.seeds}", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "load_before": load()}
    if args.draws:
        results["accuracy"] = accuracy(args.seeds, args.work, args.draws)
        a = results["accuracy"]
        print(f"accuracy: recall {a['recall']:.3f} ({a['found']}/{a['planted']}), precision {a['precision']:.3f} "
              f"({a['correct']}/{a['reported']}); by edit: "
              + ", ".join(f"{k} {v['found']}/{v['planted']}" for k, v in a["recall_by_edit"].items()), flush=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    folders = {n: args.work / f"scale_{n}" for n in sizes}
    for n in sizes:
        t = time.perf_counter()
        files = build_scale(args.seeds, folders[n], n)
        print(f"corpus {n}: {len(files)} files, {sum(f.stat().st_size for f in files) / 1e6:.0f} MB "
              f"({time.perf_counter() - t:.0f}s to build)", flush=True)
    runs: dict[int, list[dict[str, Any]]] = {n: [] for n in sizes}
    for r in range(args.repeat):
        for n in sizes:
            out = args.work / f"pairs_{n}.csv"
            res = run_child([policytag(), "reuse", str(folders[n]), "-o", str(out), "--no-progress"])
            res["load"] = load()
            runs[n].append(res)
            print(f"run {r + 1} n={n}: wall {res['s']:.1f}s cpu {res['cpu']:.1f}s rss {res['rss_mb']:.0f} MB "
                  f"| {res['stderr'].strip().splitlines()[-1][:160]} | {res['load']}", flush=True)
    results["runs"] = {str(n): runs[n] for n in sizes}
    summary = {str(n): {"cpu_s": statistics.median(x["cpu"] for x in runs[n]),
                        "wall_s": statistics.median(x["s"] for x in runs[n]),
                        "rss_mb": max(x["rss_mb"] for x in runs[n])} for n in sizes}
    a, b = sizes[0], sizes[-1]
    ratio = summary[str(b)]["cpu_s"] / summary[str(a)]["cpu_s"]
    summary["cpu_ratio"] = ratio
    summary["growth_exponent"] = float(np.log(ratio) / np.log(b / a))
    results["summary"] = summary
    print(f"CPU {b}/{a} docs: {ratio:.2f}x for {b / a:.0f}x the documents (exponent {summary['growth_exponent']:.2f})")
    if args.jobs2:
        out = args.work / "pairs_jobs2.csv"
        res = run_child([policytag(), "reuse", str(folders[b]), "-o", str(out), "--no-progress", "--jobs", "2"])
        res["load"] = load()
        results["jobs2"] = res
        print(f"--jobs 2 n={b}: wall {res['s']:.1f}s cpu {res['cpu']:.1f}s rss {res['rss_mb']:.0f} MB", flush=True)
    results["stages"] = {}
    for n in sizes:
        results["stages"][str(n)] = st = stages(folders[n])
        print(f"stages n={n}: " + ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
                                             for k, v in st.items()), flush=True)
    results["load_after"] = load()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"-> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
