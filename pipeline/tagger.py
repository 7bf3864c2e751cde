"""The whole pipeline as one object: read → segment → tokenize → match → classify.

>>> import policytag
>>> tagger = policytag.load()
>>> records = tagger.tag_text("一、监督工作\\n常委会开展专题询问，听取审议专项工作报告。")
>>> [(r["text"][:6], r["is_heading"]) for r in records]
[('一、监督工作', True), ('常委会开展专', False)]
>>> [t["canonical"] for t in records[1]["terms"]]
['专题询问', '专项工作报告']

``tag``/``tag_text``/``tag_file`` return the records ``policytag tag`` writes
(one dict per paragraph, the same fields and values as a line of its JSONL).
Components are built once and reused for every document, and are loaded
lazily, so a run that never classifies never loads the model.

Offsets: a record's ``start``/``end`` and each term's ``start``/``end`` index
the original decoded text of the document (``Document.raw``). ``text`` and a
term's ``term`` are normalized (simplified script, half-width digits, a line
break inside a paragraph removed), so ``raw[start:end]`` is the same phrase
before normalization.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .config import Config, load_config
from .errors import InputError
from .record import Document, Paragraph

DEFAULT_BATCH = 1024  # paragraphs per batch when the config does not say
TEXT_NAME = "<text>"  # the ``path`` of a document given as a string
_MAX_PATH = 4096


def looks_like_path(value: str) -> bool:
    """Whether a string given to ``Tagger.tag`` names a file rather than holding a report.

    A string is a path when it is one line, not too long, and either an existing
    file or a name ending in a readable extension (``.txt``, ``.docx``, ...). So
    ``"reprot.txt"`` (a typo) raises "file not found" instead of being tagged as
    the text ``reprot.txt``.

    >>> looks_like_path("reports/2023.docx"), looks_like_path("常委会开展专题询问。")
    (True, False)
    >>> looks_like_path("第一行\\n第二行.txt")
    False
    """
    from .read import SUPPORTED

    if not value or "\n" in value or "\r" in value or len(value) > _MAX_PATH:
        return False
    if Path(value).suffix.lower() in SUPPORTED:
        return True
    try:
        return Path(value).is_file()
    except OSError:  # e.g. a name too long for the file system
        return False


class Tagger:
    """Runs every stage on documents; one instance serves many documents.

    >>> tagger = Tagger()
    >>> [p.labels for p in tagger.tag_document(tagger.read_text("审议通过了条例草案。"))]
    [['立法']]
    """

    def __init__(self, config: Config | None = None) -> None:
        self.config = config if config is not None else load_config()

    # -- components, built on first use ------------------------------------
    @functools.cached_property
    def lexicon(self):  # noqa: ANN201 - type lives in policytag.lexicon
        from .lexicon import load_lexicon

        cache = bool(self.config.get("lexicon", {}).get("cache", True))  # the compiled-lexicon cache
        return load_lexicon(self.config["match"]["lexicon"], cache=cache)

    @functools.cached_property
    def matcher(self):  # noqa: ANN201
        from .match import Matcher

        return Matcher(self.lexicon, overlaps=bool(self.config["match"]["overlaps"]),
                       crossing=bool(self.config["match"].get("crossing", True)))

    @functools.cached_property
    def tokenizer(self):  # noqa: ANN201
        from .tokenizer import get_tokenizer

        cfg = self.config["tokenize"]
        return get_tokenizer(cfg["backend"], lexicon=self.lexicon, hmm=bool(cfg.get("hmm", True)))

    @functools.cached_property
    def classifier(self):  # noqa: ANN201
        from .classify import load_model

        return load_model(self.config["classify"]["model"])

    @property
    def labels(self) -> list[str]:
        """The model's labels, in the order of its ``scores``."""
        return list(self.classifier.labels)

    # -- stages ---------------------------------------------------------------
    def read(self, source: str | Path) -> Document:
        """Read one file (``-``: standard input) into a ``Document``."""
        from .read import read_path, read_stdin

        return read_stdin(self.config) if str(source) == "-" else read_path(source, self.config)

    def read_text(self, text: str, name: str = TEXT_NAME) -> Document:
        """A report given as a string, read as if it were a UTF-8 text file called ``name``."""
        from .read import read_bytes

        return read_bytes(text.encode("utf-8"), name, self.config)

    def segment(self, doc: Document) -> list[Paragraph]:
        return list(self.paragraphs(doc))

    def paragraphs(self, doc: Document) -> Iterator[Paragraph]:
        """The paragraphs (or sentences) of ``doc``, cut one at a time."""
        from .segment import iter_segment, iter_sentences

        paragraphs = iter_segment(doc, self.config)
        if self.config["segment"].get("unit", "paragraph") == "sentence":
            paragraphs = iter_sentences(paragraphs)
        return paragraphs

    @property
    def batch_size(self) -> int:
        """Paragraphs matched and classified together (``[output] batch_size``)."""
        return int(self.config["output"].get("batch_size", DEFAULT_BATCH))

    def annotate(self, paragraphs: Iterable[Paragraph]) -> list[Paragraph]:
        """Tokenize (when asked), match and classify paragraphs already cut."""
        return [p for batch in self.annotate_batches(paragraphs) for p in batch]

    def annotate_batches(self, paragraphs: Iterable[Paragraph]) -> Iterator[list[Paragraph]]:
        """``annotate`` in batches of ``batch_size`` paragraphs, each done as soon as it is full."""
        it = iter(paragraphs)
        while batch := list(itertools.islice(it, self.batch_size)):
            yield self.annotate_batch(batch)

    def annotate_batch(self, batch: list[Paragraph]) -> list[Paragraph]:
        """One batch (paragraphs of one document or of many): one matcher pass, one classifier call."""
        if self.config["output"].get("tokens", False):
            for p in batch:
                p.tokens = self.tokenizer.tokenize(p.text)
        self.matcher.match_batch(batch)
        return self.classifier.annotate_batch(batch)

    # -- entry points ---------------------------------------------------------
    def tag_document(self, doc: Document) -> list[Paragraph]:
        return self.annotate(self.segment(doc))

    def tag_path(self, source: str | Path) -> list[Paragraph]:
        return self.tag_document(self.read(source))

    def tag_file(self, path: str | Path) -> list[dict[str, Any]]:
        """Tag one file (any format ``policytag tag`` reads; ``-`` is standard input)."""
        return [p.to_dict() for p in self.tag_path(path)]

    def tag_text(self, text: str, name: str = TEXT_NAME) -> list[dict[str, Any]]:
        """Tag a report given as a string; ``name`` becomes the records' ``path``."""
        return [p.to_dict() for p in self.tag_document(self.read_text(text, name))]

    def tag(self, text_or_path: str | Path) -> list[dict[str, Any]]:
        """Tag a file or a report's text; returns the records the CLI writes.

        A ``Path`` is always a file. A string is a file when ``looks_like_path``
        says so (one line, and an existing file or a name ending in .txt .md .docx
        .pdf .html .htm); a missing file then raises ``InputError``. Any other
        string is the text itself. Use ``tag_text``/``tag_file`` to say which.
        """
        if isinstance(text_or_path, Path):
            return self.tag_file(text_or_path)
        if not isinstance(text_or_path, str):
            raise TypeError(f"expected a str or Path, got {type(text_or_path).__name__}")
        if looks_like_path(text_or_path):
            return self.tag_file(text_or_path)
        return self.tag_text(text_or_path)

    def pipe(self, sources: Iterable[str | Path]) -> Iterator[tuple[str, list[Paragraph] | InputError]]:
        """Tag many files in order, yielding ``(source, paragraphs)`` or ``(source, error)``.

        A bad input (unreadable, empty, undecodable) yields its ``InputError`` and
        the rest go on, as in ``policytag tag``. Paragraphs are ``Paragraph``
        objects; ``p.to_dict()`` is the record. For several processes use
        ``policytag.batch.tag_many(sources, tagger.config, jobs=2)``.

        >>> for source, result in Tagger().pipe(["no/such/file.txt"]):
        ...     print(type(result).__name__)
        InputError
        """
        for source in sources:
            try:
                yield str(source), self.tag_path(source)
            except InputError as exc:
                yield str(source), exc


def load(config_path: str | Path | None = None, **overrides: Any) -> Tagger:
    """A ready ``Tagger`` from the shipped defaults, a config file and overrides.

    Overrides use ``section__key`` names, e.g. ``load(classify__model="my_model")``
    or ``load(segment__unit="sentence", output__tokens=True)``; an unknown key is a
    ``ConfigError``.

    >>> load(match__overlaps=True).config["match"]["overlaps"]
    True
    """
    dotted = {key.replace("__", "."): value for key, value in overrides.items()}
    return Tagger(load_config(config_path, dotted))
