"""Speed of the matcher and of the tokenizers; token agreement of rjieba with python jieba.

    .venv/bin/python bench/bench_lexicon.py [SEEDS_DIR] [--mb 20]

Matching runs over the seed reports repeated to ~MB megabytes (UTF-8), cut into lines the
way paragraphs arrive; tokenizers run on the seeds repeated to ~2 MB (jieba-py is slow).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from policytag.lexicon import load_lexicon
from policytag.match import Matcher
from policytag.record import MappedText
from policytag.tokenizer import get_tokenizer


def _median(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("seeds", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared" / "seeds"))
    ap.add_argument("--mb", type=float, default=20)
    args = ap.parse_args()
    texts = [p.read_text(encoding="utf-8") for p in sorted(Path(args.seeds).glob("*.txt"))]
    lines = [ln for t in texts for ln in t.splitlines() if ln.strip()]
    size = sum(len(ln.encode()) for ln in lines)
    reps = max(1, int(args.mb * 1e6 / size))
    paras = [MappedText.identity(ln) for ln in lines] * reps
    mb = size * reps / 1e6

    lex = load_lexicon()
    t = time.perf_counter()
    matcher = Matcher(lex)
    print(f"lexicon {len(lex)} entries; automaton built in {time.perf_counter() - t:.3f} s")
    for overlaps in (False, True):
        m = Matcher(lex, overlaps=overlaps)
        secs = _median(lambda m=m: [m.match_text(p) for p in paras])
        print(f"match overlaps={overlaps}: {mb:.1f} MB in {secs:.2f} s = {mb / secs:.1f} MB/s")
    whole = MappedText.identity("\n".join(texts) * reps)
    secs = _median(lambda: matcher.match_text(whole))
    print(f"match whole documents: {mb / secs:.1f} MB/s")

    corpus = ["\n".join(texts)] * max(1, int(2e6 / sum(len(t.encode()) for t in texts)))
    cmb = sum(len(t.encode()) for t in corpus) / 1e6
    for use_lexicon in (False, True):
        for hmm in (True, False):
            rs = get_tokenizer("jieba", lexicon=lex if use_lexicon else None, hmm=hmm)
            py = get_tokenizer("jieba-py", lexicon=lex if use_lexicon else None, hmm=hmm)
            same = sum(rs.tokenize(t) == py.tokenize(t) for t in texts)
            a = [tok for t in texts for tok in rs.tokenize(t)]
            b = [tok for t in texts for tok in py.tokenize(t)]
            rs_s = _median(lambda rs=rs: [rs.tokenize(t) for t in corpus], 1)
            py_s = _median(lambda py=py: [py.tokenize(t) for t in corpus], 1)
            print(f"lexicon={use_lexicon} hmm={hmm}: identical on {same}/{len(texts)} seeds, tokens {len(a)} vs "
                  f"{len(b)} (equal: {a == b}); rjieba {cmb / rs_s:.1f} MB/s, jieba {cmb / py_s:.2f} MB/s")


if __name__ == "__main__":
    main()
