"""Tagging many inputs: in this process, in a local process pool, or on Dask.

Workers read their own documents and send back finished records already
encoded as JSON lines, never token lists or models: the parent then only
writes, and shipping and encoding less in the parent is what makes more
processes pay (FACTS.md; measured in bench/). Results always come back in input order,
and a bad input comes back as its error, exactly as in a single process.
Standard input (``-``) cannot be read by a worker: the parent reads it and
ships its bytes with the task.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .config import Config
from .errors import InputError, PolicytagError

# (start, end, number of records) of a block a worker appended to a checkpoint file
Block = tuple[int, int, int]
# (source, records or the input's error); records are dicts, JSON lines with ``encoded=True``,
# or the Block where they were written with ``append_to``
Result = tuple[str, list[dict[str, Any]] | list[str] | Block | InputError]

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
            data: bytes | None = None, encoded: bool = False, append_to: str | None = None) -> Result:
    """Tag one input (``data``: its bytes, already read); an input problem is returned, not raised.

    With ``encoded`` the records come back as JSON lines (``pipeline.write.dumps``); with
    ``append_to`` they are appended to that file (``pipeline.write.append_block``) and only
    their place comes back.
    """
    tagger = _tagger_for(config)
    try:
        doc = _read(tagger, source, data)
        if sidecar:
            from .meta import apply_sidecar

            apply_sidecar(doc, sidecar)
        records = [p.to_dict() for p in tagger.tag_document(doc)]
        if encoded or append_to:
            from .write import append_block, dumps

            lines = [dumps(r) for r in records]
            if append_to:
                start, end = append_block(append_to, lines)
                return source, (start, end, len(lines))
            return source, lines
        return source, records
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
    append_to: str | None = None,
) -> Iterator[Result]:
    """Yield ``(source, records or error)`` for every input, in input order.

    ``append_to`` (a checkpoint's records file) is used by local worker processes only: a Dask
    worker may run on another machine, and one process gains nothing from it.
    """
    sources = list(sources)
    if jobs == 1 and backend != "dask":
        for source in sources:
            yield tag_one(source, config, sidecar, encoded=encoded)
        return
    from joblib import Parallel, delayed

    stdin = _stdin_bytes() if "-" in sources else None
    parallel = Parallel(n_jobs=jobs, backend=None if backend == "dask" else backend, return_as="generator")
    local = append_to if backend != "dask" else None
    yield from parallel(
        delayed(tag_one)(s, config, sidecar, stdin if s == "-" else None, encoded, local) for s in sources
    )


def _stdin_bytes() -> bytes | None:
    """Standard input, read here in the parent; a read error is left for ``tag_one`` to report."""
    import sys

    try:
        return sys.stdin.buffer.read()
    except (OSError, AttributeError, ValueError):
        return None
