"""Tagging many documents as one stream of paragraph batches, in this process.

Documents are read and cut one after the other, one paragraph at a time; their
paragraphs fill batches of ``[output] batch_size`` that are matched and classified
together, whatever document each paragraph comes from, and each batch's records
are encoded (``policytag.write.encode_paragraphs``) and handed on at once. So the work per
call is done on thousands of paragraphs, and memory holds one batch and the
document being read, never a document's records.

What comes out, in input order: ``Part(source, block)`` for records of a source
(more may follow), then ``Done(source, error)`` when the source is finished. A
source whose ``Done`` carries an error failed: its earlier parts, if any, do not
count. The records are the same, byte for byte, as tagging each document alone.

>>> from policytag.tagger import Tagger
>>> [type(e).__name__ for e in tag_stream(Tagger(), ["no/such/file.txt"])]
['Done']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .errors import InputError, PolicytagError
from .record import Paragraph


@dataclass
class Part:
    """Records of ``source`` as JSON lines; more may follow before its ``Done``."""

    source: str
    block: bytes


@dataclass
class Done:
    """``source`` is finished; with ``error`` it failed and its parts do not count."""

    source: str
    error: InputError | None = None


def failure(source: str, exc: Exception) -> InputError:
    """A stage that breaks on one input fails that input, not the run."""
    if isinstance(exc, InputError):
        return exc
    return InputError(source, f"could not be processed ({type(exc).__name__}: {exc})")


class _Stream:
    def __init__(self, tagger: Any) -> None:
        self.tagger = tagger
        self.batch_size = tagger.batch_size  # read once: add() runs per paragraph
        self.batch: list[Paragraph] = []
        self.owners: list[int] = []  # for each paragraph of the batch, the number of its document
        self.sources: dict[int, str] = {}
        self.errors: dict[int, InputError] = {}  # documents that failed
        self.finished: list[int] = []  # documents read to the end, announced after their last batch
        self.flushing = False

    def add(self, doc: int, paragraph: Paragraph) -> bool:
        """Queue a paragraph; True when the batch is full."""
        self.batch.append(paragraph)
        self.owners.append(doc)
        return len(self.batch) >= self.batch_size

    def fail(self, doc: int, error: InputError) -> None:
        self.errors.setdefault(doc, error)
        keep = [i for i, owner in enumerate(self.owners) if owner != doc]
        if len(keep) != len(self.owners):
            self.batch = [self.batch[i] for i in keep]
            self.owners = [self.owners[i] for i in keep]

    def flush(self) -> Iterator[Part | Done]:
        """Annotate the batch, hand on its records per document, then announce the documents finished."""
        from .write import encode_paragraphs

        self.flushing = True
        if self.batch:
            groups = self._annotate()
            self.batch, self.owners = [], []
            for doc, paragraphs in groups:
                if doc not in self.errors:
                    yield Part(self.sources[doc], encode_paragraphs(paragraphs))
        for doc in self.finished:
            yield Done(self.sources.pop(doc), self.errors.pop(doc, None))
        self.finished = []
        self.flushing = False

    def drop(self, doc: int) -> None:
        """Leave out a document that was not read to the end (the run was interrupted)."""
        keep = [i for i, owner in enumerate(self.owners) if owner != doc]
        self.batch = [self.batch[i] for i in keep]
        self.owners = [self.owners[i] for i in keep]

    def _annotate(self) -> list[tuple[int, list[Paragraph]]]:
        """The batch's paragraphs by document, annotated; a document that breaks a stage fails alone."""
        groups: list[tuple[int, list[Paragraph]]] = []
        for p, doc in zip(self.batch, self.owners, strict=True):
            if not groups or groups[-1][0] != doc:
                groups.append((doc, []))
            groups[-1][1].append(p)
        try:
            self.tagger.annotate_batch(self.batch)
        except PolicytagError:
            raise
        except Exception:  # find the document that breaks it: each one on its own
            for doc, paragraphs in groups:
                try:
                    self.tagger.annotate_batch(paragraphs)
                except PolicytagError:
                    raise
                except Exception as exc:
                    self.errors.setdefault(doc, failure(self.sources[doc], exc))
        return groups


def tag_stream(tagger: Any, sources: Iterable[str], sidecar: dict[str, dict] | None = None) -> Iterator[Part | Done]:
    """Tag ``sources`` in order with ``tagger`` (a ``policytag.tagger.Tagger``), batching across documents."""
    stream = _Stream(tagger)
    reading: int | None = None
    try:
        for doc, source in enumerate(sources):
            stream.sources[doc] = source
            reading = doc
            yield from _tag_document(stream, doc, source, sidecar)
            stream.finished.append(doc)
            reading = None
    except KeyboardInterrupt:
        # Ctrl-C or SIGTERM: the documents read whole are finished and handed on, so --resume skips them
        if not stream.flushing:
            if reading is not None:
                stream.drop(reading)
            yield from stream.flush()
        raise
    yield from stream.flush()


def _tag_document(stream: _Stream, doc: int, source: str, sidecar: dict[str, dict] | None) -> Iterator[Part | Done]:
    """Read and cut one document into the stream, handing on every batch it fills."""
    tagger = stream.tagger
    try:
        document = tagger.read(source)
        if sidecar:
            from .meta import apply_sidecar

            apply_sidecar(document, sidecar)
        for paragraph in tagger.paragraphs(document):
            if stream.add(doc, paragraph):
                yield from stream.flush()
            if doc in stream.errors:  # its paragraphs broke a stage: the rest of it is not wanted
                break
    except PolicytagError as exc:
        if not isinstance(exc, InputError):
            raise
        stream.fail(doc, exc)
    except Exception as exc:  # a file that breaks a stage must not stop the run
        stream.fail(doc, failure(source, exc))
