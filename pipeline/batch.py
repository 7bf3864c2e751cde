"""Tagging many inputs: in this process, in a local process pool, or on Dask.

Workers get the inputs in chunks of a few dozen files (``_chunks``) and tag each
chunk as one stream of paragraph batches across its documents
(``policytag.stream``), as the single process does: one task per file scored
each document in its own small batches and cost 22 % more CPU in all (200 MB,
measured in bench/). They send back each input's records as a single block of
JSON lines, never dicts, token lists or models: the parent then only appends
blocks, in input order, and the less the parent does the more a second
process pays. Results always come back in input order, and a bad input comes
back as its error, exactly as in a single process.
Standard input (``-``) cannot be read by a worker: the parent reads it and
ships its bytes with the task.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterable, Iterator
from typing import Any

from .config import Config
from .errors import InputError, PolicytagError, notes_to_stderr

# (source, records or the input's error); records are dicts, or with ``encoded=True`` one
# block of JSON lines (``policytag.write.encode``)
Result = tuple[str, list[dict[str, Any]] | bytes | InputError]

_WORKER_TAGGER: dict[str, Any] = {}


def _tagger_for(config: Config):  # noqa: ANN202
    """One Tagger per process and config, built on the first document."""
    import json

    from .tagger import Tagger

    key = json.dumps(config, sort_keys=True, ensure_ascii=False)
    if key not in _WORKER_TAGGER:
        _WORKER_TAGGER.clear()
        _WORKER_TAGGER[key] = Tagger(config)
    return _WORKER_TAGGER[key]


def _read(tagger, source: str, data: bytes | None):  # noqa: ANN001, ANN202
    if data is None:
        return tagger.read(source)
    from .read import make_doc_id, read_bytes

    doc = read_bytes(data, source, tagger.config)
    doc.doc_id = make_doc_id("stdin", data)  # as read_stdin names it
    return doc


def tag_one(source: str, config: Config, sidecar: dict[str, dict] | None = None,
            data: bytes | None = None, encoded: bool = False) -> Result:
    """Tag one input (``data``: its bytes, already read); an input problem is returned, not raised.

    With ``encoded`` the records come back as one block of JSON lines (``policytag.write.encode``).
    """
    with notes_to_stderr():  # a note (a paragraph cut ...) reaches the user from a worker process too
        return _tag_one(source, config, sidecar, data, encoded)


def _tag_one(source: str, config: Config, sidecar: dict[str, dict] | None, data: bytes | None,
             encoded: bool) -> Result:
    tagger = _tagger_for(config)
    try:
        doc = _read(tagger, source, data)
        if sidecar:
            from .meta import apply_sidecar

            apply_sidecar(doc, sidecar)
        if encoded:  # encoded batch by batch: a long document's records never exist as dicts all at once
            from .write import encode

            batches = tagger.annotate_batches(tagger.paragraphs(doc))
            return source, b"".join(encode(p.to_dict() for p in batch) for batch in batches)
        return source, [p.to_dict() for p in tagger.tag_document(doc)]
    except InputError as exc:
        return source, exc
    except PolicytagError:
        raise
    except Exception as exc:  # a file that breaks a stage must not stop the run
        return source, InputError(source, f"could not be processed ({type(exc).__name__}: {exc})")


def tag_many(
    sources: Iterable[str],
    config: Config,
    jobs: int = 1,
    backend: str = "loky",
    sidecar: dict[str, dict] | None = None,
    encoded: bool = False,
) -> Iterator[Result]:
    """Yield ``(source, records or error)`` for every input, in input order (see ``tag_one``).

    With ``jobs`` > 1 (or ``backend="dask"``) a joblib pool tags them. loky keeps its worker
    processes, and each keeps its tagger, for the next call with the same config.

    >>> from policytag.config import load_config
    >>> [type(r).__name__ for _, r in tag_many(["no/such/file.txt"], load_config())]
    ['InputError']
    """
    if jobs == 1 and backend != "dask":
        for source in sources:
            yield tag_one(source, config, sidecar, encoded=encoded)
        return
    from joblib import delayed

    from .cpus import local_pool  # local workers exit when this process is gone (kill -9 included)

    stdin: list[bytes | None] = []  # read once, when "-" comes up

    def task(chunk: list[str]):  # noqa: ANN202 - a joblib delayed call
        if chunk == ["-"]:
            if not stdin:
                stdin.append(_stdin_bytes())
            return delayed(tag_one)("-", config, sidecar, stdin[0], encoded)
        return delayed(tag_chunk)(chunk, config, sidecar, encoded)

    parallel = local_pool(jobs, backend)
    for result in parallel(task(chunk) for chunk in _chunks(sources)):
        if isinstance(result, list):
            yield from result
        else:
            yield result


# A chunk: files until this many bytes or files. Big enough that a worker's batches span documents
# (a report is ≈50 paragraphs, a batch 1,024), small enough that both workers stay busy to the end and
# a chunk's encoded records (≈3× its bytes) stay a few MB in each process.
CHUNK_BYTES = 1 << 20
CHUNK_FILES = 64


def _chunks(sources: Iterable[str]) -> Iterator[list[str]]:
    """``sources`` in order, cut into chunks; standard input (``-``) is a chunk of its own."""
    chunk: list[str] = []
    size = 0
    for source in sources:
        if source == "-":
            if chunk:
                yield chunk
            yield ["-"]
            chunk, size = [], 0
            continue
        if source in chunk:  # the same file twice: its records are told apart by chunk, not by name
            yield chunk
            chunk, size = [], 0
        chunk.append(source)
        size += _size(source)
        if size >= CHUNK_BYTES or len(chunk) >= CHUNK_FILES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _size(source: str) -> int:
    try:
        return os.stat(source).st_size
    except (OSError, ValueError):  # the worker reports it when it reads the file
        return 0


def tag_chunk(sources: list[str], config: Config, sidecar: dict[str, dict] | None = None,
              encoded: bool = False) -> list[Result]:
    """``tag_one`` for each of ``sources``, in order; with ``encoded`` as one stream of batches across them."""
    if not encoded:
        return [tag_one(source, config, sidecar) for source in sources]
    from .stream import Done, tag_stream

    results: list[Result] = []
    blocks: dict[str, list[bytes]] = {}  # a batch hands on the parts of several sources before their ends
    with notes_to_stderr(), few_collections():
        for event in tag_stream(_tagger_for(config), sources, sidecar):
            if isinstance(event, Done):
                parts = blocks.pop(event.source, [])
                results.append((event.source, event.error or b"".join(parts)))
            else:
                blocks.setdefault(event.source, []).append(event.block)
    return results


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """Tagging makes millions of short-lived acyclic objects (hits, terms, records) that reference counting
    frees; the cyclic collector's frequent passes over them cost ~8 % of the CPU time of a run."""
    threshold = gc.get_threshold()
    gc.set_threshold(20_000, 20, 50)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def _stdin_bytes() -> bytes | None:
    """Standard input, read here in the parent; a read error is left for ``tag_one`` to report."""
    import sys

    try:
        return sys.stdin.buffer.read()
    except (OSError, AttributeError, ValueError):
        return None
