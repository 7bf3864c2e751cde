"""Tagging many inputs: in this process, in a local process pool, or on Dask.

Workers read their own documents and send back each one's records as a single
block of JSON lines, never dicts, token lists or models: the parent then only
appends blocks, in input order, and the less the parent does the more a second
process pays (measured in bench/). Results always come back in input order,
and a bad input comes back as its error, exactly as in a single process.
Standard input (``-``) cannot be read by a worker: the parent reads it and
ships its bytes with the task.
"""

from __future__ import annotations

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
    sources = list(sources)
    if jobs == 1 and backend != "dask":
        for source in sources:
            yield tag_one(source, config, sidecar, encoded=encoded)
        return
    from joblib import delayed

    stdin = _stdin_bytes() if "-" in sources else None
    from .cpus import local_pool  # local workers exit when this process is gone (kill -9 included)

    parallel = local_pool(jobs, backend)
    yield from parallel(delayed(tag_one)(s, config, sidecar, stdin if s == "-" else None, encoded) for s in sources)


def _stdin_bytes() -> bytes | None:
    """Standard input, read here in the parent; a read error is left for ``tag_one`` to report."""
    import sys

    try:
        return sys.stdin.buffer.read()
    except (OSError, AttributeError, ValueError):
        return None
