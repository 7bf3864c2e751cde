"""Segmentation speed and growth.

Run: .venv/bin/python bench/bench_segment.py [MB]           # throughput on the seeds, then growth
     .venv/bin/python bench/bench_segment.py --growth-only [--lines 25000,50000,100000,200000]

Throughput: the five seed reports repeated to ~10 MB, MB/s of UTF-8 input.

Growth (issue 12): one input shape at N, 2N, 4N ... lines, CPU seconds (user+sys of this process)
of ``segment`` alone and of ``read_bytes`` (decode + normalize), and the ratio to the previous
size. Doubling the input should double the time: a ratio near 2.0 per doubling is linear, near 4.0
quadratic. Shapes:

- ``wrapped``: ``执法检查`` lines the segmenter joins into one long paragraph (cut at
  ``segment.max_paragraph_chars``); before the fix every line rebuilt the paragraph so far;
- ``lines``: ``常委会开展执法检查。`` lines, one paragraph each;
- ``blank``: the wrapped shape with a run of blank lines and spaces as long as the text before it
  (the year-heading patterns in meta were cubic in such runs);
- ``html``: a page of ``<p>`` paragraphs (sizes in lines = paragraphs); over 5 MB it is read from
  parser events, under it by trafilatura, so the ratio jumps where the road changes.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from policytag.read import read_bytes, read_path
from policytag.record import Document, MappedText
from policytag.segment import segment

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(target_mb: float = 10.0) -> None:
    texts = [read_path(p).norm.text for p in sorted(SEEDS.glob("*.txt"))]
    one = "\n\n".join(texts)
    reps = max(1, int(target_mb * 1e6 / len(one.encode("utf-8"))))
    raw = "\n\n".join([one] * reps)
    size = len(raw.encode("utf-8")) / 1e6
    doc = Document("bench.txt", "bench", raw, MappedText.identity(raw))
    t0 = time.perf_counter()
    paras = segment(doc)
    dt = time.perf_counter() - t0
    print(f"{size:.1f} MB, {len(paras)} paragraphs in {dt:.2f} s: {size / dt:.1f} MB/s")


def per_document(target_mb: float = 10.0) -> None:
    """The same volume as many separate documents (per-document overhead included)."""
    docs = [read_path(p) for p in sorted(SEEDS.glob("*.txt"))]
    size_one = sum(len(d.raw.encode("utf-8")) for d in docs)
    reps = max(1, int(target_mb * 1e6 / size_one))
    t0 = time.perf_counter()
    n = 0
    for _ in range(reps):
        for d in docs:
            d.meta = {}
            n += len(segment(d))
    dt = time.perf_counter() - t0
    size = size_one * reps / 1e6
    print(f"{size:.1f} MB as {reps * len(docs)} documents, {n} paragraphs in {dt:.2f} s: {size / dt:.1f} MB/s")


def _input(shape: str, n: int) -> tuple[bytes, str]:
    if shape == "wrapped":
        return ("执法检查\n" * n).encode(), "wrapped.txt"
    if shape == "lines":
        return ("常委会开展执法检查。\n" * n).encode(), "lines.txt"
    if shape == "blank":
        return ("执法检查\n" * n + "\n" * (n // 2) + " " * (n // 2) + "\n2023年工作回顾\n").encode(), "blank.txt"
    if shape == "html":
        body = "<p>常委会开展执法检查，听取审议专项工作报告。</p>\n" * n
        page = f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{body}</body></html>'
        return page.encode(), "p.html"
    raise ValueError(shape)


def growth(shapes: list[str], sizes: list[int]) -> None:
    import warnings

    print(f"{'shape':8} {'lines':>9} {'MB':>7} {'read CPU s':>10} {'×':>5} {'segment CPU s':>13} {'×':>5} "
          f"{'paragraphs':>10}")
    for shape in shapes:
        prev: tuple[float, float] | None = None
        for n in sizes:
            data, name = _input(shape, n)
            c0 = cpu()
            doc = read_bytes(data, name)
            c1 = cpu()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the note on the cut paragraph
                paras = segment(doc)
            c2 = cpu()
            read_s, seg_s = c1 - c0, c2 - c1
            ratio = ("", "") if prev is None else (f"{read_s / max(prev[0], 1e-3):.1f}",
                                                   f"{seg_s / max(prev[1], 1e-3):.1f}")
            print(f"{shape:8} {n:>9,} {len(data) / 1e6:>7.1f} {read_s:>10.2f} {ratio[0]:>5} {seg_s:>13.2f} "
                  f"{ratio[1]:>5} {len(paras):>10,}", flush=True)
            prev = (read_s, seg_s)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mb", nargs="?", type=float, default=10.0)
    parser.add_argument("--growth-only", action="store_true")
    parser.add_argument("--lines", default="25000,50000,100000,200000", help="sizes for the growth table")
    parser.add_argument("--shapes", default="wrapped,lines,blank", help="wrapped, lines, blank, html")
    args = parser.parse_args()
    if not args.growth_only:
        main(args.mb)
        per_document(args.mb)
    growth(args.shapes.split(","), [int(x) for x in args.lines.split(",")])
