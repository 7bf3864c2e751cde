"""Per-stage timing through the library API, over the whole corpus, one document at a time.

read (policytag.read.read_path) → segment (policytag.segment.segment) → tokenize
(the Tagger's tokenizer) → match (its matcher) → classify (its classifier) →
write (policytag.write.RecordWriter, JSONL, with Paragraph.to_dict). Each document
goes through every stage before the next is read, as in `policytag tag`, so memory
stays as small as there and garbage-collection costs are those of the real run;
each stage's clock runs only around its own call. Building the components
(lexicon, automaton, model, tokenizer dictionary) is timed apart as ``setup``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

STAGES = ("read", "segment", "tokenize", "match", "classify", "write")
# On the default `policytag tag` path tokens are not computed (output.tokens = false).
DEFAULT_PATH = {"read", "segment", "match", "classify", "write"}


def measure_stages(files: list[Path], mb: float, out_path: Path) -> dict[str, Any]:
    """Seconds and MB/s of every stage over ``files`` (``mb`` = their size)."""
    from policytag.config import load_config
    from policytag.read import read_path
    from policytag.segment import segment
    from policytag.tagger import Tagger
    from policytag.write import RecordWriter

    config = load_config()
    tagger = Tagger(config)
    t0 = time.perf_counter()
    tok, matcher, classifier = tagger.tokenizer, tagger.matcher, tagger.classifier
    setup = time.perf_counter() - t0
    secs = dict.fromkeys(STAGES, 0.0)
    n_docs = n_paras = 0
    clock = time.perf_counter
    writer = RecordWriter(out_path, "jsonl", list(classifier.labels))
    try:
        for f in files:
            t = clock()
            doc = read_path(f, config)
            t, secs["read"] = clock(), secs["read"] + clock() - t
            paras = segment(doc, config)
            t, secs["segment"] = clock(), secs["segment"] + clock() - t
            for p in paras:
                tok.tokenize(p.text)  # result dropped: tokens are not on the default path
            t, secs["tokenize"] = clock(), secs["tokenize"] + clock() - t
            for p in paras:
                matcher(p)
            t, secs["match"] = clock(), secs["match"] + clock() - t
            paras = list(classifier.pipe(paras))  # one pipe per document, as Tagger.annotate does
            t, secs["classify"] = clock(), secs["classify"] + clock() - t
            for p in paras:
                writer.write(p.to_dict())
            secs["write"] += clock() - t
            n_docs, n_paras = n_docs + 1, n_paras + len(paras)
        t = clock()
        writer.close(True)
        secs["write"] += clock() - t
    except BaseException:
        writer.close(False)
        raise
    on_path = sum(v for k, v in secs.items() if k in DEFAULT_PATH)
    stages = {k: {"s": v, "mb_s": mb / v if v else float("inf"), "on_default_path": k in DEFAULT_PATH,
                  "share": v / on_path if k in DEFAULT_PATH and on_path else None} for k, v in secs.items()}
    return {"setup_s": setup, "stages": stages, "errors": {}, "documents": n_docs, "paragraphs": n_paras,
            "default_path_s": on_path}
