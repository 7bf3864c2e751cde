"""Benchmark inputs built from the seed reports: corpora of N MB and training paragraphs.

A corpus is many report files (copies of the seeds), not one big file, so the
numbers include per-document work the way a real folder of reports does. Each
copy ends with its own short line so that every file has a different content
hash (and so a different doc id).
"""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

MB = 1_000_000  # the benchmark's MB: 10^6 bytes of input files


class BenchError(Exception):
    """A problem with the benchmark's inputs (missing seeds, data, ...)."""


def seed_files(seeds: Path) -> list[Path]:
    files = sorted(p for p in Path(seeds).glob("*.txt") if p.is_file())
    if not Path(seeds).is_dir():
        raise BenchError(f"seeds folder not found: {seeds} (pass --seeds DIR, a folder of .txt reports)")
    if not files:
        raise BenchError(f"no .txt reports in the seeds folder {seeds} (pass --seeds DIR)")
    return files


def build_corpus(seeds: Path, dest: Path, mb: float) -> list[Path]:
    """Write copies of the seeds into ``dest`` until they add up to ``mb`` MB; returns the files.

    A corpus already built with the same seeds and size is reused.
    """
    sources = [(p.name, p.read_bytes()) for p in seed_files(seeds)]
    marker = dest / ".corpus.json"
    wanted = {"seeds": [(n, len(b)) for n, b in sources], "mb": mb}
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        return sorted(dest.rglob("*.txt"))
    if dest.exists():
        shutil.rmtree(dest)
    files: list[Path] = []
    total, copy = 0, 0
    while total < mb * MB:
        sub = dest / f"{copy // 100:04d}"  # at most 500 files per folder
        sub.mkdir(parents=True, exist_ok=True)
        for name, data in sources:
            body = data.rstrip(b"\n") + f"\n\nbench copy {copy:06d}\n".encode()
            path = sub / f"{copy:06d}_{name}"
            path.write_bytes(body)
            files.append(path)
            total += len(body)
        copy += 1
    marker.write_text(json.dumps(wanted))
    return files


def corpus_bytes(files: list[Path]) -> int:
    return sum(f.stat().st_size for f in files)


_SENTENCE_END = re.compile(r"(?<=[。；！？])")


def training_texts(paragraphs: list[str], n: int, seed: int = 0) -> list[str]:
    """``n`` distinct paragraph-sized texts: 1–4 sentences drawn from real paragraphs.

    Repeating the seeds' few hundred paragraphs would give a data set of duplicates;
    recombining their sentences keeps the length and vocabulary of real paragraphs.
    """
    sentences = sorted({s.strip() for p in paragraphs for s in _SENTENCE_END.split(p) if len(s.strip()) >= 8})
    if not sentences:
        raise BenchError("no sentences to build training paragraphs from")
    rng = random.Random(seed)
    return ["".join(rng.sample(sentences, rng.randint(1, min(4, len(sentences))))) for _ in range(n)]


def write_training_file(texts: list[str], labels: list[list[str]], path: Path, reports: int = 100) -> Path:
    """JSONL rows (text, labels, report) as ``policytag train`` reads them."""
    with open(path, "w", encoding="utf-8") as fh:
        for i, (text, labs) in enumerate(zip(texts, labels, strict=True)):
            fh.write(json.dumps({"text": text, "labels": labs, "report": f"r{i % reports:03d}"},
                                ensure_ascii=False) + "\n")
    return path
