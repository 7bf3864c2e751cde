"""CPU cost of the classify stage's options on the seed reports, in paired runs.

    .venv/bin/python bench/bench_classify.py [--seeds ../shared/seeds] [--copies 20] [--rounds 5]

The seed reports are read, segmented and matched once (copied ``--copies`` times so
a round lasts long enough to time). Each round then measures, in CPU seconds
(user + sys of this process) and in the order A, B, A, B …:

- ``tag pooled`` / ``tag plain``: read → segment → match → classify of every copy (the
  ``policytag tag`` work without writing), shipped model with and without sentence pooling
- ``classify pooled``: the classify stage alone, shipped model
- ``classify plain``: the classify stage alone, same weights, ``sentence_labels`` emptied
- ``jieba words``: rjieba tokens of every paragraph (what word features would add)

Printed: medians and ratios (pooling cost = pooled / plain; word cost = jieba / tag plain).
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cpu() -> float:
    return time.process_time()  # user + sys of this process, fine-grained


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    files = sorted(args.seeds.glob("*.txt"))
    if not files:
        print(f"bench_classify: no seed reports in {args.seeds}")
        sys.exit(2)
    import policytag
    from policytag.classify import FunctionClassifier, resolve_model_path
    from policytag.lexicon import load_lexicon
    from policytag.tokenizer import get_tokenizer

    tagger = policytag.load()
    paragraphs = [p for _ in range(args.copies) for f in files for p in tagger.annotate(tagger.segment(tagger.read(f)))]
    pooled = FunctionClassifier.load(resolve_model_path("default"))
    plain = copy.copy(pooled)
    plain.features_ = {**pooled.features_, "sentence_labels": []}
    words = get_tokenizer("jieba", lexicon=load_lexicon(None))
    chars = sum(len(p.text) for p in paragraphs) // args.copies
    tagger.classifier.model = pooled
    print(f"{len(files)} seed reports × {args.copies}: {len(paragraphs)} paragraphs, {chars * args.copies:,} "
          f"characters; pooled labels {pooled.features_.get('sentence_labels')}")

    def tag(model: FunctionClassifier) -> None:
        tagger.classifier.model = model
        for _ in range(args.copies):
            for f in files:
                tagger.annotate(tagger.segment(tagger.read(f)))

    jobs = {"tag pooled": lambda: tag(pooled), "tag plain": lambda: tag(plain),
            "classify pooled": lambda: pooled.predict_proba(paragraphs),
            "classify plain": lambda: plain.predict_proba(paragraphs),
            "jieba words": lambda: [words.tokenize(p.text) for p in paragraphs]}
    for job in jobs.values():  # warm-up: dictionaries, tables, caches
        job()
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(args.rounds):
        for name, job in jobs.items():
            t = cpu()
            job()
            times[name].append(cpu() - t)
    med = {name: statistics.median(v) for name, v in times.items()}
    for name, v in med.items():
        runs = ", ".join(f"{x:.3f}" for x in times[name])
        print(f"  {name:16s} {v:.3f} s CPU (median of {args.rounds}; runs {runs})")
    print(f"pooling: classify pooled / plain = {med['classify pooled'] / med['classify plain']:.2f}; "
          f"tag pooled / plain = {med['tag pooled'] / med['tag plain']:.2f}")
    print(f"word features would add jieba / tag plain = {med['jieba words'] / med['tag plain']:.2f} of tag CPU")


if __name__ == "__main__":
    main()
