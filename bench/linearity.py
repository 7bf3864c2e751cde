"""Is every stage linear in its input? CPU seconds per stage at 1×, 2×, 4×, 8× of three kinds of input.

- ``reports``: one document made of the seed reports one after the other;
- ``wrapped``: one long wrapped paragraph: short lines without punctuation (``执法检查``) that the
  segmenter joins into one paragraph (issue 12 item 5: joining rebuilt the text for every line);
- ``one_line_paragraphs``: many one-sentence lines, each its own paragraph (``常委会开展执法检查。``).

Each stage is timed with ``time.process_time`` around the library call ``policytag tag`` makes for it
(read_path, segment, the Tagger's matcher, classifier.pipe, RecordWriter with to_dict). A linear stage
costs 2× per doubling of the input; a quadratic one 4×. A stage is judged on its slope from 2× to
8× (the square root of cost(8×) / cost(2×)); small inputs are measured twice (the lower figure
counts), so that one disturbance does not read as a trend.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

STAGES = ("read", "segment", "match", "classify", "write")
FACTORS = (1, 2, 4, 8)
LINEAR_MAX = 2.8  # worst cost ratio per doubling still counted linear (2.0 = linear, 4.0 = quadratic)
MIN_JUDGED_S = 0.03  # a stage cheaper than this at the largest size is noise, not judged


def inputs(seeds: list[Path], base: dict[str, int]) -> dict[str, Any]:
    """Makers of each input kind: ``kind -> f(factor) -> text``."""
    reports = "\n\n".join(p.read_text(encoding="utf-8") for p in seeds)
    return {
        "reports": lambda k: "\n\n".join([reports] * max(1, base["reports"] * k // len(reports))),
        "wrapped": lambda k: "执法检查\n" * (base["wrapped"] * k),
        "one_line_paragraphs": lambda k: "常委会开展执法检查。\n" * (base["one_line_paragraphs"] * k),
    }


def _stage_costs(path: Path, out: Path, tagger: Any) -> dict[str, float]:
    from policytag.read import read_path
    from policytag.segment import segment
    from policytag.write import RecordWriter

    clock = time.process_time
    cost = {}
    warnings.simplefilter("ignore")  # notes about long paragraphs cut are expected on these inputs
    t = clock()
    doc = read_path(path, tagger.config)
    cost["read"], t = clock() - t, clock()
    paras = segment(doc, tagger.config)
    cost["segment"], t = clock() - t, clock()
    matcher = tagger.matcher
    for p in paras:
        matcher(p)
    cost["match"], t = clock() - t, clock()
    paras = list(tagger.classifier.pipe(paras))
    cost["classify"], t = clock() - t, clock()
    writer = RecordWriter(out, "jsonl", list(tagger.classifier.labels))
    for p in paras:
        writer.write(p.to_dict())
    writer.close(True)
    cost["write"] = clock() - t
    cost["paragraphs"] = len(paras)
    return cost


def measure(seeds: list[Path], work: Path, base: dict[str, int]) -> dict[str, Any]:
    """``{kind: {"chars": [...], "paragraphs": [...], stage: {"cpu_s": [...], "per_doubling": [...]}}}``."""
    from policytag.config import load_config
    from policytag.tagger import Tagger

    tagger = Tagger(load_config())
    tagger.matcher, tagger.classifier  # noqa: B018 - build the components before any clock runs
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    for kind, make in inputs(seeds, base).items():
        res: dict[str, Any] = {"chars": [], "paragraphs": [], **{s: {"cpu_s": []} for s in STAGES}}
        for k in FACTORS:
            text = make(k)
            path = work / f"lin_{kind}_{k}.txt"
            path.write_text(text, encoding="utf-8")
            costs = _stage_costs(path, work / "lin_out.jsonl", tagger)
            if sum(costs[s] for s in STAGES) < 2.0:  # cheap: once more, keep the lower figure of each stage
                again = _stage_costs(path, work / "lin_out.jsonl", tagger)
                costs = {s: min(costs[s], again[s]) for s in STAGES} | {"paragraphs": costs["paragraphs"]}
            res["chars"].append(len(text))
            res["paragraphs"].append(costs["paragraphs"])
            for s in STAGES:
                res[s]["cpu_s"].append(round(costs[s], 4))
            path.unlink()
        for s in STAGES:
            c = res[s]["cpu_s"]
            res[s]["per_doubling"] = [round(b / a, 2) if a > 0 else None for a, b in zip(c, c[1:], strict=False)]
            # judged on the slope from 2× to 8× (per doubling): a fixed cost or one collector pass at 1×
            # must not read as a trend, and a quadratic stage shows 4× on every doubling anyway
            slope = (c[-1] / c[1]) ** 0.5 if c[1] > 0 else None
            res[s]["worst"] = max((r for r in res[s]["per_doubling"] if r is not None), default=None)
            res[s]["slope"] = round(slope, 2) if slope is not None else None
            judged = c[-1] >= MIN_JUDGED_S and slope is not None
            res[s]["linear"] = (slope <= LINEAR_MAX) if judged else None
        results[kind] = res
    (work / "lin_out.jsonl").unlink(missing_ok=True)
    return results
