"""Segmentation speed: the five seed reports repeated to ~10 MB, MB/s of UTF-8 input.

Run: .venv/bin/python bench/bench_segment.py [MB]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from policytag.read import read_path
from policytag.record import Document, MappedText
from policytag.segment import segment

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


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


if __name__ == "__main__":
    mb = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    main(mb)
    per_document(mb)
