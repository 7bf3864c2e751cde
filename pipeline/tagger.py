"""The whole pipeline as one object: read → segment → tokenize → match → classify.

>>> import pipeline
>>> tagger = pipeline.load()                      # doctest: +SKIP
>>> records = tagger.tag("examples/report.txt")   # doctest: +SKIP
>>> records[0]["labels"], records[0]["terms"]     # doctest: +SKIP

Components are built once and reused for every document, and are loaded
lazily, so a run that never classifies never loads the model.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .config import Config, load_config
from .errors import InputError
from .record import Document, Paragraph


class Tagger:
    """Runs every stage on documents; one instance serves many documents."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config if config is not None else load_config()

    # -- components, built on first use ------------------------------------
    @functools.cached_property
    def lexicon(self):  # noqa: ANN201 - type lives in pipeline.lexicon
        from .lexicon import load_lexicon

        return load_lexicon(self.config["match"]["lexicon"])

    @functools.cached_property
    def matcher(self):  # noqa: ANN201
        from .match import Matcher

        return Matcher(self.lexicon, overlaps=bool(self.config["match"]["overlaps"]))

    @functools.cached_property
    def tokenizer(self):  # noqa: ANN201
        from .tokenize import get_tokenizer

        cfg = self.config["tokenize"]
        return get_tokenizer(cfg["backend"], lexicon=self.lexicon, hmm=bool(cfg.get("hmm", True)))

    @functools.cached_property
    def classifier(self):  # noqa: ANN201
        from .classify import load_model

        return load_model(self.config["classify"]["model"])

    # -- stages ---------------------------------------------------------------
    def read(self, source: str | Path) -> Document:
        from .read import read_path, read_stdin

        return read_stdin(self.config) if str(source) == "-" else read_path(source, self.config)

    def segment(self, doc: Document) -> list[Paragraph]:
        from .segment import segment, split_sentences

        paragraphs = segment(doc, self.config)
        if self.config["segment"].get("unit", "paragraph") == "sentence":
            paragraphs = split_sentences(paragraphs)
        return paragraphs

    def annotate(self, paragraphs: list[Paragraph]) -> list[Paragraph]:
        """Tokenize (when asked), match and classify paragraphs already cut."""
        if self.config["output"].get("tokens", False):
            for p in paragraphs:
                p.tokens = self.tokenizer.tokenize(p.text)
        for p in paragraphs:
            self.matcher(p)
        return list(self.classifier.pipe(paragraphs))

    # -- entry points ---------------------------------------------------------
    def tag_document(self, doc: Document) -> list[Paragraph]:
        return self.annotate(self.segment(doc))

    def tag_path(self, source: str | Path) -> list[Paragraph]:
        return self.tag_document(self.read(source))

    def tag(self, text_or_path: str | Path) -> list[dict[str, Any]]:
        """Tag a file path or a report's text; returns the records the CLI writes."""
        from .read import read_bytes

        source = str(text_or_path)
        if isinstance(text_or_path, Path) or ("\n" not in source and len(source) < 4096 and Path(source).is_file()):
            paragraphs = self.tag_path(source)
        else:
            paragraphs = self.tag_document(read_bytes(source.encode("utf-8"), "<text>", self.config))
        return [p.to_dict() for p in paragraphs]

    def pipe(self, sources: Iterable[str]) -> Iterator[tuple[str, list[Paragraph] | InputError]]:
        """Tag many inputs in order; a bad input yields its error and the rest go on."""
        for source in sources:
            try:
                yield source, self.tag_path(source)
            except InputError as exc:
                yield source, exc


def load(config_path: str | Path | None = None, **overrides: Any) -> Tagger:
    """A ready ``Tagger`` from the shipped defaults, a config file and overrides.

    Overrides use ``section__key`` names, e.g. ``load(classify__model="my_model")``.
    """
    dotted = {key.replace("__", "."): value for key, value in overrides.items()}
    return Tagger(load_config(config_path, dotted))
