"""How fast `policytag report` pages open in headless Chromium: 5 reports against 500.

The five seed reports are tagged once; the 500-report input is their records copied 100
times under new doc ids. For each size the page is built (CPU seconds, size) and opened
in a fresh headless Chromium, small and large alternating (A, B, A, B ...), and the page's
own marks are read back from the DOM (``performance.now()``, ms after navigation start):

- ``before-data``: the HTML in front of the data block is parsed (header, overview, charts);
- ``ready``: the script has parsed the data and drawn what is open;
- ``painted``: two animation frames later (the first frame with the drawing on screen);
- ``fcp``: Chromium's first-contentful-paint.

Chromium's own CPU seconds (user+sys of the browser's processes) are printed beside them.
Another page (an older report, say) can be timed with ``--also FILE``: wall seconds of the
whole ``chromium --dump-dom`` run, as it carries no marks.

Run: .venv/bin/python bench/bench_report.py [--runs 5] [--seeds ../shared/seeds] [--also old.html]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

MARKS = ("before-data", "ready", "painted", "fcp")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def tagged_records(seeds: Path) -> list[dict]:
    import policytag

    tagger = policytag.load()
    return [record for path in sorted(seeds.glob("*.txt")) for record in tagger.tag(path)]


def copies(records: list[dict], n: int) -> list[dict]:
    """The records of ``n`` reports: the seeds' records again and again under new doc ids."""
    docs = list(dict.fromkeys(r["doc_id"] for r in records))
    out = []
    for copy in range(n // len(docs)):
        for r in records:
            out.append({**r, "doc_id": f"{copy:04d}_{r['doc_id']}", "path": f"copy{copy:04d}/{r['path']}"})
    return out


def build(records: list[dict], folder: Path, name: str) -> tuple[Path, float]:
    """Write the tagged file and the page; CPU seconds of building the page (reading included)."""
    from policytag import report, stats
    from policytag.write import write_jsonl

    tagged = folder / f"{name}.jsonl"
    write_jsonl(records, tagged)
    page = folder / f"{name}.html"
    started = time.process_time()
    frame = stats.load_tagged([tagged])
    definitions = report.load_definitions(report.default_lexicon_path(None))
    report.write_report(frame, page, labels=["监督", "立法", "代表工作", "自身建设", "决定任免"],
                        definitions=definitions)
    return page, time.process_time() - started


def chromium_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def open_page(page: Path, work: Path) -> dict[str, float]:
    """One fresh headless Chromium on ``page``: the page's marks, Chromium CPU s, wall s."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        raise SystemExit("chromium is not installed (apt-get install chromium)")
    profile = work / "profile"
    shutil.rmtree(profile, ignore_errors=True)
    cpu, wall = chromium_cpu(), time.perf_counter()
    dom = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=300, check=False).stdout
    out = {"chromium_cpu_s": chromium_cpu() - cpu, "wall_s": time.perf_counter() - wall}
    head = dom[: dom.find(">", dom.find("<html")) + 1]
    for mark in MARKS:
        found = re.search(rf'data-{mark}-ms="(\d+)"', head)
        if found:
            out[mark] = float(found.group(1))
    return out


def main() -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=Path, default=here.parents[1] / "shared" / "seeds")
    parser.add_argument("--runs", type=int, default=5, help="page openings per size (alternating)")
    parser.add_argument("--large", type=int, default=500, help="reports in the large input")
    parser.add_argument("--also", type=Path, default=None, help="another HTML page to open in the same rounds")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = parser.parse_args()
    if not args.seeds.is_dir():
        raise SystemExit(f"seeds folder not found: {args.seeds} (pass --seeds DIR)")
    work = Path(tempfile.mkdtemp(prefix="bench_report_"))
    try:
        records = tagged_records(args.seeds)
        sizes = {"small": copies(records, 5), "large": copies(records, args.large)}
        pages = {}
        print(f"load: {os.getloadavg()[0]:.2f} (1-min average) at start")
        for name, recs in sizes.items():
            page, cpu = build(recs, work, name)
            pages[name] = page
            docs = len({r["doc_id"] for r in recs})
            print(f"{name}: {docs} reports, {len(recs)} paragraphs; page {page.stat().st_size / 1e6:.2f} MB, "
                  f"built in {cpu:.2f} CPU s")
        if args.also:
            pages["also"] = args.also
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in pages}
        for _ in range(args.runs):
            for name, page in pages.items():
                runs[name].append(open_page(page, work))
        print(f"load: {os.getloadavg()[0]:.2f} at end; medians of {args.runs} openings (ms after navigation start)")
        result = {}
        for name, values in runs.items():
            med = {k: statistics.median(v[k] for v in values) for k in values[0]}
            result[name] = {"median": med, "runs": values, "bytes": pages[name].stat().st_size}
            marks = "  ".join(f"{m} {med[m]:.0f}" for m in MARKS if m in med)
            print(f"  {name:5s}  {marks}  | chromium {med['chromium_cpu_s']:.2f} CPU s, {med['wall_s']:.2f} s wall")
        small, large = result["small"]["median"], result["large"]["median"]
        if "ready" in small and "ready" in large:
            print(f"large / small: ready {large['ready'] / small['ready']:.2f}x, "
                  f"chromium CPU {large['chromium_cpu_s'] / small['chromium_cpu_s']:.2f}x")
        if args.out:
            args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
