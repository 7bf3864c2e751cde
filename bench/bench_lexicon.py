"""Speed of the matcher and of the tokenizers; token agreement of rjieba with python jieba.

    .venv/bin/python bench/bench_lexicon.py [SEEDS_DIR] [--mb 20] [--patterns-only] [--vs OTHER/pipeline]

Matching runs over the seed reports repeated to ~MB megabytes (UTF-8), cut into lines the
way paragraphs arrive; tokenizers run on the seeds repeated to ~2 MB (jieba-py is slow).

The patterns section (``patterns_bench``) compares, in one process, paired rounds A B A B ...
of CPU seconds (``time.process_time``) over the same paragraphs:

- literals: the shipped lexicon without its pattern forms (the common case);
- shipped: the shipped lexicon as it is (a few ``re:`` forms);
- + user patterns: a second dictionary of 20 globs and 5 regexes beside the shipped one;
- literals, crossing off: what counting both crossing terms costs;
- ``--vs DIR``: the matcher of another checkout (e.g. main's ``pipeline/``), same lexicon file.
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


USER_DICT = r"""
经济:
  营商环境: [优化营商*, 营商环境*, 放管服*, 一网通办*, 最多跑一次*, "re:营商环境\\p{Han}{0,4}评价"]
  民生: [养老服务*, 就业优先*, 托育*, 义务教育*, 医疗保障*, "re:(?:民生|惠民)实事\\p{Han}{0,2}项目"]
生态环保: [河长制*, 林长制*, 生态环境保护*, 碳达峰*, 污染防治*, "re:[长黄]江\\p{Han}{0,2}保护"]
安全: [安全生产*, 防汛*, 疫情防控*, "re:\\d+项\\p{Han}{0,4}专项检查", "re:扫黑除恶\\p{Han}{0,4}斗争"]
"""


def _cpu(fn) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def _paired(variants: dict[str, object], paras: list, rounds: int) -> dict[str, list[float]]:
    """CPU seconds of each variant, the variants taking turns round after round."""
    secs: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, matcher in variants.items():
            secs[name].append(_cpu(lambda m=matcher: [m.match_text(p) for p in paras]))
    return secs


def _other_matcher(src: str, lexicon_file: Path):  # noqa: ANN202
    """The Matcher of another checkout's ``pipeline/`` folder, imported as its own package."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("policytag_vs", Path(src) / "__init__.py",
                                                  submodule_search_locations=[src])
    module = importlib.util.module_from_spec(spec)
    sys.modules["policytag_vs"] = module
    spec.loader.exec_module(module)
    from policytag_vs.lexicon import load_lexicon as load_vs  # type: ignore[import-not-found]
    from policytag_vs.match import Matcher as MatcherVs  # type: ignore[import-not-found]

    return MatcherVs(load_vs(lexicon_file))


def patterns_bench(paras: list, mb: float, rounds: int, vs: str | None, vs_lexicon: str | None) -> None:
    import tempfile
    from dataclasses import replace

    from policytag.lexicon import Lexicon, lexicon_path

    shipped = load_lexicon()
    literal = Lexicon([replace(e, variants=tuple(v for v in e.variants if not v.startswith("re:")))
                       for e in shipped if not e.term.startswith("re:")], shipped.source, shipped.name)
    with tempfile.TemporaryDirectory() as tmp:
        user = Path(tmp) / "user.yml"
        user.write_text(USER_DICT, encoding="utf-8")
        both = load_lexicon(["policy_terms.yaml", str(user)])
    variants: dict[str, object] = {
        "literals": Matcher(literal),
        "shipped (its re: forms)": Matcher(shipped),
        "+ user dict (20 globs, 5 re:)": Matcher(both),
        "literals, crossing off": Matcher(literal, crossing=False),
    }
    if vs:  # the other checkout may not read this lexicon: both matchers then take --vs-lexicon
        old = Path(vs_lexicon) if vs_lexicon else lexicon_path()
        variants["this matcher, --vs-lexicon"] = Matcher(load_lexicon(old))
        variants["--vs matcher, --vs-lexicon"] = _other_matcher(vs, old)
    secs = _paired(variants, paras, rounds)
    base = statistics.median(secs["literals"])
    print(f"patterns: {mb:.1f} MB of lines, {rounds} paired rounds, CPU seconds (median; ratio to literals)")
    for name, values in secs.items():
        med = statistics.median(values)
        print(f"  {name:32s} {med:6.2f} s  {mb / med:5.1f} MB/s  x{med / base:.2f}  "
              f"(runs {' '.join(f'{v:.2f}' for v in values)})")
    hits = {name: sum(len(m.match_text(p)) for p in paras[: len(paras) // 20]) for name, m in variants.items()}
    print("  terms in the first 5%: " + ", ".join(f"{k} {v}" for k, v in hits.items()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("seeds", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared" / "seeds"))
    ap.add_argument("--mb", type=float, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--patterns-only", action="store_true", help="Only the patterns section.")
    ap.add_argument("--vs", default=None, help="Another checkout's pipeline/ folder to pair the matcher with.")
    ap.add_argument("--vs-lexicon", default=None, help="Lexicon both matchers use for --vs (default: shipped).")
    args = ap.parse_args()
    texts = [p.read_text(encoding="utf-8") for p in sorted(Path(args.seeds).glob("*.txt"))]
    lines = [ln for t in texts for ln in t.splitlines() if ln.strip()]
    size = sum(len(ln.encode()) for ln in lines)
    reps = max(1, int(args.mb * 1e6 / size))
    paras = [MappedText.identity(ln) for ln in lines] * reps
    mb = size * reps / 1e6
    patterns_bench(paras, mb, args.rounds, args.vs, args.vs_lexicon)
    if args.patterns_only:
        return

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
